"""Payment processors behind one adapter interface (``base.PaymentProcessor``), several at once.

The operator lists the processors checkout offers, in the order the buyer sees them, in
``settings.PAYMENT_PROCESSORS`` (``PAYMENT_PROCESSORS=stripe,paypal,test``); without that list the
single ``settings.PAYMENT_PROCESSOR`` (``test`` unless set) is the one. A listed processor whose
credentials are not set is not offered.

- ``processor_named(name)``: the adapter of any processor we know, offered or not: a payment or
  refund made with a processor since withdrawn is still its business (refunds, late webhooks).
- ``enabled_processors()``: the adapters checkout offers, in the operator's order.
- ``offered_processor(name)``: the adapter a buyer asked for, refused unless it is offered.
- ``default_processor()``: the first one offered.

Adding a processor: write its adapter (a class with ``name``, ``label``, ``required_settings`` and
the ``PaymentProcessor`` methods) and add its dotted path to ``ADAPTERS``.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from commerce.errors import CommerceError
from commerce.processors.base import PaymentProcessor

# The "processor" of an order that costs nothing: it is paid at once, without asking anyone.
NO_PROCESSOR = "none"

# Every processor we can talk to, by name. Imported lazily: each one pulls in its own SDK.
ADAPTERS: dict[str, str] = {
    "test": "commerce.processors.test.TestProcessor",
    "stripe": "commerce.processors.stripe.StripeProcessor",
    "square": "commerce.processors.square.SquareProcessor",
    "elavon": "commerce.processors.elavon.ElavonProcessor",
    "paypal": "commerce.processors.paypal.PayPalProcessor",
}


def adapter_class(name: str) -> type:
    if name not in ADAPTERS:
        raise CommerceError(f"'{name}' is not a payment processor we use", field="processor")
    return import_string(ADAPTERS[name])


def processor_named(name: str) -> PaymentProcessor:
    return adapter_class(name)()


def is_configured(name: str) -> bool:
    """Whether every setting the processor needs (its credentials) is set."""
    return all(getattr(settings, key, "") for key in adapter_class(name).required_settings)


def listed_processor_names() -> list[str]:
    """The processors the operator listed, in their order (configured or not)."""
    names = [n.strip().lower() for n in settings.PAYMENT_PROCESSORS if n.strip()]
    names = names or [settings.PAYMENT_PROCESSOR]
    unknown = [name for name in names if name not in ADAPTERS]
    if unknown:
        raise ImproperlyConfigured(
            f"PAYMENT_PROCESSORS names {', '.join(unknown)}; known: {', '.join(ADAPTERS)}"
        )
    return list(dict.fromkeys(names))


def enabled_processors() -> list[PaymentProcessor]:
    """The processors checkout offers, in the operator's order: listed and configured."""
    return [processor_named(name) for name in listed_processor_names() if is_configured(name)]


def offered_processor(name: str) -> PaymentProcessor:
    """The processor the buyer chose, if checkout offers it."""
    offered = enabled_processors()
    for processor in offered:
        if processor.name == name:
            return processor
    choices = ", ".join(p.name for p in offered) or "none is configured"
    raise CommerceError(
        f"'{name}' is not a payment method offered here; choose one of: {choices}",
        field="processor",
    )


def default_processor() -> PaymentProcessor:
    offered = enabled_processors()
    if not offered:
        raise CommerceError(
            "no payment processor is configured: set the credentials of one listed in "
            "PAYMENT_PROCESSORS",
            field="processor",
        )
    return offered[0]
