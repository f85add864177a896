"""The real processes a benchmark runs against: gunicorn web servers and Celery workers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def python(module: str, *args: str, env: dict, timeout: float | None = None) -> str:
    """Run ``python -m module args`` to its end; its stdout (stderr goes to ours on failure)."""
    done = subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode:
        sys.stderr.write(done.stderr[-4000:])
        raise RuntimeError(f"python -m {module} {' '.join(args)} failed ({done.returncode})")
    return done.stdout


def _wait_for_answers(port: int, process: subprocess.Popen, workers: int, timeout: float = 90):
    """Until every worker has loaded the app: as many answers at once as there are workers
    (gunicorn's master listens long before its workers have imported Django)."""
    deadline = time.monotonic() + timeout
    answered = 0
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server for port {port} exited ({process.returncode})")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=30) as connection:
                connection.sendall(b"GET /robots.txt HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
                if connection.recv(12).startswith(b"HTTP/"):
                    answered += 1
                    if answered >= 4 * workers:
                        time.sleep(2)  # the other workers finish loading meanwhile
                        return
                    continue
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the server on port {port} did not answer within {timeout}s")


class Running:
    """A started process group, ended (by its own id) when the block ends."""

    def __init__(self, command: list[str], env: dict, log: Path):
        log.parent.mkdir(parents=True, exist_ok=True)
        self.log = log
        self._log_file = open(log, "w")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        self._log_file.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def gunicorn(app: str, *, port: int, workers: int, env: dict, logs: Path) -> Running:
    """gunicorn with sync workers, no access log (as production runs it, minus the proxy)."""
    server = Running(
        [
            sys.executable,
            "-m",
            "gunicorn",
            app,
            "--workers",
            str(workers),
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        env,
        logs / f"gunicorn-{port}.log",
    )
    try:
        _wait_for_answers(port, server.process, workers)
    except Exception:
        server.stop()
        raise
    return server


def celery_worker(*, concurrency: int, env: dict, logs: Path, name: str) -> Running:
    """A Celery worker of Cadence with ``concurrency`` processes, once it says it is ready."""
    worker = Running(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "cadence",
            "worker",
            "--concurrency",
            str(concurrency),
            "--hostname",
            f"{name}@%h",
            "--loglevel",
            "INFO",
            "--without-heartbeat",
            "--without-gossip",
            "--without-mingle",
        ],
        env,
        logs / f"celery-{name}.log",
    )
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if worker.process.poll() is not None:
            worker.stop()
            raise RuntimeError(f"the Celery worker exited; see {worker.log}")
        if " ready." in worker.log.read_text(errors="replace"):
            return worker
        time.sleep(0.3)
    worker.stop()
    raise RuntimeError(f"the Celery worker never got ready; see {worker.log}")
