import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNSET = {
    "DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG",
    "EMAIL_URL", "REDIS_URL", "CACHE_URL", "TRUSTED_PROXIES",
}  # fmt: skip
PRODUCTION = {
    "CADENCE_PRODUCTION": "true",
    "SECRET_KEY": "a-production-secret-key-that-is-long-and-random-0123456789-abcdefghij",
    "ALLOWED_HOSTS": "cadence.example",
    "DATABASE_URL": "postgres://cadence@db.internal:5432/cadence",
    "CELERY_BROKER_URL": "redis://redis.internal:6379/0",
    "REDIS_URL": "redis://redis.internal:6379/1",
    "EMAIL_URL": "smtp+tls://cadence:mail-password@smtp.example:587",
    "PAYOUTS_TIN_ENCRYPTION_KEY": "m8Wv3Yx9n0Tq7JgQe3v5nH1b8Yc4Zr2Lk6Pa0Ds9Xf4=",
    "CONNECTORS_SECRET_ENCRYPTION_KEY": "Qk7yW1u4Tz0cR9nJ2pV6sX3aL8dF5gH0jK4mN7bC1eE=",
    "TRUSTED_PROXIES": "10.0.0.0/16",
}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in UNSET}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_production_mode_passes_the_deploy_check_without_warnings(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, CADENCE_VAR_DIR=str(tmp_path)
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_its_secrets(tmp_path):
    result = manage("check", CADENCE_PRODUCTION="true", ALLOWED_HOSTS="cadence.example",
                    CADENCE_VAR_DIR=str(tmp_path))  # fmt: skip
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr

    result = manage("check", **production_without("PAYOUTS_TIN_ENCRYPTION_KEY"),
                    CADENCE_VAR_DIR=str(tmp_path))  # fmt: skip
    assert result.returncode != 0
    assert "PAYOUTS_TIN_ENCRYPTION_KEY" in result.stderr

    result = manage("check", **production_without("CONNECTORS_SECRET_ENCRYPTION_KEY"),
                    CADENCE_VAR_DIR=str(tmp_path))  # fmt: skip
    assert result.returncode != 0
    assert "CONNECTORS_SECRET_ENCRYPTION_KEY" in result.stderr


def test_the_embedded_mode_needs_no_services(settings):
    from cadence.celery import app

    assert settings.AUTH_USER_MODEL == "lms.User"
    assert app.conf.task_acks_late is True
    assert app.conf.task_reject_on_worker_lost is True
    assert app.conf.worker_prefetch_multiplier == 1
    assert app.conf.task_serializer == "json"
    assert app.conf.task_time_limit > app.conf.task_soft_time_limit > 0


def production_without(*names: str, **extra: str) -> dict[str, str]:
    return {k: v for k, v in PRODUCTION.items() if k not in names} | extra


def test_production_refuses_to_start_without_a_mail_transport(tmp_path):
    # The console backend would print every password-reset link into the web log.
    for env in (
        production_without("EMAIL_URL"),
        production_without("EMAIL_URL", EMAIL_URL="consolemail://"),
        production_without("EMAIL_URL", EMAIL_URL="filemail:///tmp/mail"),
    ):
        result = manage("check", "--deploy", **env, CADENCE_VAR_DIR=str(tmp_path))
        assert result.returncode != 0, env.get("EMAIL_URL", "unset")
        assert "EMAIL_URL" in result.stderr


def test_production_sends_mail_through_the_configured_transport(tmp_path):
    result = manage(
        "shell", "-c",
        "from django.conf import settings as s; "
        "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT, s.EMAIL_USE_TLS)",
        **PRODUCTION, CADENCE_VAR_DIR=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines()[-1].split() == [
        "django.core.mail.backends.smtp.EmailBackend", "smtp.example", "587", "True"
    ]  # fmt: skip


def test_production_refuses_to_start_without_a_shared_cache(tmp_path):
    # A per-process cache lets each web worker count log-in failures and rate limits on its own.
    for env in (
        production_without("REDIS_URL"),
        production_without("REDIS_URL", CACHE_URL="locmemcache://cadence"),
        production_without("REDIS_URL", CACHE_URL="filecache:///tmp/cadence-cache"),
    ):
        result = manage("check", "--deploy", **env, CADENCE_VAR_DIR=str(tmp_path))
        assert result.returncode != 0, env.get("CACHE_URL", "unset")
        assert "CACHE_URL" in result.stderr

    shared = production_without("REDIS_URL", CACHE_URL="rediscache://redis.internal:6379/1")
    result = manage("check", "--deploy", "--fail-level", "WARNING", **shared,
                    CADENCE_VAR_DIR=str(tmp_path))  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_deploy_check_fails_on_a_mail_backend_or_cache_that_production_cannot_use(settings):
    from django.core import checks

    settings.EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

    found = {m.id for m in checks.run_checks(include_deployment_checks=True)}

    assert {"cadence.E001", "cadence.E002"} <= found


def test_the_deploy_check_warns_when_the_proxy_in_front_is_not_named(tmp_path):
    # Without TRUSTED_PROXIES every client would have the proxy's address.
    unnamed = production_without("TRUSTED_PROXIES")
    result = manage("check", "--deploy", "--fail-level", "WARNING", **unnamed,
                    CADENCE_VAR_DIR=str(tmp_path))  # fmt: skip

    assert result.returncode != 0
    assert "cadence.W003" in result.stdout + result.stderr
