"""wrk as the load generator: C, event driven, far lighter than the servers it loads on 2 cores."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

LUA_DIR = Path(__file__).resolve().parent / "lua"
THREADS = 2
CONNECTIONS = 8


@dataclass
class Load:
    rps: float
    p99_ms: float
    p50_ms: float
    requests: int
    statuses: dict[int, int] = field(default_factory=dict)
    wrapped: int = 0
    errors: str = ""


def wrk_path() -> str:
    found = shutil.which("wrk") or "/usr/bin/wrk"
    if not Path(found).exists():
        raise RuntimeError("wrk is needed (apt-get install wrk)")
    return found


def wrk(url: str, script: str, *, seconds: float, env: dict[str, str], rate: float = 0) -> Load:
    """Load ``url`` for ``seconds`` with THREADS threads over CONNECTIONS connections.

    ``rate`` (requests per second, all connections together) paces each connection with a fixed
    delay, for latency at a given load; 0 is as fast as the server answers.
    """
    run_env = {**os.environ, **env, "BENCH_LUA_DIR": str(LUA_DIR), "BENCH_THREADS": str(THREADS)}
    if rate:
        run_env["BENCH_DELAY_MS"] = str(max(1, int(CONNECTIONS * 1000 / rate)))
    done = subprocess.run(
        [
            wrk_path(),
            "-t",
            str(THREADS),
            "-c",
            str(CONNECTIONS),
            "-d",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA_DIR / script),
            url,
        ],
        env=run_env,
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    )
    if done.returncode:
        raise RuntimeError(f"wrk failed: {done.stderr or done.stdout}")
    return parse(done.stdout)


def parse(output: str) -> Load:
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    statuses = {int(c): int(n) for c, n in re.findall(r"^STATUS (\d+) (\d+)$", output, re.M)}
    errors = re.search(r"Socket errors:.*", output)
    return Load(
        rps=rps,
        p50_ms=int(re.search(r"^P50_US (\d+)$", output, re.M).group(1)) / 1000,
        p99_ms=int(re.search(r"^P99_US (\d+)$", output, re.M).group(1)) / 1000,
        requests=requests,
        statuses=statuses,
        wrapped=int(re.search(r"^WRAPPED (\d+)$", output, re.M).group(1)),
        errors=errors.group(0) if errors else "",
    )
