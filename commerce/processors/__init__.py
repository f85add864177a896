"""Payment processors behind one adapter interface (``base.PaymentProcessor``).

``processor_named`` returns the adapter for a name; ``default_processor`` the one configured in
``settings.PAYMENT_PROCESSOR`` (``test`` unless set).
"""

from __future__ import annotations

from django.conf import settings

from commerce.errors import CommerceError
from commerce.processors.base import PaymentProcessor

# The "processor" of an order that costs nothing: it is paid at once, without asking anyone.
NO_PROCESSOR = "none"


def processor_named(name: str) -> PaymentProcessor:
    from commerce.processors.elavon import ElavonProcessor
    from commerce.processors.square import SquareProcessor
    from commerce.processors.stripe import StripeProcessor
    from commerce.processors.test import TestProcessor

    adapters = {
        "test": TestProcessor,
        "stripe": StripeProcessor,
        "square": SquareProcessor,
        "elavon": ElavonProcessor,
    }
    if name not in adapters:
        raise CommerceError(f"'{name}' is not a payment processor we use", field="processor")
    return adapters[name]()


def default_processor() -> PaymentProcessor:
    return processor_named(settings.PAYMENT_PROCESSOR)


def enabled_processor_names() -> list[str]:
    """The processors a learner may pay with."""
    return [settings.PAYMENT_PROCESSOR]
