import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
UNSET = {"DATABASE_URL", "CELERY_BROKER_URL", "DJANGO_ALLOW_ASYNC_UNSAFE", "DEBUG"}


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in UNSET}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT, env={**clean, **env}, capture_output=True, text=True, timeout=120,
    )  # fmt: skip


def test_production_mode_passes_the_deploy_check_without_warnings(tmp_path):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING",
        CADENCE_PRODUCTION="true",
        SECRET_KEY="a-production-secret-key-that-is-long-and-random-0123456789-abcdefghij",
        ALLOWED_HOSTS="cadence.example",
        DATABASE_URL="postgres://cadence@db.internal:5432/cadence",
        CELERY_BROKER_URL="redis://redis.internal:6379/0",
        PAYOUTS_TIN_ENCRYPTION_KEY="m8Wv3Yx9n0Tq7JgQe3v5nH1b8Yc4Zr2Lk6Pa0Ds9Xf4=",
        CONNECTORS_SECRET_ENCRYPTION_KEY="Qk7yW1u4Tz0cR9nJ2pV6sX3aL8dF5gH0jK4mN7bC1eE=",
        CADENCE_VAR_DIR=str(tmp_path),
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_mode_refuses_to_start_without_its_secrets(tmp_path):
    result = manage("check", CADENCE_PRODUCTION="true", ALLOWED_HOSTS="cadence.example",
                    CADENCE_VAR_DIR=str(tmp_path))  # fmt: skip
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr

    result = manage("check", CADENCE_PRODUCTION="true", ALLOWED_HOSTS="cadence.example",
                    SECRET_KEY="x" * 60, CADENCE_VAR_DIR=str(tmp_path))  # fmt: skip
    assert result.returncode != 0
    assert "PAYOUTS_TIN_ENCRYPTION_KEY" in result.stderr

    result = manage("check", CADENCE_PRODUCTION="true", ALLOWED_HOSTS="cadence.example",
                    SECRET_KEY="x" * 60, PAYOUTS_TIN_ENCRYPTION_KEY="k" * 44,
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
