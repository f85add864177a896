"""The API answers as its OpenAPI document says, for every operation, whoever calls.

Schemathesis reads the schema the running server serves and sends each operation generated
requests, as an anonymous visitor, as a learner and as staff (each with a bearer token from the
token endpoint). Every answer must be no server error and must match the document: a documented
status, the documented content type and the documented body. The run is bounded (a few examples
per operation) and seeded, so it is the same run every time for the same code.

Marked ``api_contract``: it needs no service beyond the test database, so it is never skipped;
``pytest -m api_contract`` runs it alone.
"""

from __future__ import annotations

import subprocess
import sys
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.api_contract import access_token, api_world

pytestmark = [pytest.mark.api_contract, pytest.mark.django_db(transaction=True)]

CHECKS = (
    "not_a_server_error",
    "response_schema_conformance",
    "status_code_conformance",
    "content_type_conformance",
)
MAX_EXAMPLES = 10
SEED = 20261130


# Operations that read no person's credentials (connector keys and signatures, the token
# endpoints' username and password): a bearer token changes nothing there, so only the
# anonymous run sends them.
PEOPLE_IGNORED = r"^/api/(v1/auth|v1/connectors|v1/webhooks|v2/connectors)/"


def schemathesis_run(base_url: str, tmp_path, *headers: str) -> subprocess.CompletedProcess:
    header_args = [arg for header in headers for arg in ("--header", header)]
    if headers:
        header_args += ["--exclude-path-regex", PEOPLE_IGNORED]
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "schemathesis.cli",
            "run",
            f"{base_url}/api/schema/",
            "--checks",
            ",".join(CHECKS),
            "--max-examples",
            str(MAX_EXAMPLES),
            "--seed",
            str(SEED),
            # Explicit examples and generated data; the boundary-value phase multiplies the
            # requests by ten and the stateful one depends on the order of earlier answers.
            "--phases",
            "examples,fuzzing",
            "--workers",
            "1",
            "--request-timeout",
            "30",
            "--no-color",
            *header_args,
        ],
        cwd=tmp_path,  # its reports and example database stay out of the work tree
        capture_output=True,
        text=True,
        timeout=900,
    )


@pytest.fixture
def no_outbound_webhooks(monkeypatch):
    """Staff's run subscribes made-up URLs to the webhooks; no request leaves for them, each
    attempt is recorded as refused instead."""
    from connectors.webhooks import services

    def refused(delivery):
        return {
            "attempted_at": timezone.now(),
            "succeeded": False,
            "status_code": None,
            "latency_ms": 0,
            "error": "not sent during the API contract run",
            "response_snippet": "",
        }

    monkeypatch.setattr(services, "_send", refused)


@pytest.fixture
def long_lived_tokens(settings):
    """Access tokens that outlast the whole run (the default lifetime is a few minutes)."""
    settings.SIMPLE_JWT = {**settings.SIMPLE_JWT, "ACCESS_TOKEN_LIFETIME": timedelta(hours=1)}


def test_every_operation_answers_as_documented_to_visitors_learners_and_staff(
    live_server, long_lived_tokens, no_outbound_webhooks, tmp_path
):
    world = api_world()
    # Both tokens first: the run tries the token endpoint with made-up credentials too.
    callers = {
        "anonymous": (),
        "learner": (f"Authorization: Bearer {access_token(live_server.url, 'api_learner')}",),
        "staff": (f"Authorization: Bearer {access_token(live_server.url, world.staff.username)}",),
    }

    failed = {}
    for caller, headers in callers.items():
        run = schemathesis_run(live_server.url, tmp_path, *headers)
        if run.returncode != 0:
            failed[caller] = run.stdout[-12000:] + run.stderr[-2000:]

    assert not failed, "\n\n".join(f"=== as {who}\n{out}" for who, out in failed.items())
