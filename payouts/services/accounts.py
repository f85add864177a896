"""Payout accounts and tax info: where a payee's money goes, and what the IRS needs to know."""

from __future__ import annotations

import re
from datetime import date, datetime

from django.core.validators import EmailValidator
from django.db import transaction
from django.utils import timezone

from payouts.crypto import account_number_decrypt, account_number_encrypt, tin_encrypt
from payouts.errors import PayoutsError
from payouts.models import ACCOUNT_NUMBER_DETAIL, PayoutAccount, PayoutMethod, TaxInfo
from payouts.services.inputs import require_id

ACH_ACCOUNT_TYPES = {"checking", "savings"}


# Names and bank details are kept whole; a file format that holds fewer characters (a NACHA
# name field holds 22) shortens them in the file only.
MAX_DETAIL_LENGTH = 200


def _text(details: dict, key: str, *, pattern: str | None = None, reason: str = "") -> str:
    value = details.get(key)
    if not isinstance(value, str) or not value.strip():
        raise PayoutsError("is required for this payout method", field=f"details.{key}")
    value = value.strip()
    if len(value) > MAX_DETAIL_LENGTH:
        raise PayoutsError(
            f"must be at most {MAX_DETAIL_LENGTH} characters", field=f"details.{key}"
        )
    if pattern and not re.fullmatch(pattern, value):
        raise PayoutsError(reason or "is not valid", field=f"details.{key}")
    return value


def routing_number_is_valid(number: str) -> bool:
    """ABA routing numbers carry a 3-7-1 weighted checksum."""
    if not re.fullmatch(r"\d{9}", number):
        return False
    digits = [int(d) for d in number]
    weights = [3, 7, 1] * 3
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def payout_details_clean(method: str, details: object) -> dict:
    """The details a rail needs, checked; refuses with the field (``details.<key>``) at fault."""
    if method not in PayoutMethod.values:
        raise PayoutsError(f"must be one of {', '.join(PayoutMethod.values)}", field="method")
    if not isinstance(details, dict):
        raise PayoutsError("must be an object", field="details")
    if method == PayoutMethod.STRIPE_CONNECT:
        return {
            "stripeAccountId": _text(
                details, "stripeAccountId", pattern=r"acct_[A-Za-z0-9]{6,}",
                reason="must be a Stripe connected account id such as acct_1A2b3C",
            )
        }  # fmt: skip
    if method == PayoutMethod.PAYPAL:
        email = _text(details, "email")
        try:
            EmailValidator()(email)
        except Exception:
            raise PayoutsError("is not an email address", field="details.email") from None
        return {"email": email}
    if method == PayoutMethod.ACH:
        routing = _text(details, "routingNumber")
        if not routing_number_is_valid(routing):
            raise PayoutsError(
                "is not a valid 9-digit ABA routing number", field="details.routingNumber"
            )
        account_type = _text(details, "accountType")
        if account_type not in ACH_ACCOUNT_TYPES:
            raise PayoutsError("must be checking or savings", field="details.accountType")
        return {
            "routingNumber": routing,
            "accountNumber": _text(details, "accountNumber", pattern=r"\d{4,17}",
                                   reason="must be 4 to 17 digits"),
            "accountType": account_type,
            "accountHolderName": _text(details, "accountHolderName"),
        }  # fmt: skip
    return {
        "beneficiaryName": _text(details, "beneficiaryName"),
        "bankName": _text(details, "bankName"),
        "swift": _text(details, "swift", pattern=r"[A-Z]{6}[A-Z0-9]{2}([A-Z0-9]{3})?",
                       reason="must be an 8 or 11 character SWIFT/BIC code"),
        "iban": _text(details, "iban", pattern=r"[A-Z]{2}\d{2}[A-Z0-9]{10,30}",
                      reason="must be an IBAN such as DE89370400440532013000"),
    }  # fmt: skip


