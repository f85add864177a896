"""``manage.py submission_files_sweep``: delete submission files that no submission refers to."""

from django.core.management.base import BaseCommand

from lms.services import submission_files_sweep
from lms.services.submission_files import submission_orphan_age


class Command(BaseCommand):
    help = (
        "Delete the files under MEDIA_ROOT/submissions/ that no submission refers to (left by "
        "uploads whose transaction rolled back) and that are older than "
        "LMS_SUBMISSION_ORPHAN_AGE_SECONDS. Beat runs the same sweep every hour."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="List them; delete nothing.")

    def handle(self, *args, dry_run: bool, **options):
        self.stdout.write(
            f"Looking for unreferenced submission files older than {submission_orphan_age()}…"
        )
        orphans = submission_files_sweep(dry_run=dry_run)
        for name in orphans:
            self.stdout.write(f"  {name}")
        verb = "would be deleted" if dry_run else "deleted"
        self.stdout.write(self.style.SUCCESS(f"{len(orphans)} file(s) {verb}."))
