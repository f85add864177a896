"""Every page of the admin answers without a server error, and every change form saves unchanged.

The data is the demo's (a full sale, paid out), plus a row of each model the demo does not make,
so that every registered model admin has a change page to load and a form to post back.
"""

from __future__ import annotations

from datetime import timedelta
from html.parser import HTMLParser
from io import StringIO

import pytest
from django.contrib import admin
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import (
    ClockedSchedule,
    CrontabSchedule,
    IntervalSchedule,
    PeriodicTask,
    SolarSchedule,
)
from rest_framework_simplejwt.tokens import RefreshToken

from commerce.models import OrderItem, ProcessorEvent
from commerce.services.refunds import refund_issue
from connectors.inbound.keys import connector_key_create
from connectors.models import ConnectorKey, InboundRequest, OutsideRecord, WebhookDelivery
from connectors.tests.factories import WebhookSubscriptionFactory
from lms.models import Attendance, Enrollment, Lesson, Module, User
from lms.services.api_tokens import token_pair_refresh
from lms.tests.factories import LessonFactory
from payouts.crypto import payout_file_encrypt
from payouts.models import (
    AchNotificationOfChange,
    InteractionRequirement,
    NachaEntry,
    NachaFile,
    Payout,
    PayoutFile,
    RevenueShareConfig,
)


