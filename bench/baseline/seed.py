"""Prepare the baseline's database and print what the load needs, as JSON on stdout."""

from __future__ import annotations

import json
import os

import django


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.baseline.settings")
    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client

    from bench.baseline.models import Row

    call_command("migrate", verbosity=0)
    Row.objects.all().delete()
    user, _ = get_user_model().objects.get_or_create(username="reader")
    row = Row.objects.create(owner=user, title="one row", body={"amount": "199.00"})
    client = Client()
    client.force_login(user)
    print(
        json.dumps(
            {
                "row_path": f"/rows/{row.pk}",
                "post_path": "/rows",
                "cookie": f"{settings.SESSION_COOKIE_NAME}="
                f"{client.cookies[settings.SESSION_COOKIE_NAME].value}",
            }
        )
    )


if __name__ == "__main__":
    main()
