"""DRF plumbing that puts ``connector_request_admit`` (the key, its signature and scopes, its
rate limit) in front of a view."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import exceptions, status
from rest_framework.authentication import BaseAuthentication
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView

from cadence.api import json_depth_check
from connectors.errors import ConnectorAuthenticationError, ConnectorPermissionError
from connectors.inbound.verification import (
    KEY_FIELD,
    ConnectorClient,
    connector_key_use_record,
    connector_request_admit,
)
from connectors.models import ConnectorScope
from connectors.signatures import HEADER

AUTH_SCHEME = "Api-Key"


class ConnectorAuthenticationFailed(exceptions.AuthenticationFailed):
    """A 401 whose body has the project's error shape, naming the header or field at fault."""

    def __init__(self, error: ConnectorAuthenticationError):
        super().__init__(detail={"error": error.as_dict()})


class ConnectorPermissionDenied(exceptions.PermissionDenied):
    """A 403 for a valid key without the scope the request needs, in the project's error shape."""

    def __init__(self, error: ConnectorPermissionError):
        super().__init__(detail={"error": error.as_dict()})


class RateLimited(exceptions.APIException):
    """A 429 with ``Retry-After`` (DRF's handler sets it from ``wait``) and the error shape."""

    status_code = status.HTTP_429_TOO_MANY_REQUESTS

    def __init__(self, wait: int):
        self.wait = wait
        super().__init__(
            detail={
                "error": {
                    "code": "rate_limited",
                    "message": f"too many requests for this connector key; retry in {wait} seconds",
                }
            }
        )


class ConnectorKeyAuthentication(BaseAuthentication):
    """A connector key (``Authorization: Api-Key …`` or the body's ``apiKey``) and a signature,
    from a key that holds ``scope`` (403 otherwise), within the key's ``requests_per_minute``
    (429 with ``Retry-After`` otherwise; counted with the key's check, in one round trip to the
    shared cache: ``connector_request_admit``).

    The raw body is read here, before any parser, so the signature is checked on the exact bytes
    the caller signed; DRF then parses the same cached bytes. A body-only ``v1`` signature is
    accepted on POST to a view that says so (``body_only_signature_accepted``), nowhere else.
    """

    scope: str = ConnectorScope.CONNECTORS
    rate_limited = True  # the API docs list its 429

    def authenticate(self, request):
        body = request._request.body
        view = (getattr(request, "parser_context", None) or {}).get("view")
        try:
            admitted = connector_request_admit(
                api_key=_api_key(request, body),
                signature=request.headers.get(HEADER),
                method=request.method,
                path=path_as_sent(request._request),
                body=body,
                scope=self.scope,
                body_only_signature_accepted=request.method == "POST"
                and getattr(view, "body_only_signature_accepted", False),
            )
        except ConnectorAuthenticationError as error:
            raise ConnectorAuthenticationFailed(error) from error
        except ConnectorPermissionError as error:
            raise ConnectorPermissionDenied(error) from error
        if admitted.wait is not None:
            raise RateLimited(admitted.wait)
        return admitted.client, None

    def authenticate_header(self, request) -> str:
        return f'{AUTH_SCHEME} realm="connectors"'


class OptionalConnectorKeyAuthentication(ConnectorKeyAuthentication):
    """Connector keys on APIs that people use too: a request that carries no key is left to the
    other authentication classes, one that carries a key must be signed and valid and hold the
    subclass's ``scope``.

    The key's ``requests_per_minute`` applies here too (429 with ``Retry-After``); a request
    within it is accepted, and its ``last_used_at`` is recorded now.
    """

    scope: str | None = None  # each API says which scope reads it: a subclass per API

    def authenticate(self, request):
        if self.scope is None:
            raise ImproperlyConfigured(
                f"{type(self).__name__} names no scope; use a subclass that does"
            )
        if _api_key(request, request._request.body) is None:
            return None
        client, auth = super().authenticate(request)
        connector_key_use_record(client)
        return client, auth


class PayoutsReadingKeyAuthentication(OptionalConnectorKeyAuthentication):
    """The payouts lists (``PAYOUTS_API_AUTHENTICATION_CLASSES``): only a ``payouts:read`` key
    reads them; payouts shows every payee's rows to any system it is given."""

    scope = ConnectorScope.PAYOUTS_READ


def path_as_sent(request) -> str:
    """The request target of the request line: the path with its query, as the caller sent it.

    gunicorn passes it on as ``RAW_URI`` (uWSGI as ``REQUEST_URI``); other servers decode the
    path, and it is rebuilt from the script prefix, the path and the raw query string then.
    """
    raw = request.META.get("RAW_URI") or request.META.get("REQUEST_URI")
    if raw:
        if raw.startswith("/"):
            return raw
        # The absolute form (``http://host/path?q``) a client may send to a proxy.
        target = urlsplit(raw)
        return (target.path or "/") + (f"?{target.query}" if target.query else "")
    return request.get_full_path()


def _api_key(request, body: bytes) -> str | None:
    scheme, _, credentials = request.headers.get("Authorization", "").partition(" ")
    if scheme == AUTH_SCHEME and credentials.strip():
        return credentials.strip()
    if not body:
        return None
    # The key is read before authentication: a body too deep to parse is refused (400) here.
    json_depth_check(body)
    try:
        document = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    value = document.get(KEY_FIELD) if isinstance(document, dict) else None
    return value if isinstance(value, str) else None


class IsConnectorClient(BasePermission):
    def has_permission(self, request, view) -> bool:
        return isinstance(request.user, ConnectorClient)


class ConnectorAPIView(APIView):
    """Base of every endpoint outside systems call: key + signature + the ``connectors`` scope,
    per-key rate limit.

    Requests must be signed with ``v2`` (method, path, body). Only the spec's POST endpoints set
    ``body_only_signature_accepted``: their bodies name the order item or enrollment they act
    on and they answer a repeat from its record, so a body-only ``v1`` cannot be turned to
    anything but the request it signed.
    """

    body_only_signature_accepted = False
    authentication_classes = [ConnectorKeyAuthentication]
    permission_classes = [IsConnectorClient]
    throttle_classes = []  # the key's rate limit is counted as it is authenticated

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        # Past authentication, scope and rate limit: only an accepted request marks the key used.
        connector_key_use_record(request.user)


class ConnectorKeyScheme(OpenApiAuthenticationExtension):
    """How the API docs describe the connector authentication."""

    target_class = ConnectorKeyAuthentication
    name = "connectorKey"

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": (
                "`Authorization: Api-Key <key>` (or the key in the body's `apiKey` field), and "
                "`X-Cadence-Signature: t=<unix seconds>,v2=<hex HMAC-SHA256, keyed with the "
                'signing secret, of "<t>\\n<METHOD>\\n<path?query exactly as sent>\\n<raw '
                "body>\">`, within 300 seconds of the server's clock. The body-only `v1=<hex "
                'HMAC-SHA256 of "<t>.<raw body>">` is accepted on POST to the four connector '
                "endpoints only."
            ),
        }


class OptionalConnectorKeyScheme(ConnectorKeyScheme):
    """The same key and signature, on APIs that people also call with a session."""

    target_class = OptionalConnectorKeyAuthentication
    match_subclasses = True  # one subclass per API, each naming its scope
    name = "connectorKeyOptional"
