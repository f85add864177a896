from datetime import UTC, datetime

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction

from payouts.models import RevenueShareConfig


@pytest.mark.django_db
def test_the_database_refuses_shares_that_do_not_sum_to_100_percent():
    with pytest.raises(IntegrityError), transaction.atomic():
        RevenueShareConfig.objects.create(
            course_id="crs_x",
            content_creator_share_bp=4000,
            instructor_pool_share_bp=3000,
            platform_share_bp=2999,
            effective_from=datetime(2026, 1, 1, tzinfo=UTC),
        )
    assert not RevenueShareConfig.objects.filter(course_id="crs_x").exists()


@pytest.mark.django_db
def test_the_admin_form_explains_a_split_that_does_not_sum_up(client, django_user_model):
    staff = django_user_model.objects.create_superuser(username="ops", password="x")
    client.force_login(staff)
    response = client.post("/admin/payouts/revenueshareconfig/add/", {
        "course_id": "crs_x", "content_creator_share_bp": 5000, "instructor_pool_share_bp": 3000,
        "platform_share_bp": 3000, "no_instructor_recipient": "platform",
        "effective_from_0": "2026-01-01", "effective_from_1": "00:00:00",
    })  # fmt: skip
    assert response.status_code == 200
    assert "must add up to 10000 basis points (the whole net)" in response.content.decode()
    assert not RevenueShareConfig.objects.filter(course_id="crs_x").exists()


@pytest.mark.django_db
def test_the_platform_default_is_the_specs_40_30_30():
    default = RevenueShareConfig.objects.get(course_id="")
    assert (
        default.content_creator_share_bp,
        default.instructor_pool_share_bp,
        default.platform_share_bp,
    ) == (4000, 3000, 3000)


def test_the_weekly_payout_batch_and_daily_forfeits_are_scheduled():
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["payouts.payout-batch"]["task"] == "payouts.payout_batch_run"
    assert schedule["payouts.payout-batch"]["schedule"].day_of_week == {1}
    assert schedule["payouts.held-revenue-forfeit"]["task"] == "payouts.held_revenue_forfeit"
