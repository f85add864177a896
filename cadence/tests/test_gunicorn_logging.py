from datetime import timedelta
from types import SimpleNamespace

from gunicorn.config import Config

from cadence.gunicorn_logging import RedactingLogger

TOKEN_PATH = "/accounts/password-reset/MTI/cv5n2k-6f1e0c3b9a8d7e6f5a4b3c2d1e0f9a8b/"


def access_atoms(path: str, referer: str = "-") -> dict:
    environ = {
        "REQUEST_METHOD": "GET", "RAW_URI": path, "PATH_INFO": path, "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.2", "HTTP_REFERER": referer,
    }  # fmt: skip
    response = SimpleNamespace(status="302 Found", headers=[], sent=0)
    request = SimpleNamespace(headers=[("REFERER", referer)])
    return RedactingLogger(Config()).atoms(response, request, environ, timedelta(milliseconds=3))


def test_the_access_log_never_holds_a_password_reset_token():
    atoms = access_atoms(TOKEN_PATH, referer=f"https://cadence.example{TOKEN_PATH}")

    logged = " ".join(str(value) for value in atoms.values())
    assert "cv5n2k-6f1e0c3b9a8d7e6f5a4b3c2d1e0f9a8b" not in logged
    assert atoms["r"] == "GET /accounts/password-reset/MTI/[redacted]/ HTTP/1.1"
    assert atoms["f"] == "https://cadence.example/accounts/password-reset/MTI/[redacted]/"


def test_the_access_log_keeps_every_other_path():
    assert access_atoms("/accounts/password-reset/MTI/set-password/")["U"] == (
        "/accounts/password-reset/MTI/set-password/"
    )
    assert access_atoms("/catalog/django-for-payments/")["r"] == (
        "GET /catalog/django-for-payments/ HTTP/1.1"
    )
