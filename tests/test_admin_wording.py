"""The admin speaks of people by name and of things in plain English."""

import pytest
from django.apps import apps
from django.urls import reverse

from commerce import api as commerce_api
from commerce.tests.factories import buy, priced_item
from lms.models import Enrollment
from lms.services import enrollment_approve
from lms.tests.factories import EnrollmentFactory, StaffFactory
from payouts.models import Payee, PayoutAccount

pytestmark = pytest.mark.django_db


def test_every_model_has_a_plural_a_person_would_write():
    plurals = {m._meta.verbose_name_plural for m in apps.get_models()}
    assert "payout batches" in plurals and "journal entries" in plurals
    # Django's default plural adds an "s": "batchs", "entrys"; "keys" and "days" are right.
    wrong = [p for p in plurals if str(p).endswith(("chs", "shs", "sss", "xs"))]
    wrong += [p for p in plurals if str(p).endswith("ys") and str(p)[-3] not in "aeiou"]
    assert wrong == []


def test_the_approver_is_shown_by_name(admin_client):
    approver = StaffFactory(first_name="Ada", last_name="Staff")
    enrollment = EnrollmentFactory(state=Enrollment.State.PENDING)
    enrollment_approve(enrollment=enrollment, actor=approver)

    page = admin_client.get(reverse("admin:lms_enrollment_change", args=[enrollment.pk]))

    html = page.content.decode()
    assert "Ada Staff" in html
    assert approver.public_id not in html


def test_orders_show_the_buyer_by_name(admin_client):
    commerce_api.commerce_user_upsert(
        user_id="usr_lena", email="l@example.com", name="Lena Learner"
    )
    buy("usr_lena", priced_item())

    page = admin_client.get(reverse("admin:commerce_order_changelist")).content.decode()

    assert "Lena Learner" in page


def test_payout_accounts_show_the_payee_by_name(admin_client):
    Payee.objects.create(user_id="usr_ines", name="Ines Instructor", email="i@example.com")
    PayoutAccount.objects.create(user_id="usr_ines", method="wire")

    page = admin_client.get(reverse("admin:payouts_payoutaccount_changelist")).content.decode()

    assert "Ines Instructor" in page


def test_admin_headings_keep_ids_as_typed(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "css/admin.css" in page
    assert "Payout batches" in page
