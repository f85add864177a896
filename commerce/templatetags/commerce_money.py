from django import template

from cadence.kernel.money import Money

register = template.Library()


@register.filter
def money(minor: int | None, currency: str) -> str:
    """``{{ order.total_minor|money:order.currency }}`` → ``$199.00``."""
    if minor is None:
        return "—"
    return Money(int(minor), currency).format()
