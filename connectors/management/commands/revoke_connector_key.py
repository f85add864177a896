from django.core.management.base import BaseCommand, CommandError

from connectors.errors import ConnectorError
from connectors.inbound.keys import connector_key_revoke


class Command(BaseCommand):
    help = "Revoke a connector key: its requests are refused from now on."

    def add_arguments(self, parser):
        parser.add_argument("name")

    def handle(self, *args, name: str, **options):
        try:
            revoked = connector_key_revoke(name=name)
        except ConnectorError as exc:
            raise CommandError(str(exc)) from exc
        if revoked:
            self.stdout.write(self.style.SUCCESS(f"Connector key {name!r} revoked."))
        else:
            self.stdout.write(f"Connector key {name!r} was already revoked.")
