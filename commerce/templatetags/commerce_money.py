from decimal import Decimal

from django import template

from cadence.kernel.money import Money

register = template.Library()


@register.filter
def money(minor: int | None, currency: str) -> str:
    """``{{ order.total_minor|money:order.currency }}`` → ``$199.00``."""
    if minor is None:
        return "—"
    return Money(int(minor), currency).format()


@register.filter
def percent(value: Decimal | None) -> str:
    """``7.2500`` → ``7.25%``: a rate with its meaningful decimals only."""
    if value is None:
        return ""
    return f"{format(Decimal(value).normalize(), 'f')}%"
