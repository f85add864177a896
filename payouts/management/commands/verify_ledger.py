from django.core.management.base import BaseCommand, CommandError

from payouts.selectors.ledger import ledger_verify


class Command(BaseCommand):
    help = "Check the payouts journal: trial balance, and agreement with earned revenue."

    def handle(self, *args, **options):
        report = ledger_verify()
        for problem in report.problems:
            self.stderr.write(problem)
        summary = f"{report.transactions_checked} transactions, {report.accounts_checked} accounts"
        if not report.ok:
            raise CommandError(f"ledger check failed: {len(report.problems)} problems ({summary})")
        self.stdout.write(self.style.SUCCESS(f"ledger balances: {summary}"))
