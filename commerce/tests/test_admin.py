import pytest
from django.urls import reverse

from commerce.models import Order, Refund, RevenueLedgerEntry
from commerce.tests.factories import buy, learner_id, priced_item

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff_client(client, admin_user):
    client.force_login(admin_user)
    return client


def test_staff_refund_part_of_an_item_in_the_admin(staff_client):
    order, _ = buy(learner_id(), priced_item("120.00"))
    item = order.items.get()
    url = reverse("admin:commerce_orderitem_refund", args=[item.pk])

    assert "$120.00" in staff_client.get(url).content.decode()
    response = staff_client.post(url, {"amount": "20.00", "reason": "goodwill"})

    assert response.status_code == 302
    refund = Refund.objects.get()
    assert (refund.amount_minor, refund.origin, refund.state) == (2000, "staff", "succeeded")
    assert Order.objects.get(pk=order.pk).state == "partially_refunded"


def test_too_many_decimals_in_an_admin_refund_are_refused(staff_client):
    order, _ = buy(learner_id(), priced_item("120.00"))
    url = reverse("admin:commerce_orderitem_refund", args=[order.items.get().pk])
    response = staff_client.post(url, {"amount": "1.001"})
    assert response.status_code == 200
    assert "2 decimal places" in response.content.decode()
    assert not Refund.objects.exists()


def test_the_refund_action_refunds_items_in_full(staff_client):
    order, _ = buy(learner_id(), priced_item("10.00"), priced_item("15.00"))
    staff_client.post(
        reverse("admin:commerce_orderitem_changelist"),
        {"action": "refund_in_full", "_selected_action": [i.pk for i in order.items.all()]},
    )
    assert Order.objects.get(pk=order.pk).state == "refunded"


def test_the_revenue_report_groups_the_ledger_by_course_and_creator(staff_client):
    item = priced_item("199.00", title="Money course", content_creator_id="usr_creator")
    buy(learner_id(), item)
    buy(learner_id(), item)
    url = reverse("admin:commerce_revenueledgerentry_report")

    by_course = staff_client.get(url, {"by": "course"}).content.decode()
    by_creator = staff_client.get(url, {"by": "creator"}).content.decode()

    assert "$398.00" in by_course and "$385.86" in by_course  # 2 x 192.93 net
    assert "usr_creator" in by_creator
    assert RevenueLedgerEntry.objects.count() == 2


@pytest.mark.parametrize(
    "model",
    ["order", "orderitem", "payment", "refund", "revenueledgerentry", "catalogitem", "coupon"],
)
def test_admin_lists_load(staff_client, model):
    buy(learner_id(), priced_item())
    assert staff_client.get(reverse(f"admin:commerce_{model}_changelist")).status_code == 200
