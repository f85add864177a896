import json
from datetime import timedelta

from django.core.management.base import BaseCommand, CommandError

from connectors.errors import ConnectorError
from connectors.inbound.keys import connector_key_secret_rotate


class Command(BaseCommand):
    help = (
        "Give a connector key a new signing secret; the current ones keep working for the overlap, "
        "during which the sender may sign with both (two v1 values)."
    )

    def add_arguments(self, parser):
        parser.add_argument("name")
        parser.add_argument("--overlap-hours", type=float, default=24.0)
        parser.add_argument("--json", dest="as_json", action="store_true", help="Print JSON only.")

    def handle(self, *args, name: str, overlap_hours: float, as_json: bool, **options):
        if overlap_hours < 0:
            raise CommandError("--overlap-hours: must not be negative")
        try:
            secret = connector_key_secret_rotate(name=name, overlap=timedelta(hours=overlap_hours))
        except ConnectorError as exc:
            raise CommandError(str(exc)) from exc
        if as_json:
            self.stdout.write(json.dumps({"secret": secret}))
            return
        self.stdout.write(self.style.SUCCESS(f"New signing secret for {name!r}: {secret}"))
        self.stdout.write(f"The previous secrets stop working in {overlap_hours:g} hours.")