@transaction.atomic
def payout_account_save(*, user_id: str, method: str, details: dict) -> PayoutAccount:
    """Set where the payee's money goes. New details need verifying again before any payout.

    The bank account number is encrypted, and only its last four characters kept in clear.
    """
    user_id = require_id(user_id, "userId")
    cleaned = payout_details_clean(method, details)
    number = cleaned.pop(ACCOUNT_NUMBER_DETAIL.get(method, ""), "")
    account = PayoutAccount.objects.select_for_update().filter(user_id=user_id).first()
    if account is not None and (account.method, account.details, _number_of(account)) == (
        method,
        cleaned,
        number,
    ):
        return account
    account = account or PayoutAccount(user_id=user_id)
    account.method = method
    account.details = cleaned
    account.account_number_encrypted = account_number_encrypt(number) if number else ""
    account.account_number_last4 = number[-4:]
    account.verified_at = None
    account.verified_by = ""
    account.save()
    return account


def _number_of(account: PayoutAccount) -> str:
    if not account.account_number_encrypted:
        return ""
    return account_number_decrypt(account.account_number_encrypted)


@transaction.atomic
def payout_account_verify(
    *, user_id: str, verified_by: str, now: datetime | None = None
) -> PayoutAccount:
    """Staff (or the rail's onboarding) confirmed the account really belongs to the payee."""
    account = PayoutAccount.objects.select_for_update().filter(user_id=user_id).first()
    if account is None:
        raise PayoutsError("has no payout account yet", field="userId")
    if account.verified_at is None:
        account.verified_at = now or timezone.now()
        account.verified_by = require_id(verified_by, "verifiedBy")
        account.attention_reason = ""
        account.save()
    return account


TAX_FIELDS = (
    "legal_name", "business_name", "tax_classification", "country", "address_line", "city",
    "region", "postal_code", "treaty_country", "signature_name",
)  # fmt: skip


@transaction.atomic
def tax_info_save(
    *,
    user_id: str,
    form: str,
    tin: str = "",
    date_of_birth: date | None = None,
    certify: bool = False,
    now: datetime | None = None,
    **fields: str,
) -> TaxInfo:
    """Save the payee's W-9 / W-8BEN. The TIN is encrypted; only its last four digits are kept
    in clear. A blank ``tin`` keeps the one on file."""
    user_id = require_id(user_id, "userId")
    if form not in TaxInfo.Form.values:
        raise PayoutsError("must be w9 or w8ben", field="form")
    unknown = set(fields) - set(TAX_FIELDS)
    if unknown:
        raise PayoutsError("is not a tax-info field", field=sorted(unknown)[0])
    info = TaxInfo.objects.select_for_update().filter(user_id=user_id).first() or TaxInfo(
        user_id=user_id
    )
    info.form = form
    for name in TAX_FIELDS:
        if name in fields:
            setattr(info, name, (fields[name] or "").strip())
    info.country = info.country.upper()
    info.treaty_country = info.treaty_country.upper()
    if info.country and not re.fullmatch(r"[A-Z]{2}", info.country):
        raise PayoutsError("must be a two-letter ISO country code", field="country")
    if date_of_birth is not None:
        info.date_of_birth = date_of_birth
    digits = re.sub(r"[\s-]", "", tin or "")
    if digits:
        if form == TaxInfo.Form.W9 and not re.fullmatch(r"\d{9}", digits):
            raise PayoutsError("must be a 9-digit SSN or EIN", field="tin")
        if form == TaxInfo.Form.W8BEN and not re.fullmatch(r"[A-Za-z0-9]{4,20}", digits):
            raise PayoutsError("must be 4 to 20 letters or digits", field="tin")
        info.tin_encrypted = tin_encrypt(digits)
        info.tin_last4 = digits[-4:]
    if certify:
        if not info.signature_name:
            raise PayoutsError("is required to certify the form", field="signatureName")
        info.certified_at = now or timezone.now()
    info.is_complete = not info.missing()
    info.save()
    return info
