import pytest
from django.test import RequestFactory

from cadence.kernel.client_address import client_address


def request_from(remote: str, forwarded: str | None = None):
    extra = {"REMOTE_ADDR": remote}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().get("/", **extra)


def test_without_trusted_proxies_the_peer_is_the_client(settings):
    settings.TRUSTED_PROXIES = []

    assert client_address(request_from("10.0.0.2", "203.0.113.9")) == "10.0.0.2"


@pytest.mark.parametrize(
    ("remote", "forwarded", "client"),
    [
        # One proxy appended the client it saw.
        ("10.0.0.2", "203.0.113.9", "203.0.113.9"),
        # The client claimed an address of its own: only the proxy's entry counts.
        ("10.0.0.2", "198.51.100.1, 203.0.113.9", "203.0.113.9"),
        # Two trusted proxies (a load balancer, then the app's proxy) in a row.
        ("10.0.0.2", "203.0.113.9, 10.0.5.7", "203.0.113.9"),
        # A request that reached the app directly, not through the proxy, is its own client.
        ("203.0.113.50", "198.51.100.1", "203.0.113.50"),
        # IPv6 clients.
        ("10.0.0.2", "2001:db8::7", "2001:db8::7"),
        # A malformed entry stops the walk at the last proxy.
        ("10.0.0.2", "not-an-address", "10.0.0.2"),
        # Every hop is ours.
        ("10.0.0.2", "10.0.5.7", "10.0.5.7"),
    ],
)
def test_the_client_is_the_first_untrusted_hop_from_the_right(settings, remote, forwarded, client):
    settings.TRUSTED_PROXIES = ["10.0.0.0/16"]

    assert client_address(request_from(remote, forwarded)) == client
