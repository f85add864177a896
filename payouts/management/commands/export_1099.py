from django.core.management.base import BaseCommand

from payouts.selectors.tax_forms import form_1099_rows, threshold_for
from payouts.tax_exports import form_1099_csv


class Command(BaseCommand):
    help = "Write the 1099-NEC filing CSV for a tax year (TINs in clear: handle with care)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--output", help="file to write (default: standard output)")

    def handle(self, *args, year: int, output: str | None, **options):
        rows = form_1099_rows(year=year)
        text = form_1099_csv(year=year, rows=rows)
        if output:
            with open(output, "w", newline="") as handle:
                handle.write(text)
        else:
            self.stdout.write(text, ending="")
        self.stderr.write(
            f"{len(rows)} payees at or above {threshold_for(year)} for tax year {year}"
        )
