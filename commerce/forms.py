"""Page forms: they parse and validate input; services decide."""

from __future__ import annotations

from django import forms

from commerce.processors.test import AUTHENTICATION_OUTCOMES, OUTCOMES


class CatalogFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    creator = forms.CharField(required=False, label="Creator")
    min_price = forms.DecimalField(required=False, min_value=0, decimal_places=2, label="Min price")
    max_price = forms.DecimalField(required=False, min_value=0, decimal_places=2, label="Max price")


class CheckoutForm(forms.Form):
    billing_country = forms.CharField(max_length=2, initial="US", label="Country (e.g. US)")
    billing_region = forms.CharField(
        max_length=10, required=False, label="State / region (e.g. CA)"
    )
    coupon_code = forms.CharField(max_length=40, required=False, label="Coupon code")
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
