"""``manage.py reconcile``: find where commerce and the LMS disagree, and repair lost events."""

from django.core.management.base import BaseCommand

from connectors.reconciliation import reconcile


class Command(BaseCommand):
    help = (
        "Compare commerce's sales, the LMS's enrollments and payouts' sales (paid-not-enrolled, "
        "enrolled-not-paid, refunded-but-still-enrolled, rejected-but-not-refunded, "
        "completed-but-not-confirmed, ledger-earned-revenue-mismatch) and re-deliver "
        "dead-lettered events."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Report only; re-deliver nothing."
        )

    def handle(self, *args, dry_run: bool, **options):
        self.stdout.write(
            "Reading commerce's ledger, the LMS's purchased enrollments and payouts' sales…"
        )
        findings = reconcile(repair=not dry_run)
        for finding in findings:
            self.stdout.write(
                f"  {finding.kind}: order {finding.order_id}, item {finding.order_item_id}"
                f"{', enrollment ' + finding.enrollment_id if finding.enrollment_id else ''}: "
                f"{finding.problem}"
            )
            if finding.repair:
                self.stdout.write(f"    repair: {finding.repair}")
        repaired = sum(1 for f in findings if f.repair and not dry_run)
        summary = f"{len(findings)} finding(s), {repaired} repaired by re-delivery."
        style = self.style.SUCCESS if not findings else self.style.WARNING
        self.stdout.write(style(summary if findings else "Nothing wrong: " + summary))
