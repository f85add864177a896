import json

from django.core.management.base import BaseCommand, CommandError

from connectors.errors import ConnectorError
from connectors.inbound.keys import connector_key_create
from connectors.models import ConnectorScope


class Command(BaseCommand):
    help = "Create a connector key for an outside system; its key and signing secret show once."

    def add_arguments(self, parser):
        parser.add_argument("name", help="Who will use the key, e.g. commerce-platform.")
        parser.add_argument("--json", dest="as_json", action="store_true", help="Print JSON only.")
        parser.add_argument("--requests-per-minute", type=int, default=120)
        parser.add_argument(
            "--scope",
            dest="scopes",
            action="append",
            metavar="SCOPE",
            help=(
                "What the key may do; repeat for several. "
                + "; ".join(f"{scope.value}: {scope.label}" for scope in ConnectorScope)
                + f". Default: {ConnectorScope.CONNECTORS.value}."
            ),
        )

    def handle(
        self,
        *args,
        name: str,
        as_json: bool,
        requests_per_minute: int,
        scopes: list[str] | None,
        **options,
    ):
        try:
            issued = connector_key_create(
                name=name,
                requests_per_minute=requests_per_minute,
                scopes=scopes or [ConnectorScope.CONNECTORS],
            )
        except ConnectorError as exc:
            raise CommandError(str(exc)) from exc
        if as_json:
            self.stdout.write(
                json.dumps({"key": issued.key, "secret": issued.secret, "scopes": issued.scopes})
            )
            return
        self.stdout.write(self.style.SUCCESS(f"Connector key {issued.name!r} created."))
        self.stdout.write(f"  key:            {issued.key}")
        self.stdout.write(f"  signing secret: {issued.secret}")
        self.stdout.write(f"  scopes:         {', '.join(issued.scopes)}")
        self.stdout.write(
            self.style.WARNING(
                "Store both now: only a hash of the key is kept, and neither is shown again."
            )
        )
