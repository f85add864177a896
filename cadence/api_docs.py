"""How the API docs describe the project's error body, for views that list their refusals."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiResponse

ERROR_DESCRIPTIONS = {
    400: "The input is refused; `field` names the first field at fault.",
    401: "No valid credentials: sign in, or send `Authorization: Bearer <access token>`.",
    403: "The caller may not do this.",
    404: "Nothing with this id is visible to the caller.",
    409: "The request clashes with the current state.",
    422: "The Idempotency-Key was used before with another request.",
    429: "Too many attempts; wait and retry.",
}

# The project's error body: the ``Error`` component that cadence.schema.AutoSchema registers.
ErrorBody = {"$ref": "#/components/schemas/Error"}


def error_responses(*statuses: int, **described: str) -> dict[int, OpenApiResponse]:
    """``{status: the error body}`` for ``responses=``; ``described`` overrides a description by
    ``s401="..."``."""
    return {
        status: OpenApiResponse(
            response=ErrorBody,
            description=described.get(f"s{status}", ERROR_DESCRIPTIONS.get(status, "")),
        )
        for status in statuses
    }
