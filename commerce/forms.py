"""Page forms: they parse and validate input; services decide."""

from __future__ import annotations

from django import forms

from cadence.kernel.money import Money, MoneyError
from commerce import places
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
    """``regional``: the countries whose tax depends on the region (``places``); only those
    are asked for one, and for them it is required."""

    billing_country = forms.ChoiceField(
        choices=places.country_choices, initial="US", label="Country"
    )
    billing_region = forms.ChoiceField(required=False, label="State / region")
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

    def __init__(self, *args, regional: set[str] = frozenset(), **kwargs):
        super().__init__(*args, **kwargs)
        self.regional = sorted(regional, key=places.country_name)
        self.fields["billing_region"].choices = [("", "Choose…")] + [
            (places.country_name(country), list(places.region_choices(country)))
            for country in self.regional
        ]
        if self.regional:
            names = ", ".join(places.country_name(country) for country in self.regional)
            self.fields["billing_region"].help_text = f"Needed in {names}: tax depends on it."
            self.fields["billing_region"].widget.attrs["aria-describedby"] = (
                "id_billing_region_help"
            )

    def clean(self):
        data = super().clean()
        country, region = data.get("billing_country"), data.get("billing_region") or ""
        if not country:
            return data
        if country not in self.regional:
            data["billing_region"] = ""  # the tax does not depend on it: not asked
            return data
        name = places.country_name(country)
        if not region:
            self.add_error("billing_region", f"Choose your state or region in {name}.")
        elif region not in dict(places.region_choices(country)):
            self.add_error("billing_region", f"Choose a state or region of {name}.")
        return data


class AuthenticationForm(forms.Form):
    outcome = forms.ChoiceField(choices=list(AUTHENTICATION_OUTCOMES.items()))


REFUND_REASONS = [
    ("Changed my mind", "I changed my mind"),
    ("Not what I expected", "The course is not what I expected"),
    ("Technical problems", "I could not use the course (technical problems)"),
    ("Bought by mistake", "I bought it by mistake"),
    ("Other", "Another reason"),
]


class RefundRequestForm(forms.Form):
    reason = forms.ChoiceField(
        choices=REFUND_REASONS, widget=forms.RadioSelect, label="Why do you want a refund?"
    )
    details = forms.CharField(
        max_length=250,
        required=False,
        label="Anything else we should know? (optional)",
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def reason_text(self) -> str:
        """The reason and the learner's words, as the refund records it (at most 300 characters)."""
        details = self.cleaned_data["details"].strip()
        reason = self.cleaned_data["reason"]
        return f"{reason}: {details}" if details else reason
