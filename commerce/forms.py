"""Page forms: they parse and validate input; services decide."""

from __future__ import annotations

from django import forms

from cadence.kernel.money import Money, MoneyError
from commerce.processors.test import AUTHENTICATION_OUTCOMES, OUTCOMES


class PriceField(forms.CharField):
    """A price typed in major units ("199.00"), read by ``Money.parse``: the currency's decimals
    and the kernel's maximum hold, and the cleaned value is a ``Money`` (or ``None``)."""

    def __init__(self, *, currency_code: str, **kwargs):
        self.currency_code = currency_code
        super().__init__(**kwargs)

    def to_python(self, value) -> Money | None:
        text = super().to_python(value)
        if not text:
            return None
        try:
            money = Money.parse(text, self.currency_code)
        except MoneyError as error:
            raise forms.ValidationError(error.message, code="invalid") from error
        if money.minor < 0:
            raise forms.ValidationError("cannot be negative", code="min_value")
        return money


class CatalogFilterForm(forms.Form):
    # The catalog page shows and filters prices in USD, the currency carts start in.
    q = forms.CharField(required=False, label="Search")
    creator = forms.CharField(required=False, label="Creator")
    min_price = PriceField(currency_code="USD", required=False, label="Min price")
    max_price = PriceField(currency_code="USD", required=False, label="Max price")


class CheckoutForm(forms.Form):
    billing_country = forms.CharField(max_length=2, initial="US", label="Country (e.g. US)")
    billing_region = forms.CharField(
        max_length=10, required=False, label="State / region (e.g. CA)"
    )
    coupon_code = forms.CharField(max_length=40, required=False, label="Coupon code")
    # Checked against the processors offered by checkout itself, which names the field if not.
    processor = forms.CharField(max_length=40, required=False, label="Pay with")
    outcome = forms.ChoiceField(
        choices=list(OUTCOMES.items()),
        initial="succeeds",
        widget=forms.RadioSelect,
        required=False,
        label="Test payment outcome",
    )


class AuthenticationForm(forms.Form):
    outcome = forms.ChoiceField(choices=list(AUTHENTICATION_OUTCOMES.items()))


class RefundRequestForm(forms.Form):
    reason = forms.CharField(
        max_length=300, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
