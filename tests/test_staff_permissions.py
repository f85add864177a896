"""Every staff capability is a Django permission, not staff status.

One table walks each staff route (API, pages, admin views and admin actions) for a staff member
who holds no permission, one who holds exactly the route's permissions, and one who lacks any one
of them: only the second may act, and the others change nothing and read nothing of anyone else.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Permission
from django.utils import timezone

from cadence.kernel.money import Money
from commerce.models import Order, OrderItem, Refund
from commerce.services import catalog_item_price_set, checkout_start
from commerce.tests.factories import in_cart
from connectors.inbound.keys import connector_key_create
from connectors.models import ConnectorKey, OutboxDelivery, WebhookDelivery, WebhookSubscription
from connectors.tests.factories import WebhookSubscriptionFactory
from lms.models import Course, Enrollment, User
from lms.services import course_publish
from lms.tests.factories import CourseFactory, CourseInstructorFactory
from payouts.models import (
    InstructorEngagement,
    Payout,
    PayoutAccount,
    PayoutBatch,
    RevenueShareConfig,
)
from payouts.services.accounts import payout_account_save
from payouts.services.batches import payout_batch_run
from payouts.tests.helpers import confirmed_sale, payee_ready
from tests.lifecycle import deliver_all, enrollment_of, learner, purchase

pytestmark = pytest.mark.django_db

PAYEE = "usr_wirepayee"
UNVERIFIED_PAYEE = "usr_newpayee"


@dataclass
class World:
    """Someone else's money, in every context, for the staff member to reach for."""

    order_item: OrderItem
    pending_order: Order
    enrollment: Enrollment
    engagement: InstructorEngagement
    draft: Course
    payout: Payout
    unverified_account: PayoutAccount
    dead_delivery: OutboxDelivery
    webhook_delivery: WebhookDelivery
    subscription: WebhookSubscription
    key: ConnectorKey


@pytest.fixture
def world(django_capture_on_commit_callbacks) -> World:
    # As after each commit: the syncs and events reach the other contexts.
    with django_capture_on_commit_callbacks(execute=True):
        buyer = learner()
        course = CourseFactory(status=Course.Status.DRAFT, requires_approval=True)
        CourseInstructorFactory(course=course)
        course_publish(course=course)
    item = catalog_item_price_set(
        lms_course_id=course.public_id, price=Money.parse("199.00", "USD")
    )
    with django_capture_on_commit_callbacks(execute=True):
        order_item = purchase(buyer, item)
    deliver_all()
    waiting = learner()
    in_cart(waiting.public_id, item)
    pending_order = checkout_start(customer_id=waiting.public_id, billing_country="US").order

    payee_ready(PAYEE, method="wire")
    confirmed_sale(1, PAYEE)
    with django_capture_on_commit_callbacks(execute=True):
        payout_batch_run()
    payout_account_save(
        user_id=UNVERIFIED_PAYEE, method="paypal", details={"email": "new@example.com"}
    )

    dead = OutboxDelivery.objects.filter(status=OutboxDelivery.Status.DELIVERED).first()
    OutboxDelivery.objects.filter(pk=dead.pk).update(status=OutboxDelivery.Status.DEAD)
    subscription = WebhookSubscriptionFactory()
    webhook = WebhookDelivery.objects.create(
        subscription=subscription, event_id="evt_matrix", event_type="x.y.v1", body="{}"
    )
    WebhookDelivery.objects.filter(pk=webhook.pk).update(status=WebhookDelivery.Status.DEAD)
    connector_key_create(name="partner-lms")
    RevenueShareConfig.objects.create(
        course_id="crs_othercreators", content_creator_id="usr_othercreator",
        content_creator_share_bp=5000, instructor_pool_share_bp=2000, platform_share_bp=3000,
        effective_from=timezone.now(),
    )  # fmt: skip
    return World(
        order_item=order_item,
        pending_order=pending_order,
        enrollment=enrollment_of(order_item),
        draft=CourseFactory(status=Course.Status.DRAFT),
        engagement=InstructorEngagement.objects.create(
            enrollment_id="enr_helped", instructor_id="usr_instructor"
        ),
        payout=Payout.objects.get(user_id=PAYEE),
        unverified_account=PayoutAccount.objects.get(user_id=UNVERIFIED_PAYEE),
        dead_delivery=dead,
        webhook_delivery=webhook,
        subscription=subscription,
        key=ConnectorKey.objects.get(name="partner-lms"),
    )


