import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.signatures import (
    MalformedSignature,
    any_signature_matches,
    compute_signature,
    parse_signature_header,
    signature_header,
)


def test_the_signature_is_the_hmac_sha256_of_timestamp_dot_body():
    # The worked example of connectors/README.md, checked there with openssl too.
    assert (
        compute_signature(secret="cds_example", timestamp=1767225600, body=b'{"ok":true}')
        == "11857264d81de6e1319f279425c5355f97fa10ad76ba86c29ddac04e88430ffb"
    )


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_the_signature_matches_what_openssl_computes():
    body = b'{"orderId":"ord_123","amount":"199.00"}'
    printed = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", "cds_example", "-hex"],
        input=b"1767225600." + body,
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert printed.strip().split()[-1] == compute_signature(
        secret="cds_example", timestamp=1767225600, body=body
    )


def test_a_header_may_carry_several_v1_values_and_unknown_schemes():
    parsed = parse_signature_header("t=1700000000, v1=AB12,v0=zz, v1=cd34")
    assert parsed.timestamp == 1700000000
    assert parsed.signatures == ("ab12", "cd34")


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("v1=abcd", "timestamp t= is missing"),
        ("t=1700000000", "no v1= signature"),
        ("t=soon,v1=abcd", "whole number"),
        ("t=\u00b2,v1=abcd", "whole number"),  # a digit to str.isdigit, not to int()
        ("t=\u0661\u0662,v1=abcd", "whole number"),  # digits, but not the ASCII ones signed
        ("t=1700000000,garbage", "not name=value"),
    ],
)
def test_a_malformed_header_says_what_is_wrong(header, reason):
    with pytest.raises(MalformedSignature, match=reason):
        parse_signature_header(header)


@given(
    body=st.binary(max_size=200),
    timestamp=st.integers(min_value=0, max_value=2**40),
    secret=st.text(min_size=1, max_size=40),
    other=st.text(min_size=1, max_size=40),
)
def test_a_header_verifies_with_its_secret_and_only_with_it(body, timestamp, secret, other):
    parsed = parse_signature_header(
        signature_header(secrets=[secret], timestamp=timestamp, body=body)
    )
    assert any_signature_matches(parsed=parsed, secrets=[secret], body=body)
    assert any_signature_matches(parsed=parsed, secrets=[other, secret], body=body)
    if other != secret:
        assert not any_signature_matches(parsed=parsed, secrets=[other], body=body)
    assert not any_signature_matches(parsed=parsed, secrets=[secret], body=body + b" ")