class ChangeForm(HTMLParser):
    """What a browser would send back from the admin's change form, untouched."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id = form_id
        self.inside = False
        self.data: dict[str, list[str]] = {}
        self._select: str | None = None
        self._select_chosen: list[str] = []
        self._select_first: str | None = None
        self._select_multiple = False
        self._textarea: str | None = None
        self._text: list[str] = []

    def _add(self, name: str, value: str) -> None:
        self.data.setdefault(name, []).append(value)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form" and attrs.get("id") == self.form_id:
            self.inside = True
        if not self.inside or (not attrs.get("name") and tag != "option"):
            return
        if tag == "input":
            kind = attrs.get("type", "text")
            if kind in {"submit", "button", "image", "reset", "file"}:
                return
            if kind in {"checkbox", "radio"} and "checked" not in attrs:
                return
            self._add(attrs["name"], attrs.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "select":
            self._select, self._select_chosen, self._select_first = attrs["name"], [], None
            self._select_multiple = "multiple" in attrs
        elif tag == "option" and self._select is not None:
            value = attrs.get("value", "")
            if self._select_first is None:
                self._select_first = value
            if "selected" in attrs:
                self._select_chosen.append(value)
        elif tag == "textarea":
            self._textarea, self._text = attrs["name"], []

    def handle_data(self, data):
        if self._textarea is not None:
            self._text.append(data)

    def handle_endtag(self, tag):
        if tag == "form" and self.inside:
            self.inside = False
        elif tag == "select" and self._select is not None:
            chosen = self._select_chosen
            if not chosen and not self._select_multiple and self._select_first is not None:
                chosen = [self._select_first]  # a browser sends the first option by default
            for value in chosen:
                self._add(self._select, value)
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            # The parser keeps the newline that follows <textarea>; a browser drops it.
            self._add(self._textarea, "".join(self._text).removeprefix("\n"))
            self._textarea = None


def unchanged_form_data(html: str, form_id: str) -> dict[str, list[str]]:
    form = ChangeForm(form_id)
    form.feed(html)
    return form.data


def _rows_the_demo_does_not_make() -> None:
    staff = User.objects.get(username="admin")
    item = OrderItem.objects.filter(order__state="paid").order_by("id").first()
    refund_issue(order_item_id=item.public_id, amount=None, reason="smoke test")
    ProcessorEvent.objects.create(processor="stripe", event_id="evt_smoke", event_type="charge")
    # An API refresh token issued and spent: an outstanding and a blacklisted token.
    spent = RefreshToken.for_user(staff)
    token_pair_refresh(refresh=str(spent))
    payout = Payout.objects.first()
    PayoutFile.objects.create(
        payout=payout, kind="wire", content_encrypted=payout_file_encrypt("Payout: po_smoke")
    )
    nacha = NachaFile.objects.create(
        batch=payout.batch, odfi_routing="021000021", created_on=timezone.localdate(),
        file_id_modifier="A", effective_date=timezone.localdate() + timedelta(days=1),
        content_encrypted=payout_file_encrypt("101 ..."),
    )  # fmt: skip
    entry = NachaEntry.objects.create(
        file=nacha, payout=payout, odfi_routing="021000021", trace_number="021000020000001",
        entry_class="PPD",
    )  # fmt: skip
    AchNotificationOfChange.objects.create(
        entry=entry, change_code="C01", corrected_data="987654321"
    )
    connector_key_create(name="commerce-platform")
    key = ConnectorKey.objects.get(name="commerce-platform")
    OutsideRecord.objects.create(connector_key=key, kind="order", record_id="ord_1")
    InboundRequest.objects.create(
        endpoint="enrollment-request",
        natural_key="ord_1|oi_1",
        payload_hash="0" * 64,
        payload={"orderId": "ord_1"},
        response_status=201,
        response_body={"status": "pending"},
        connector_key=key,
    )
    subscription = WebhookSubscriptionFactory()
    WebhookDelivery.objects.create(
        subscription=subscription, event_id="evt_1", event_type="cadence.test.v1", body="{}"
    )
    enrollment = Enrollment.objects.filter(state="in_progress").first()
    session = LessonFactory(
        module=Module.objects.filter(course=enrollment.course).first(),
        kind=Lesson.Kind.LIVE_SESSION,
        starts_at=timezone.now() - timedelta(hours=1),
    )
    Attendance.objects.create(lesson=session, enrollment=enrollment, minutes=45, recorded_by=staff)
    # A course's own split and requirement: the platform defaults come from a migration, and an
    # earlier transactional test may have flushed them.
    course_id = enrollment.course.public_id
    RevenueShareConfig.objects.create(
        course_id=course_id,
        effective_from=timezone.now(),
        content_creator_share_bp=5000,
        instructor_pool_share_bp=2000,
        platform_share_bp=3000,
    )
    InteractionRequirement.objects.create(course_id=course_id, discussion_replies=2)
    every_minute = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.MINUTES)
    PeriodicTask.objects.create(name="smoke", task="connectors.outbox_sweep", interval=every_minute)
    CrontabSchedule.objects.create(minute="15", hour="3")
    SolarSchedule.objects.create(event="sunrise", latitude=52.5, longitude=13.4)
    ClockedSchedule.objects.create(clocked_time=timezone.now())


def _url(model_admin, view: str, *args) -> str:
    meta = model_admin.model._meta
    return reverse(f"admin:{meta.app_label}_{meta.model_name}_{view}", args=args)


@pytest.mark.django_db(transaction=True)
def test_every_admin_page_loads_and_every_change_form_saves_unchanged(client):
    call_command("seed_demo", stdout=StringIO())
    _rows_the_demo_does_not_make()
    superuser = User.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(superuser)
    client.raise_request_exception = False  # a 500 is one failure among the list, not the end
    failures = []

    def visit(what, response, expected=(200,)):
        if response.status_code not in expected:
            failures.append(f"{what}: {response.status_code}")

    for model, model_admin in admin.site._registry.items():
        label = model._meta.label
        request = client.get("/").wsgi_request
        request.user = superuser
        visit(f"{label} list", client.get(_url(model_admin, "changelist")))
        if model_admin.has_add_permission(request):
            visit(f"{label} add", client.get(_url(model_admin, "add")))
        obj = model_admin.get_queryset(request).order_by("pk").last()
        if obj is None:
            failures.append(f"{label}: no row to open")
            continue
        change = _url(model_admin, "change", obj.pk)
        page = client.get(change)
        visit(f"{label} change page", page)
        if page.status_code != 200 or not model_admin.has_change_permission(request, obj):
            continue
        data = unchanged_form_data(page.content.decode(), f"{model._meta.model_name}_form")
        data["_save"] = ["Save"]
        # A form sent back untouched is valid: saved, and back to the list.
        visit(f"{label} change saved unchanged", client.post(change, data), expected=(302,))

    assert failures == []
