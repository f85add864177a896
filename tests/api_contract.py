"""What the API contract tests share: people who use the API, with data to see, and their tokens.

The world is small and made through each context's services (so every event on the way is
real): a learner with a paid order and the enrollment it bought, and a staff member holding the
permissions of every staff API.
"""

from __future__ import annotations

from dataclasses import dataclass

import requests
from django.contrib.auth.models import Permission

from lms.models import User
from lms.tests.factories import UserFactory
from tests.lifecycle import course_for_sale, deliver_all, enrollment_of, learner, purchase

PASSWORD = "a long enough password"

# Every permission an API checks: the staff member sees and may do all of it.
STAFF_API_PERMISSIONS = (
    "commerce.add_refund",
    "commerce.view_revenueledgerentry",
    "connectors.add_webhooksubscription",
    "connectors.change_webhooksubscription",
    "connectors.replay_webhookdelivery",
    "connectors.view_webhookdelivery",
    "connectors.view_webhooksubscription",
    "lms.view_course",
    "lms.view_enrollment",
    "lms.complete_enrollment",
    "payouts.view_earnedrevenue",
    "payouts.view_payout",
    "payouts.view_payoutaccount",
    "payouts.view_revenueshareconfig",
)


@dataclass(frozen=True)
class ApiWorld:
    learner: User
    staff: User
    order_id: str
    enrollment_id: str
    spare_catalog_item_id: str  # on sale, not bought yet: the learner's next purchase


def api_world() -> ApiWorld:
    buyer = learner("api_learner")
    _course, item = course_for_sale("199.00", requires_approval=False)
    order_item = purchase(buyer, item)
    deliver_all()
    _spare_course, spare = course_for_sale("49.00", requires_approval=False)
    staff = UserFactory(username="api_staff", password=PASSWORD, is_staff=True)
    for name in STAFF_API_PERMISSIONS:
        app_label, codename = name.split(".")
        staff.user_permissions.add(
            Permission.objects.get(content_type__app_label=app_label, codename=codename)
        )
    return ApiWorld(
        learner=buyer,
        staff=staff,
        order_id=order_item.order.public_id,
        enrollment_id=enrollment_of(order_item).public_id,
        spare_catalog_item_id=spare.public_id,
    )


def access_token(base_url: str, username: str) -> str:
    """An access token from the API's own token endpoint, as any client gets one."""
    response = requests.post(
        f"{base_url}/api/v1/auth/token/",
        json={"username": username, "password": PASSWORD},
        timeout=30,
    )
    assert response.status_code == 200, response.text
    return response.json()["access"]