@dataclass(frozen=True)
class StaffRoute:
    """One staff capability: how to ask for it, what it needs, and how to tell it happened."""

    name: str
    method: str
    url: Callable[[World], str]
    permissions: tuple[str, ...]
    # Whether the capability was used: the money row changed, or someone else's rows were shown.
    done: Callable[[World, object], bool]
    data: Callable[[World], dict] = lambda world: {}
    # The answer to a staff member without the permissions: 403, or 200 for lists that then
    # show the caller's own rows only, or None for an admin action (the admin just does not
    # offer it; the table checks that nothing changed).
    refused_with: int | None = 403


def admin_action(action: str, selected: Callable[[World], int]) -> Callable[[World], dict]:
    return lambda world: {"action": action, ACTION_CHECKBOX_NAME: [selected(world)], "index": 0}


def shows(text: Callable[[World], str]) -> Callable[[World, object], bool]:
    return lambda world, response: (
        response.status_code == 200 and text(world) in (response.content.decode())
    )


def refunded(world, response) -> bool:
    return Refund.objects.filter(order_item=world.order_item).exists()


def batch_ran(world, response) -> bool:
    return PayoutBatch.objects.count() > 1


ROUTES = [
    # --- the API -------------------------------------------------------------------------------
    StaffRoute(
        "api refund", "post", lambda w: "/api/v1/payments/refunds/", ("commerce.add_refund",),
        refunded, data=lambda w: {"orderItemId": w.order_item.public_id, "amount": "10.00"},
    ),
    StaffRoute(
        "api revenue report", "get", lambda w: "/api/v1/revenue/",
        ("commerce.view_revenueledgerentry",), shows(lambda w: w.order_item.course_id),
    ),
    StaffRoute(
        "api earned revenue", "get", lambda w: "/api/v1/payouts/earned-revenue/",
        ("payouts.view_earnedrevenue",), shows(lambda w: PAYEE), refused_with=200,
    ),
    StaffRoute(
        "api payouts", "get", lambda w: "/api/v1/payouts/payouts/", ("payouts.view_payout",),
        shows(lambda w: w.payout.public_id), refused_with=200,
    ),
    StaffRoute(
        "api payout accounts", "get", lambda w: "/api/v1/payouts/accounts/",
        ("payouts.view_payoutaccount",), shows(lambda w: PAYEE), refused_with=200,
    ),
    StaffRoute(
        "api revenue share configs", "get", lambda w: "/api/v1/payouts/revenue-share-configs/",
        ("payouts.view_revenueshareconfig",), shows(lambda w: "crs_othercreators"),
        refused_with=200,
    ),
    StaffRoute(
        "api enrollments", "get", lambda w: "/api/v1/lms/enrollments/", ("lms.view_enrollment",),
        shows(lambda w: w.enrollment.public_id), refused_with=200,
    ),
    # --- pages ---------------------------------------------------------------------------------
    StaffRoute(
        "reconciliation report", "get", lambda w: "/connectors/reconciliation/",
        ("connectors.view_reconciliation",), shows(lambda w: "Reconciliation"),
    ),
    StaffRoute(
        "reconciliation re-delivery", "post", lambda w: "/connectors/reconciliation/",
        ("connectors.view_reconciliation", "connectors.replay_outboxdelivery"),
        lambda w, response: response.status_code == 302,
    ),
    StaffRoute(
        "1099 filing export", "get", lambda w: f"/earnings/1099/{timezone.now().year}.csv",
        ("payouts.view_taxinfo",), lambda w, response: response.status_code == 200,
    ),
    # --- admin views ---------------------------------------------------------------------------
    StaffRoute(
        "admin payout accounts", "get", lambda w: "/admin/payouts/payoutaccount/",
        ("payouts.view_payoutaccount",), shows(lambda w: PAYEE),
    ),
    StaffRoute(
        "admin earned revenue", "get", lambda w: "/admin/payouts/earnedrevenue/",
        ("payouts.view_earnedrevenue",), shows(lambda w: PAYEE),
    ),
    StaffRoute(
        "admin payouts", "get", lambda w: "/admin/payouts/payout/", ("payouts.view_payout",),
        shows(lambda w: w.payout.public_id),
    ),
    StaffRoute(
        "admin revenue report", "get", lambda w: "/admin/commerce/revenueledgerentry/report/",
        ("commerce.view_revenueledgerentry",), shows(lambda w: w.order_item.course_id),
    ),
    StaffRoute(
        "admin refund page", "post",
        lambda w: f"/admin/commerce/orderitem/{w.order_item.pk}/refund/",
        ("commerce.add_refund",), refunded, data=lambda w: {"amount": "10.00", "reason": "asked"},
    ),
    StaffRoute(
        "admin payout batch run", "post", lambda w: "/admin/payouts/payoutbatch/run-now/",
        ("payouts.add_payoutbatch",), batch_ran,
    ),
    # --- admin actions -------------------------------------------------------------------------
    StaffRoute(
        "admin refund in full", "post", lambda w: "/admin/commerce/orderitem/",
        ("commerce.add_refund",), refunded,
        data=admin_action("refund_in_full", lambda w: w.order_item.pk), refused_with=None,
    ),
    StaffRoute(
        "admin approve enrollment page", "post",
        lambda w: f"/admin/lms/enrollment/{w.enrollment.pk}/transition/approve/",
        ("lms.approve_enrollment",),
        lambda w, r: Enrollment.objects.get(pk=w.enrollment.pk).state == "approved",
    ),
    StaffRoute(
        "admin enroll a learner page", "get", lambda w: "/admin/lms/enrollment/add/",
        ("lms.add_enrollment",), shows(lambda w: "Enroll a learner"),
    ),
    StaffRoute(
        "admin publish course", "post", lambda w: "/admin/lms/course/", ("lms.change_course",),
        lambda w, r: Course.objects.get(pk=w.draft.pk).status == "published",
        data=admin_action("publish", lambda w: w.draft.pk), refused_with=None,
    ),
    StaffRoute(
        "admin cancel pending order", "post", lambda w: "/admin/commerce/order/",
        ("commerce.change_order",),
        lambda w, r: Order.objects.get(pk=w.pending_order.pk).state == "cancelled",
        data=admin_action("cancel_pending", lambda w: w.pending_order.pk), refused_with=None,
    ),
    StaffRoute(
        "admin verify interaction", "post", lambda w: "/admin/payouts/instructorengagement/",
        ("payouts.change_instructorengagement",),
        lambda w, r: InstructorEngagement.objects.get(pk=w.engagement.pk).manually_verified,
        data=admin_action("verify_manually", lambda w: w.engagement.pk), refused_with=None,
    ),
    StaffRoute(
        "admin approve enrollment", "post", lambda w: "/admin/lms/enrollmentapproval/",
        ("lms.approve_enrollment",),
        lambda w, r: Enrollment.objects.get(pk=w.enrollment.pk).state == "approved",
        data=admin_action("approve_selected", lambda w: w.enrollment.pk), refused_with=None,
    ),
    StaffRoute(
        "admin verify payout account", "post", lambda w: "/admin/payouts/payoutaccount/",
        ("payouts.change_payoutaccount",),
        lambda w, r: PayoutAccount.objects.get(pk=w.unverified_account.pk).verified_at is not None,
        data=admin_action("verify", lambda w: w.unverified_account.pk), refused_with=None,
    ),
    StaffRoute(
        "admin mark wire paid", "post", lambda w: "/admin/payouts/payout/",
        ("payouts.view_payout", "payouts.mark_payout_paid"),
        lambda w, r: Payout.objects.get(pk=w.payout.pk).status == "completed",
        data=admin_action("mark_wire_paid", lambda w: w.payout.pk), refused_with=None,
    ),
    StaffRoute(
        "admin retry failed payouts", "post", lambda w: "/admin/payouts/payout/",
        ("payouts.view_payout", "payouts.add_payoutbatch"), batch_ran,
        data=admin_action("retry_failed", lambda w: w.payout.pk), refused_with=None,
    ),
    StaffRoute(
        "admin replay outbox delivery", "post", lambda w: "/admin/connectors/outboxdelivery/",
        ("connectors.view_outboxdelivery", "connectors.replay_outboxdelivery"),
        lambda w, r: OutboxDelivery.objects.get(pk=w.dead_delivery.pk).status != "dead",
        data=admin_action("replay", lambda w: w.dead_delivery.pk), refused_with=None,
    ),
    StaffRoute(
        "admin replay webhook delivery", "post", lambda w: "/admin/connectors/webhookdelivery/",
        ("connectors.view_webhookdelivery", "connectors.replay_webhookdelivery"),
        lambda w, r: WebhookDelivery.objects.get(pk=w.webhook_delivery.pk).status != "dead",
        data=admin_action("replay", lambda w: w.webhook_delivery.pk), refused_with=None,
    ),
    StaffRoute(
        "admin revoke connector key", "post", lambda w: "/admin/connectors/connectorkey/",
        ("connectors.change_connectorkey",),
        lambda w, r: ConnectorKey.objects.get(pk=w.key.pk).revoked_at is not None,
        data=admin_action("revoke", lambda w: w.key.pk), refused_with=None,
    ),
    StaffRoute(
        "admin rotate webhook secret", "post", lambda w: "/admin/connectors/webhooksubscription/",
        ("connectors.change_webhooksubscription",),
        lambda w, r: WebhookSubscription.objects.get(pk=w.subscription.pk).secret
        != w.subscription.secret,
        data=admin_action("rotate_secret", lambda w: w.subscription.pk), refused_with=None,
    ),
]  # fmt: skip

