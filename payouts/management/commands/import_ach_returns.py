"""Read a bank's ACH return / notification-of-change file: manage.py import_ach_returns FILE."""

from django.core.management.base import BaseCommand, CommandError

from payouts.rails.nacha import NachaError
from payouts.services.ach_files import nacha_returns_import


class Command(BaseCommand):
    help = "Fail the returned ACH payouts of a bank's return file and keep its notices of change."

    def add_arguments(self, parser):
        parser.add_argument("path")

    def handle(self, *args, path: str, **options):
        try:
            with open(path, encoding="ascii") as handle:
                result = nacha_returns_import(content=handle.read())
        except (OSError, UnicodeDecodeError, NachaError) as error:
            raise CommandError(f"{path}: {error}") from error
        for payout_id in result.returned:
            self.stdout.write(f"returned: {payout_id}")
        for trace in result.unmatched:
            self.stdout.write(f"never sent by us: {trace}")
        self.stdout.write(
            f"{len(result.returned)} returned, {len(result.changes)} notices of change to "
            f"confirm, {len(result.unmatched)} unmatched."
        )
