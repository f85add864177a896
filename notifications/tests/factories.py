import factory

from notifications.models import Notification


class NotificationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Notification

    recipient_id = factory.Sequence(lambda n: f"usr_{n:026d}")
    recipient_email = "ada@example.com"
    recipient_name = "Ada"
    kind = "order_paid"
    subject_id = factory.Sequence(lambda n: f"ord_{n}")
    title = factory.Sequence(lambda n: f"Your order ord_{n} is paid")
    body = "Thank you."
    link = "/orders/"
