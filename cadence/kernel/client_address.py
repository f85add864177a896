"""The address of the client behind the reverse proxies this deployment trusts.

Behind a proxy ``REMOTE_ADDR`` is the proxy's own address, the same for every client. The proxy
appends the address it received the request from to ``X-Forwarded-For``; only the entries our own
proxies appended can be believed, since a client can send any header it likes. So the chain is
read from the right, past each hop that is one of ``TRUSTED_PROXIES`` (addresses or networks),
and the first address that is not is the client. With no trusted proxies ``REMOTE_ADDR`` is used.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@lru_cache(maxsize=8)
def _networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in trusted if entry)


def _address(text: str):
    try:
        return ipaddress.ip_address(text.strip())
    except ValueError:
        return None


def client_address(request) -> str | None:
    """The client's address as text, or None when the request carries none."""
    remote = _address(request.META.get("REMOTE_ADDR") or "")
    if remote is None:
        return None
    trusted = _networks(tuple(getattr(settings, "TRUSTED_PROXIES", ())))

    def is_trusted(address) -> bool:
        return any(address in network for network in trusted)

    client = remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop for hop in forwarded.split(",") if hop.strip()]
    while is_trusted(client) and hops:
        previous = _address(hops.pop())
        if previous is None:
            # A malformed entry: nothing left of it can be trusted; the last proxy is the client.
            break
        client = previous
    return str(client)
