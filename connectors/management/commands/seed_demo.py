"""Demo data for the embedded mode, told through each context's api and the connectors."""

import json

from django.core.management.base import BaseCommand, CommandError

from connectors.demo import DemoStory, DemoUntold, demo_tell

DEMO_PASSWORD = "cadence-demo"  # noqa: S105  (documented demo login, embedded mode only)


class Command(BaseCommand):
    help = (
        "Tell the demo's story (idempotent): people and courses, a sale approved, completed and "
        "paid out, and a learner partway through another."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="Print the demo ids as JSON."
        )
        parser.add_argument("--password", default=DEMO_PASSWORD, help="Password of new demo users.")

    def handle(self, *args, as_json: bool, password: str, **options):
        say = (lambda line: None) if as_json else self.stdout.write
        try:
            story = demo_tell(password=password, say=say)
        except DemoUntold as untold:
            raise CommandError(str(untold)) from untold
        if as_json:
            self.stdout.write(json.dumps(_as_document(story)))
            return
        self._summary(story, password)

    def _summary(self, story: DemoStory, password: str) -> None:
        seed = story.seed
        self.stdout.write(
            self.style.SUCCESS("Demo ready. Log in at http://127.0.0.1:8000/accounts/login/")
        )
        for role, username in seed.logins.items():
            self.stdout.write(
                f"  {role:<10} {username:<12} password: {password}   ({seed.users[role]})"
            )
        for course in seed.courses:
            self.stdout.write(f"  course     {course.title} ({course.id})")
        self.stdout.write(f"  orders     {', '.join(story.paid_orders)}")
        if story.payout_run is not None:
            run = story.payout_run
            self.stdout.write(
                f"  payouts    batch {run.batch_id}: {run.payout_count} payouts "
                f"of {run.row_count} earned-revenue rows"
            )


def _as_document(story: DemoStory) -> dict:
    seed = story.seed
    return {
        "users": dict(seed.users),
        "courses": [
            {"id": c.id, "title": c.title, "contentCreatorId": c.content_creator_id}
            for c in seed.courses
        ],
    }
