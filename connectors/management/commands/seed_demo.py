"""Demo data for the embedded mode, through each context's api. Safe to run again."""

import json

from django.core.management.base import BaseCommand

from commerce import api as commerce_api
from lms import api as lms_api
from payouts import api as payouts_api

DEMO_PASSWORD = "cadence-demo"  # noqa: S105  (documented demo login, embedded mode only)


class Command(BaseCommand):
    help = "Create demo people, a department and published courses (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--json", dest="as_json", action="store_true", help="Print the demo ids as JSON."
        )
        parser.add_argument("--password", default=DEMO_PASSWORD, help="Password of new demo users.")

    def handle(self, *args, as_json: bool, password: str, **options):
        self._say(as_json, "Seeding demo people and courses…")
        seed = lms_api.seed_demo(password=password)
        self._say(as_json, "Pricing the demo courses and recording demo sales…")
        sales = _seed_commerce(seed)
        self._say(as_json, "Recording demo earnings and payouts…")
        payouts_api.seed_demo(
            creator_id=seed.users["creator"],
            instructor_id=seed.users["instructor"],
            course_ids=[course.id for course in seed.courses],
        )
        if as_json:
            self.stdout.write(json.dumps(_as_document(seed)))
            return
        self.stdout.write(
            self.style.SUCCESS("Demo ready. Log in at http://127.0.0.1:8000/accounts/login/")
        )
        for role, username in seed.logins.items():
            self.stdout.write(
                f"  {role:<10} {username:<12} password: {password}   ({seed.users[role]})"
            )
        for course in seed.courses:
            self.stdout.write(f"  course     {course.title} ({course.id})")
        self.stdout.write(f"  sales      {len(sales.paid_orders)} paid demo orders")

    def _say(self, quiet: bool, message: str) -> None:
        if not quiet:
            self.stdout.write(message)


def _seed_commerce(seed):
    # The catalog learns of users and courses as the sync connectors would tell it.
    for role, user_id in seed.users.items():
        commerce_api.commerce_user_upsert(user_id=user_id, name=seed.logins[role])
    for course in seed.courses:
        commerce_api.catalog_course_upsert(
            course_id=course.id, title=course.title, content_creator_id=course.content_creator_id
        )
    return commerce_api.seed_demo(
        courses=[{"id": c.id, "title": c.title} for c in seed.courses], users=dict(seed.users)
    )


def _as_document(seed) -> dict:
    return {
        "users": dict(seed.users),
        "courses": [
            {"id": c.id, "title": c.title, "contentCreatorId": c.content_creator_id}
            for c in seed.courses
        ],
    }
