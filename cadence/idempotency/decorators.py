"""``@idempotent(endpoint)`` for an APIView's handler, and how the API docs describe it."""

from __future__ import annotations

import hashlib
import json
from functools import wraps

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter
from rest_framework.response import Response

from cadence.api_docs import error_responses
from cadence.idempotency.models import KEY_MAX_LENGTH
from cadence.idempotency.services import (
    HEADER,
    key_answer_record,
    key_claim,
    key_release,
)
from cadence.kernel.errors import ApplicationError

REPLAYED_HEADER = "Idempotent-Replayed"

IDEMPOTENCY_KEY_PARAMETER = OpenApiParameter(
    HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description=(
        f"Up to {KEY_MAX_LENGTH} characters, unique per request you mean (a UUID). A repeat with "
        "the same key and body within 24 hours gets the first answer again, with "
        f"`{REPLAYED_HEADER}: true`; the same key with another body is a 422; a repeat while "
        "the first is still being processed is a 409."
    ),
)


def idempotency_responses() -> dict:
    """The refusals an idempotent endpoint adds, for ``extend_schema(responses=...)``."""
    return error_responses(
        409,
        422,
        s409="The first request with this Idempotency-Key is still being processed.",
        s422="This Idempotency-Key was used with another request.",
    )


def idempotent(endpoint: str):
    """Answer a repeat of the decorated handler's request from its first answer.

    Without the header the handler runs as ever. With it, the caller's key is claimed before the
    handler runs; its answer (any status below 500, refusals included) is kept for repeats, a
    server error releases the key so it may be retried.
    """

    def decorate(handler):
        @wraps(handler)
        def respond(view, request, *args, **kwargs):
            key = request.headers.get(HEADER)
            if key is None:
                return handler(view, request, *args, **kwargs)
            _key_check(key)
            owner = _owner(request)
            if owner is None:  # a visitor without a session: nothing to scope the key to
                return handler(view, request, *args, **kwargs)
            recorded = key_claim(
                owner=owner, key=key, endpoint=endpoint, fingerprint=_fingerprint(request, endpoint)
            )
            if recorded is not None:
                return Response(
                    recorded.body,
                    status=recorded.status_code,
                    headers={REPLAYED_HEADER: "true"},
                )
            completed = False
            try:
                try:
                    response = handler(view, request, *args, **kwargs)
                except Exception as refused:  # the answer a refusal gets is kept as well
                    response = view.handle_exception(refused)
                if response.status_code < 500:
                    key_answer_record(
                        owner=owner, key=key, status_code=response.status_code, body=response.data
                    )
                    completed = True
                return response
            finally:
                if not completed:
                    key_release(owner=owner, key=key)

        return respond

    return decorate


def _key_check(key: str) -> None:
    if not key or len(key) > KEY_MAX_LENGTH or not (key.isascii() and key.isprintable()):
        raise ApplicationError(
            f"must be 1 to {KEY_MAX_LENGTH} printable ASCII characters",
            field=HEADER,
        )


def _owner(request) -> str | None:
    """Whose keys these are: the signed-in user's, or a visitor's session's."""
    user = request.user
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    session_key = request.session.session_key
    if session_key:
        return "session:" + hashlib.sha256(session_key.encode()).hexdigest()[:40]
    return None


def _fingerprint(request, endpoint: str) -> str:
    data = request.data
    body = {name: values for name, values in data.lists()} if hasattr(data, "lists") else data
    query = sorted(request.query_params.lists())
    described = [request.method, endpoint, request.path, query, body]
    text = json.dumps(described, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()
