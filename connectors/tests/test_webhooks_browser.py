import pytest
from django.db import transaction
from playwright.sync_api import expect

from connectors.models import WebhookAttempt, WebhookDelivery
from connectors.tests.factories import WebhookSubscriptionFactory
from connectors.tests.ping import PingSent, ping_sent
from connectors.webhooks.services import webhook_delivery_attempt

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_see_a_dead_webhook_and_send_it_again_from_the_admin(
    page, receiver, settings, django_user_model
):
    settings.WEBHOOK_MAX_ATTEMPTS = 2
    settings.WEBHOOK_BACKOFF_BASE_SECONDS = 0
    django_user_model.objects.create_superuser("root", "root@example.com", "admin-pass")
    receiver.answer(503, 503, then=200)
    subscription = WebhookSubscriptionFactory(name="partner-crm", url=receiver.url)
    with transaction.atomic():
        ping_sent.publish(PingSent(name="to-partner"))
    delivery = WebhookDelivery.objects.get(subscription=subscription)
    webhook_delivery_attempt(delivery_id=delivery.pk)
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == WebhookDelivery.Status.DEAD

    page.goto("/admin/login/?next=/admin/connectors/webhookdelivery/")
    page.get_by_label("Username").fill("root")
    page.get_by_label("Password").fill("admin-pass")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("link", name="Dead: gave up after the last retry").click()
    page.locator("#result_list").get_by_role("link", name="cadence.connectors.ping.sent.v1").click()
    # The attempts are on the delivery's page: what the receiver answered, each time.
    expect(page.locator("#attempts_made-group").get_by_text("HTTP 503")).to_have_count(2)

    page.go_back()
    page.get_by_role("checkbox", name="Select this object for an action").first.check()
    page.get_by_role("combobox", name="Action").select_option(
        label="Send selected deliveries again now"
    )
    page.get_by_role("button", name="Go").click()

    expect(page.get_by_text("1 webhook deliveries sent again.")).to_be_visible()
    assert WebhookDelivery.objects.get(pk=delivery.pk).status == WebhookDelivery.Status.DELIVERED
    assert list(
        WebhookAttempt.objects.filter(delivery=delivery).values_list("status_code", flat=True)
    ) == [503, 503, 200]
    assert len(receiver.received) == 3
