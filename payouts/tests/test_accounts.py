import pytest

from payouts.crypto import tin_decrypt
from payouts.errors import PayoutsError
from payouts.models import PayoutAccount, TaxInfo
from payouts.selectors.accounts import payout_blockers
from payouts.services.accounts import (
    payout_account_save,
    payout_account_verify,
    routing_number_is_valid,
    tax_info_save,
)
from payouts.tests.helpers import DETAILS, payee_ready

pytestmark = pytest.mark.django_db


def test_the_tin_is_encrypted_at_rest_and_only_its_last_four_digits_are_kept_in_clear():
    payee_ready("usr_a")
    info = TaxInfo.objects.get(user_id="usr_a")

    assert "123456789" not in info.tin_encrypted
    assert tin_decrypt(info.tin_encrypted) == "123456789"
    assert info.tin_masked == "•••-••-6789"
    assert info.is_complete


def test_incomplete_tax_info_says_what_is_missing():
    tax_info_save(user_id="usr_a", form="w9", legal_name="Ada", country="US")
    assert payout_blockers(user_id="usr_a") == [
        "You have not set up a payout account.",
        "Your tax information is incomplete: address_line, city, signature_name, tin, "
        "certification.",
    ]


def test_a_w8ben_needs_a_date_of_birth():
    info = tax_info_save(
        user_id="usr_b", form="w8ben", tin="DE12345678", certify=False, legal_name="Bea",
        country="DE", address_line="Hauptstr. 1", city="Berlin", signature_name="Bea",
    )  # fmt: skip
    assert "date_of_birth" in info.missing()


@pytest.mark.parametrize(
    ("method", "details", "field"),
    [
        ("stripe-connect", {"stripeAccountId": "bogus"}, "details.stripeAccountId"),
        ("paypal", {"email": "not-an-email"}, "details.email"),
        ("ach", {**DETAILS["ach"]("u"), "routingNumber": "011000016"}, "details.routingNumber"),
        ("ach", {**DETAILS["ach"]("u"), "accountType": "brokerage"}, "details.accountType"),
        ("wire", {**DETAILS["wire"]("u"), "swift": "x"}, "details.swift"),
        ("cheque", {}, "method"),
    ],
)
def test_bad_account_details_name_the_field(method, details, field):
    with pytest.raises(PayoutsError) as refused:
        payout_account_save(user_id="usr_a", method=method, details=details)
    assert refused.value.field == field
    assert not PayoutAccount.objects.exists()


def test_changing_the_account_details_needs_a_new_verification():
    payee_ready("usr_a")
    payout_account_save(user_id="usr_a", method="paypal", details={"email": "new@example.com"})
    assert PayoutAccount.objects.get(user_id="usr_a").verified_at is None
    payout_account_verify(user_id="usr_a", verified_by="staff")
    assert payout_blockers(user_id="usr_a") == []


def test_routing_numbers_are_checked_with_the_aba_checksum():
    assert routing_number_is_valid("011000015")
    assert routing_number_is_valid("021000021")
    assert not routing_number_is_valid("021000022")
    assert not routing_number_is_valid("02100002")
