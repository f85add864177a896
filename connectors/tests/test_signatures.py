import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.signatures import (
    MalformedSignature,
    any_request_signature_matches,
    any_signature_matches,
    compute_request_signature,
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


def test_the_v2_signature_is_the_hmac_sha256_of_timestamp_method_path_and_body():
    # The worked examples of the README and connectors/README.md, checked there with openssl.
    assert (
        compute_request_signature(
            secret="cds_example",
            timestamp=1767225600,
            method="GET",
            path="/api/v1/payouts/accounts/?page=2",
            body=b"",
        )
        == "cbd04447651e2d129df7371bc42f1e8602c2b4947348172c3ec2becb136d45af"
    )
    assert (
        compute_request_signature(
            secret="cds_example",
            timestamp=1767225600,
            method="POST",
            path="/api/v1/connectors/ping/",
            body=b'{"ok":true}',
        )
        == "a7e1b3508558e12919e7f785429709d15d8a898a8a1577a2c6eea362eb27dd84"
    )


@pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")
def test_the_v2_signature_matches_what_openssl_computes():
    body = b'{"orderId":"ord_123","amount":"199.00"}'
    printed = subprocess.run(
        ["openssl", "dgst", "-sha256", "-hmac", "cds_example", "-hex"],
        input=b"1767225600\nPOST\n/api/v1/webhooks/revenue-recorded?a=1&b=%2F\n" + body,
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert printed.strip().split()[-1] == compute_request_signature(
        secret="cds_example",
        timestamp=1767225600,
        method="post",
        path="/api/v1/webhooks/revenue-recorded?a=1&b=%2F",
        body=body,
    )


def test_a_header_may_carry_several_v1_and_v2_values_and_unknown_schemes():
    parsed = parse_signature_header("t=1700000000, v1=AB12,v0=zz, v2=EF56, v1=cd34")
    assert parsed.timestamp == 1700000000
    assert parsed.v1 == ("ab12", "cd34")
    assert parsed.v2 == ("ef56",)


def test_a_v2_header_needs_the_method_and_the_path():
    with pytest.raises(ValueError, match="method and path"):
        signature_header(secrets=["s"], timestamp=1, body=b"")


@pytest.mark.parametrize(
    ("header", "reason"),
    [
        ("v1=abcd", "timestamp t= is missing"),
        ("t=1700000000", "no v1= signature and no v2= signature"),
        ("t=1700000000,v3=abcd", "no v1= signature and no v2= signature"),
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
        signature_header(secrets=[secret], timestamp=timestamp, body=body, schemes=("v1",))
    )
    assert any_signature_matches(parsed=parsed, secrets=[secret], body=body)
    assert any_signature_matches(parsed=parsed, secrets=[other, secret], body=body)
    if other != secret:
        assert not any_signature_matches(parsed=parsed, secrets=[other], body=body)
    assert not any_signature_matches(parsed=parsed, secrets=[secret], body=body + b" ")


@given(
    body=st.binary(max_size=200),
    timestamp=st.integers(min_value=0, max_value=2**40),
    secret=st.text(min_size=1, max_size=40),
    other=st.text(min_size=1, max_size=40),
    path=st.from_regex(r"/[a-z0-9/]{0,30}(\?[a-z0-9=&%]{0,20})?", fullmatch=True),
    method=st.sampled_from(["GET", "POST", "PUT", "DELETE"]),
)
def test_a_v2_header_verifies_only_the_request_it_signed(
    body, timestamp, secret, other, path, method
):
    parsed = parse_signature_header(
        signature_header(secrets=[secret], timestamp=timestamp, body=body, method=method, path=path)
    )

    def matches(*, secrets=(secret,), method=method, path=path, body=body) -> bool:
        return any_request_signature_matches(
            parsed=parsed, secrets=list(secrets), method=method, path=path, body=body
        )

    assert matches()
    assert matches(secrets=[other, secret])
    if other != secret:
        assert not matches(secrets=[other])
    assert not matches(body=body + b" ")
    assert not matches(path=path + "x")
    assert not matches(path=path + ("&" if "?" in path else "?") + "page=2")
    assert not matches(method="PATCH")
