import factory
from factory.django import DjangoModelFactory

from connectors.models import WebhookSubscription


class WebhookSubscriptionFactory(DjangoModelFactory):
    class Meta:
        model = WebhookSubscription

    name = factory.Sequence(lambda n: f"receiver-{n}")
    url = "http://127.0.0.1:9/hooks"
    event_types = "cadence.connectors.ping.sent.v1"
