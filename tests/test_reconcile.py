"""Reconciliation of commerce's sales with the LMS's enrollments, and its repairs."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Permission
from django.core.management import call_command

from commerce.services import refund_issue
from connectors.models import OutboxDelivery
from connectors.outbox.services import outbox_delivery_attempt
from connectors.reconciliation import (
    COMPLETED_NOT_CONFIRMED,
    ENROLLED_NOT_PAID,
    PAID_NOT_ENROLLED,
    REFUNDED_STILL_ENROLLED,
    REJECTED_NOT_REFUNDED,
    REVENUE_MISMATCH,
    reconcile,
)
from connectors.tasks import reconcile_daily
from lms.models import Enrollment
from lms.services import enrollment_approve, enrollment_reject
from lms.tests.factories import EnrollmentFactory, StaffFactory
from tests.lifecycle import course_for_sale, enrollment_of, free_purchase, learner, purchase


def reconciling_staff():
    """Staff who may read the reconciliation report and re-deliver from it."""
    staff = StaffFactory()
    staff.user_permissions.add(*Permission.objects.filter(content_type__app_label="connectors",
        codename__in=["view_reconciliation", "replay_outboxdelivery"]))  # fmt: skip
    return staff


pytestmark = pytest.mark.django_db(transaction=True)


def failing(*args, **kwargs):
    raise RuntimeError("the LMS is down")


def test_a_sale_that_went_well_has_nothing_to_report(capsys):
    order_item = purchase(learner(), course_for_sale()[1])
    refund_issue(order_item_id=purchase(learner(), course_for_sale()[1]).public_id)
    assert enrollment_of(order_item).state == Enrollment.State.PENDING

    call_command("reconcile")

    out = capsys.readouterr().out
    assert "Reading commerce's ledger, the LMS's purchased enrollments" in out
    assert "Nothing wrong: 0 finding(s)" in out


def test_a_paid_item_whose_enrollment_request_died_is_found_and_delivered_again(
    monkeypatch, settings, capsys
):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    user, (_course, item) = learner(), course_for_sale()
    with monkeypatch.context() as patched:
        patched.setattr(
            "connectors.consumers.enrollment_request.lms_api.enrollment_requests", failing
        )
        order_item = purchase(user, item)
    assert OutboxDelivery.objects.get(consumer="lms:enrollment-request").status == "dead"

    call_command("reconcile", "--dry-run")
    out = capsys.readouterr().out
    assert (
        f"paid-not-enrolled: order {order_item.order.public_id}, item {order_item.public_id}" in out
    )
    assert "run with repair" in out
    assert not Enrollment.objects.exists()

    findings = reconcile()

    assert [(f.kind, f.order_item_id) for f in findings] == [
        (PAID_NOT_ENROLLED, order_item.public_id)
    ]
    assert "sent again" in findings[0].repair
    assert enrollment_of(order_item).state == Enrollment.State.PENDING
    assert reconcile() == []


def test_each_finding_of_an_item_gets_its_own_dead_deliveries(monkeypatch, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    user, (_course, item) = learner(), course_for_sale()
    with monkeypatch.context() as patched:
        patched.setattr(
            "connectors.consumers.enrollment_request.lms_api.enrollment_requests", failing
        )
        patched.setattr(
            "connectors.consumers.payouts.payouts_api.revenues_record_from_event", failing
        )
        order_item = purchase(user, item)
    dead = dict(OutboxDelivery.objects.filter(status="dead").values_list("consumer", "pk"))

    findings = {f.kind: f for f in reconcile(repair=False)}

    assert set(findings) == {PAID_NOT_ENROLLED, REVENUE_MISMATCH}
    assert findings[PAID_NOT_ENROLLED].dead_delivery_ids == (dead["lms:enrollment-request"],)
    assert findings[REVENUE_MISMATCH].dead_delivery_ids == (dead["payouts:revenue-recorded"],)
    assert findings[PAID_NOT_ENROLLED].repair == (
        "1 dead-lettered cadence.commerce.order.paid.v1 delivery; run with repair to deliver again"
    )

    reconcile()

    assert enrollment_of(order_item).state == Enrollment.State.PENDING
    assert reconcile() == []


def test_a_sale_whose_events_are_still_on_their_way_is_not_judged_yet(monkeypatch, settings):
    user, (_course, item) = learner(), course_for_sale()
    with monkeypatch.context() as patched:
        # Paid a moment ago: its events wait in the outbox for their first try.
        patched.setattr("connectors.outbox.recorder.enqueue_deliveries", lambda ids: None)
        order_item = purchase(user, item)

    assert reconcile(repair=False) == []

    # The enrollment request gives up: now something is wrong, and it is said.
    settings.OUTBOX_MAX_ATTEMPTS = 1
    delivery = OutboxDelivery.objects.get(consumer="lms:enrollment-request")
    with monkeypatch.context() as patched:
        patched.setattr(
            "connectors.consumers.enrollment_request.lms_api.enrollment_requests", failing
        )
        outbox_delivery_attempt(delivery_id=delivery.pk)
    revenue = OutboxDelivery.objects.get(consumer="payouts:revenue-recorded")
    outbox_delivery_attempt(delivery_id=revenue.pk)

    assert [(f.kind, f.order_item_id) for f in reconcile(repair=False)] == [
        (PAID_NOT_ENROLLED, order_item.public_id)
    ]


def test_an_enrollment_for_an_order_item_commerce_never_sold_is_found():
    enrollment = EnrollmentFactory(external_order_id="ord_ghost", external_order_item_id="oi_ghost")

    findings = reconcile()

    assert [(f.kind, f.enrollment_id) for f in findings] == [
        (ENROLLED_NOT_PAID, enrollment.public_id)
    ]
    assert "recorded no payment" in findings[0].problem


def test_a_refund_whose_cancellation_died_is_found_and_delivered_again(monkeypatch, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    order_item = purchase(learner(), course_for_sale()[1])
    enrollment_approve(enrollment=enrollment_of(order_item), actor=StaffFactory())
    with monkeypatch.context() as patched:
        patched.setattr(
            "connectors.consumers.refunds.lms_api.enrollment_cancel_for_refund", failing
        )
        refund_issue(order_item_id=order_item.public_id)
    assert enrollment_of(order_item).state == Enrollment.State.APPROVED

    found = reconcile(repair=False)
    assert [(f.kind, f.order_item_id) for f in found] == [
        (REFUNDED_STILL_ENROLLED, order_item.public_id)
    ]
    assert "still approved" in found[0].problem
    assert reconcile_daily() == 1

    assert enrollment_of(order_item).state == Enrollment.State.CANCELLED
    assert reconcile() == []


def test_reconciliation_reads_the_same_number_of_queries_whatever_the_number_of_sales(
    django_assert_max_num_queries,
):
    course_item = course_for_sale()[1]
    purchase(learner(), course_item)
    with django_assert_max_num_queries(3):
        reconcile()
    for _ in range(5):
        purchase(learner(), course_item)
    with django_assert_max_num_queries(3):
        reconcile()


def test_the_daily_reconciliation_is_scheduled(settings):
    from cadence.celery import app

    task = settings.CELERY_BEAT_SCHEDULE["connectors.reconcile"]["task"]
    assert task == reconcile_daily.name
    assert task in app.tasks  # the worker knows it by that name


def test_the_report_page_shows_staff_each_finding_in_fixed_queries(
    client, django_assert_max_num_queries
):
    client.force_login(reconciling_staff())
    EnrollmentFactory(external_order_id="ord_ghost", external_order_item_id="oi_ghost")
    with django_assert_max_num_queries(12):
        page = client.get("/connectors/reconciliation/")
    assert page.status_code == 200
    assert "Cadence administration" in page.content.decode()  # the admin's own header
    assert "enrolled-not-paid" in page.content.decode()
    assert "oi_ghost" in page.content.decode()

    EnrollmentFactory.create_batch(20)  # 20 more orphans: the same number of queries
    with django_assert_max_num_queries(12):
        assert client.get("/connectors/reconciliation/").content.decode().count("oi_") == 21


def test_the_report_page_is_for_staff_only(client):
    client.force_login(learner())
    assert client.get("/connectors/reconciliation/").status_code == 302


def test_a_completion_payouts_never_heard_of_is_found_and_delivered_again(monkeypatch, settings):
    from tests.test_lifecycle import graded_course, learn_and_get_graded, shares

    settings.OUTBOX_MAX_ATTEMPTS = 1
    student, staff = learner(), StaffFactory()
    _course, item, lesson, instructor = graded_course()
    order_item = purchase(student, item)
    enrollment_approve(enrollment=enrollment_of(order_item), actor=staff)
    with monkeypatch.context() as patched:
        patched.setattr(
            "connectors.consumers.payouts.payouts_api.enrollment_completion_record", failing
        )
        learn_and_get_graded(order_item, lesson, instructor, student, staff)
    assert shares(order_item)["content-creator"] == (7717, "pending")

    findings = reconcile()

    assert [(f.kind, f.enrollment_id) for f in findings] == [
        (COMPLETED_NOT_CONFIRMED, enrollment_of(order_item).public_id)
    ]
    assert shares(order_item)["content-creator"] == (7717, "confirmed")
    assert reconcile() == []


def test_revenue_payouts_never_recorded_and_a_gross_that_differs_are_found(monkeypatch, settings):
    from django.utils import timezone

    from payouts import api as payouts_api
    from payouts.data import RefundIssued

    settings.OUTBOX_MAX_ATTEMPTS = 1
    user, (_course, item) = learner(), course_for_sale()
    with monkeypatch.context() as patched:
        patched.setattr(
            "connectors.consumers.payouts.payouts_api.revenues_record_from_event", failing
        )
        lost = purchase(user, item)
    told_wrong = purchase(learner(), item)
    # Payouts hears of a refund commerce never made.
    payouts_api.refund_record(
        RefundIssued(
            refund_id="ref_phantom",
            order_id=told_wrong.order.public_id,
            order_item_id=told_wrong.public_id,
            amount=1000,
            currency="USD",
            refunded_at=timezone.now(),
        )
    )

    findings = {f.order_item_id: f for f in reconcile()}

    assert set(findings) == {lost.public_id, told_wrong.public_id}
    assert findings[lost.public_id].kind == REVENUE_MISMATCH
    assert "sent again" in findings[lost.public_id].repair
    assert "keeps 19900 USD" in findings[told_wrong.public_id].problem
    assert "shares out 18900 USD" in findings[told_wrong.public_id].problem
    assert [f.order_item_id for f in reconcile()] == [told_wrong.public_id]


def test_an_item_taken_with_a_full_discount_is_no_refund_and_its_enrollment_is_expected(
    monkeypatch, settings
):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    enrolled = free_purchase(learner(), course_for_sale()[1])
    assert enrollment_of(enrolled).state == Enrollment.State.PENDING
    with monkeypatch.context() as patched:
        patched.setattr(
            "connectors.consumers.enrollment_request.lms_api.enrollment_requests", failing
        )
        not_enrolled = free_purchase(learner(), course_for_sale()[1])

    findings = reconcile(repair=False)

    # Nothing was refunded, so the first learner rightly keeps their enrollment; the second one
    # got the course for nothing but still cannot learn it.
    assert [(f.kind, f.order_item_id) for f in findings] == [
        (PAID_NOT_ENROLLED, not_enrolled.public_id)
    ]


def test_an_enrollment_an_outside_commerce_system_requested_is_not_taken_for_a_gift(client):
    from connectors.inbound.keys import connector_key_create
    from connectors.tests.signing import signed_request
    from lms.tests.factories import CourseFactory, UserFactory

    issued = connector_key_create(name="commerce-platform")
    body = {
        "source": "commerce-platform",
        "payload": {
            "orderId": "ord_elsewhere",
            "orderItemId": "oi_elsewhere",
            "userId": UserFactory().public_id,
            "courseId": CourseFactory().public_id,
            "purchaseMetadata": {
                "amount": "199.00",
                "currency": "USD",
                "purchaseDate": "2025-01-14T10:00:00Z",
            },
        },
    }
    response = signed_request(
        client,
        "POST",
        "/api/v2/connectors/enrollment-request",
        key=issued.key,
        secrets=[issued.secret],
        document=body,
    )
    assert response.status_code == 201, response.json()
    orphan = EnrollmentFactory(external_order_id="ord_ghost", external_order_item_id="oi_ghost")

    findings = reconcile()

    # Sold by the outside system, which keeps that sale; only the orphan is a finding.
    assert [(f.kind, f.enrollment_id) for f in findings] == [(ENROLLED_NOT_PAID, orphan.public_id)]


def test_a_refund_payouts_never_heard_of_is_found_and_delivered_again(monkeypatch, settings):
    from cadence.kernel.money import Money

    settings.OUTBOX_MAX_ATTEMPTS = 1
    order_item = purchase(learner(), course_for_sale()[1])
    enrollment_approve(enrollment=enrollment_of(order_item), actor=StaffFactory())
    with monkeypatch.context() as patched:
        patched.setattr("connectors.consumers.payouts.payouts_api.refund_record", failing)
        refund_issue(order_item_id=order_item.public_id, amount=Money.parse("50.00", "USD"))
        refund_issue(order_item_id=order_item.public_id, amount=Money.parse("20.00", "USD"))
    dead = OutboxDelivery.objects.filter(consumer="payouts:refund-recorded", status="dead")
    assert dead.count() == 2

    [finding] = reconcile()

    assert (finding.kind, finding.order_item_id) == (REVENUE_MISMATCH, order_item.public_id)
    assert "shares out 19900 USD" in finding.problem
    assert "sent again" in finding.repair
    assert not dead.exists()
    assert reconcile() == []


def test_a_rejection_whose_refund_died_is_found_and_delivered_again(monkeypatch, settings):
    from commerce.models import Refund

    settings.OUTBOX_MAX_ATTEMPTS = 1
    order_item = purchase(learner(), course_for_sale()[1])
    with monkeypatch.context() as patched:
        patched.setattr(
            "connectors.consumers.enrollment_status.commerce_api.order_item_enrollment_rejected",
            failing,
        )
        enrollment_reject(
            enrollment=enrollment_of(order_item), actor=StaffFactory(), reason="Course full"
        )
    assert not Refund.objects.exists()

    [finding] = reconcile()

    assert (finding.kind, finding.order_item_id) == (REJECTED_NOT_REFUNDED, order_item.public_id)
    assert "19900 USD" in finding.problem
    assert "sent again" in finding.repair
    assert Refund.objects.get(order_item=order_item).amount_minor == 19900
    assert reconcile() == []


def test_staff_deliver_the_dead_events_again_from_the_report_page(client, monkeypatch, settings):
    from cadence.kernel.money import Money

    settings.OUTBOX_MAX_ATTEMPTS = 1
    order_item = purchase(learner(), course_for_sale()[1])
    with monkeypatch.context() as patched:
        patched.setattr("connectors.consumers.payouts.payouts_api.refund_record", failing)
        refund_issue(order_item_id=order_item.public_id, amount=Money.parse("50.00", "USD"))
        refund_issue(order_item_id=order_item.public_id, amount=Money.parse("20.00", "USD"))
    client.force_login(reconciling_staff())
    assert "Deliver the dead events again" in client.get("/connectors/reconciliation/").text

    page = client.post("/connectors/reconciliation/", follow=True)

    assert "2 dead-lettered event(s) delivered again." in page.text
    assert "Nothing wrong" in page.text