_staff = itertools.count(1)


def staff_holding(*permissions: str) -> User:
    """A staff member (admin access) who holds exactly ``permissions`` ("app.codename")."""
    staff = User.objects.create_user(username=f"staff{next(_staff)}", password="pw", is_staff=True)
    wanted = {tuple(permission.split(".")) for permission in permissions}
    every = Permission.objects.values_list("pk", "content_type__app_label", "codename")
    staff.user_permissions.add(*[pk for pk, *name in every if tuple(name) in wanted])
    assert staff.user_permissions.count() == len(wanted), "a permission the project lacks"
    return staff


def ask(client, route: StaffRoute, world: World, staff: User):
    client.force_login(staff)
    call = getattr(client, route.method)
    if route.url(world).startswith("/api/") and route.method != "get":
        return call(route.url(world), route.data(world), content_type="application/json")
    return call(route.url(world), route.data(world))


def lacking_one(route: StaffRoute):
    """Each way of holding all of the route's permissions but one (none, for a single one)."""
    for missing in route.permissions:
        yield missing, tuple(p for p in route.permissions if p != missing)


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_staff_with_exactly_the_permission_may(client, world, route):
    response = ask(client, route, world, staff_holding(*route.permissions))

    assert response.status_code < 400, response.content[:300]
    assert route.done(world, response)


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_staff_without_the_permission_are_refused_and_nothing_changes(client, world, route):
    for missing, held in lacking_one(route):
        response = ask(client, route, world, staff_holding(*held))

        if route.refused_with is not None:
            assert response.status_code == route.refused_with, (missing, response.status_code)
        assert not route.done(world, response), f"done without {missing}"


def granting(permission: str) -> set[str]:
    """The permission and those that grant it too: in the admin, changing a model implies
    viewing it."""
    app_label, codename = permission.split(".")
    action, _, model = codename.partition("_")
    return {permission, f"{app_label}.change_{model}"} if action == "view" else {permission}


@pytest.mark.parametrize("route", ROUTES, ids=lambda route: route.name)
def test_staff_with_every_other_permission_are_refused_too(client, world, route):
    """Staff holding every permission of the project but the route's are still refused."""
    withheld = set().union(*(granting(permission) for permission in route.permissions))
    every = Permission.objects.select_related("content_type")
    held = {f"{p.content_type.app_label}.{p.codename}" for p in every} - withheld
    response = ask(client, route, world, staff_holding(*held))

    if route.refused_with is not None:
        assert response.status_code == route.refused_with
    assert not route.done(world, response)
