"""Page forms: they parse input; the services decide."""

from datetime import date, timedelta

from django import forms

from payouts.models import PayoutMethod, TaxInfo


class PayoutAccountForm(forms.Form):
    method = forms.ChoiceField(choices=PayoutMethod.choices)
    stripe_account_id = forms.CharField(required=False, label="Stripe account id")
    paypal_email = forms.EmailField(required=False, label="PayPal email")
    routing_number = forms.CharField(required=False, label="Routing number (ACH)")
    account_number = forms.CharField(required=False, label="Account number (ACH)")
    account_type = forms.ChoiceField(
        required=False, choices=[("checking", "Checking"), ("savings", "Savings")]
    )
    account_holder_name = forms.CharField(required=False, label="Account holder (ACH)")
    beneficiary_name = forms.CharField(required=False, label="Beneficiary (wire)")
    bank_name = forms.CharField(required=False, label="Bank (wire)")
    swift = forms.CharField(required=False, label="SWIFT/BIC (wire)")
    iban = forms.CharField(required=False, label="IBAN (wire)")

    # details key -> form field
    DETAIL_FIELDS = {
        "stripeAccountId": "stripe_account_id",
        "email": "paypal_email",
        "routingNumber": "routing_number",
        "accountNumber": "account_number",
        "accountType": "account_type",
        "accountHolderName": "account_holder_name",
        "beneficiaryName": "beneficiary_name",
        "bankName": "bank_name",
        "swift": "swift",
        "iban": "iban",
    }

    def details(self) -> dict:
        return {key: self.cleaned_data.get(name) or "" for key, name in self.DETAIL_FIELDS.items()}

    def field_for(self, error_field: str | None) -> str | None:
        if error_field and error_field.startswith("details."):
            return self.DETAIL_FIELDS.get(error_field.removeprefix("details."))
        return error_field if error_field in self.fields else None


class TaxInfoForm(forms.Form):
    form = forms.ChoiceField(choices=TaxInfo.Form.choices)
    legal_name = forms.CharField(max_length=200)
    business_name = forms.CharField(max_length=200, required=False)
    tax_classification = forms.CharField(max_length=40, required=False)
    country = forms.CharField(max_length=2, help_text="Two letters, e.g. US or DE.")
    address_line = forms.CharField(max_length=200)
    city = forms.CharField(max_length=100)
    region = forms.CharField(max_length=100, required=False)
    postal_code = forms.CharField(max_length=20, required=False)
    date_of_birth = forms.DateField(required=False, help_text="W-8BEN only (YYYY-MM-DD).")
    treaty_country = forms.CharField(max_length=2, required=False)
    tin = forms.CharField(
        required=False,
        label="Taxpayer id (SSN/EIN or foreign TIN)",
        help_text="Leave blank to keep the one on file.",
        widget=forms.PasswordInput(render_value=False),
    )
    signature_name = forms.CharField(max_length=200, label="Signature (your full name)")
    certify = forms.BooleanField(
        required=False, label="I certify under penalties of perjury that this is correct."
    )

    PLAIN = (
        "legal_name", "business_name", "tax_classification", "country", "address_line", "city",
        "region", "postal_code", "treaty_country", "signature_name",
    )  # fmt: skip


class StatementFilterForm(forms.Form):
    """The statement's filters: a period of sale dates and an entry's status."""

    PERIODS = [
        ("", "All time"),
        ("this-month", "This month"),
        ("last-month", "Last month"),
        ("this-year", "This year"),
        ("last-year", "Last year"),
        ("custom", "Between the dates below"),
    ]

    period = forms.ChoiceField(required=False, choices=PERIODS, label="Period")
    since = forms.DateField(
        required=False, label="From", widget=forms.DateInput(attrs={"type": "date"})
    )
    until = forms.DateField(
        required=False, label="To", widget=forms.DateInput(attrs={"type": "date"})
    )
    status = forms.ChoiceField(required=False, label="Status")

    def __init__(self, *args, statuses=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["status"].choices = [("", "Any status"), *statuses]

    def clean(self):
        data = super().clean()
        since, until = data.get("since"), data.get("until")
        if since and until and since > until:
            self.add_error("until", "The end of the period comes before its start.")
        return data

    def bounds(self, today):
        """``(since, until)`` dates of the chosen period, either open."""
        data = self.cleaned_data
        period = data.get("period") or ("custom" if data.get("since") or data.get("until") else "")
        first_of_month = today.replace(day=1)
        if period == "this-month":
            return first_of_month, today
        if period == "last-month":
            end = first_of_month - timedelta(days=1)
            return end.replace(day=1), end
        if period == "this-year":
            return today.replace(month=1, day=1), today
        if period == "last-year":
            return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
        if period == "custom":
            return data.get("since"), data.get("until")
        return None, None
