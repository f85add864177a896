"""The OpenAPI document says every answer an operation gives, refusals included.

drf-spectacular describes the success answer; this schema class adds the error answers each
operation can give, every one in the project's error body (``Error``), from what the view is:
its authentication classes, permissions, throttles, path parameters and request body. A view
adds the refusals only its service knows about (a declined payment) in ``error_statuses``.
"""

from __future__ import annotations

from drf_spectacular import openapi
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import permissions
from rest_framework.authentication import SessionAuthentication

ERROR_SCHEMA = {
    "type": "object",
    "description": "Every refusal of the API: what went wrong, and the input at fault.",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {
                    "type": "string",
                    "description": "Machine-readable reason (`invalid`, `not_found`, …).",
                },
                "message": {"type": "string", "description": "The reason, for people."},
                "field": {
                    "type": "string",
                    "description": "The input at fault (`payload.orderId`), where there is one.",
                },
                "errors": {
                    "type": "array",
                    "description": "Every invalid field of a 400 `invalid`, the first one above.",
                    "items": {
                        "type": "object",
                        "properties": {
                            "field": {"type": "string"},
                            "message": {"type": "string"},
                        },
                        "required": ["field", "message"],
                    },
                },
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}

REASONS = {
    400: "The input is invalid (body, query or JSON itself); nothing was changed.",
    401: "No valid credentials (see `WWW-Authenticate`).",
    402: "The payment processor declined the payment.",
    403: (
        "Not allowed: not signed in, lacking the permission, a failed CSRF check on a "
        "session request, or a credential that was refused."
    ),
    404: "Nothing with that id that the caller may see.",
    406: "The `Accept` header asks for a type the API does not answer in (JSON).",
    409: "The request clashes with the current state (a transition not allowed, a reused key).",
    415: "The body's `Content-Type` is not one the operation reads.",
    429: "Too many requests; retry after `Retry-After` seconds.",
    502: "The payment processor could not be reached; nothing was charged. Retry later.",
}

UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


class AutoSchema(openapi.AutoSchema):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        error = ResolvedComponent(
            name="Error", type=ResolvedComponent.SCHEMA, schema=ERROR_SCHEMA, object="Error"
        )
        self.registry.register_on_missing(error)
        responses = operation.setdefault("responses", {})
        for code in sorted(self.error_statuses(operation)):
            responses.setdefault(
                str(code),
                {
                    "description": REASONS[code],
                    "content": {"application/json": {"schema": error.ref}},
                },
            )
        return operation

    def error_statuses(self, operation: dict) -> set[int]:
        """The refusals this operation can give, read from its view.

        The framework's own (400 for a body or query it cannot read, 401/403 from the
        authentication and permission classes and the session's CSRF check, 406, 415, 429 from
        throttles) always; the domain's (404 for an id in the path or the body, 400 and 409 for
        an unsafe request) unless the view says ``refusals_listed`` (its ``@extend_schema``
        names every one).
        """
        parameters = operation.get("parameters", [])
        has_body = "requestBody" in operation
        unsafe = self.method in UNSAFE_METHODS
        paging_only = all(
            p["name"] in {"limit", "offset"} for p in parameters if p.get("in") == "query"
        )
        listed = getattr(self.view, "refusals_listed", False)
        statuses = {406}
        if has_body:
            statuses |= {400, 415}
        if not paging_only:
            statuses.add(400)
        if not listed:
            if unsafe:
                # A request the domain refuses (ApplicationError: 400) or that clashes with the
                # current state (409).
                statuses |= {400, 409}
            if has_body or any(p.get("in") == "path" for p in parameters):
                statuses.add(404)

        authenticators = self.view.get_authenticators()
        anyone = all(isinstance(p, permissions.AllowAny) for p in self.view.get_permissions())
        # DRF answers an unauthenticated request 401 only when the first authentication class
        # names a WWW-Authenticate challenge (a token, a key); a session alone gets 403.
        challenge = bool(authenticators) and bool(_challenge(authenticators[0]))
        credential_checked = any(_challenge(a) for a in authenticators)
        session = any(isinstance(a, SessionAuthentication) for a in authenticators)
        if not anyone or credential_checked:
            statuses.add(401 if challenge else 403)
        if not anyone or (unsafe and session) or (credential_checked and not challenge):
            # Lacking the permission or the scope; the CSRF check of a session's unsafe request.
            statuses.add(403)
        if self.view.get_throttles() or any(_rate_limited(a) for a in authenticators):
            statuses.add(429)
        statuses |= set(getattr(self.view, "error_statuses", ()))
        return statuses


def _challenge(authenticator) -> str | None:
    """The ``WWW-Authenticate`` value of an authentication class that checks a credential."""
    try:
        return authenticator.authenticate_header(None)
    except Exception:  # a class that needs a real request to say: it names one
        return "unknown"


def _rate_limited(authenticator) -> bool:
    return bool(getattr(authenticator, "rate_limited", False))
