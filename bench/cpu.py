"""``python -m bench.cpu``: the CPU each P1 view costs per request, against the baseline's view,
measured in-process through each app's WSGI handler (no server, no load generator).

Throughput under wrk depends on how loaded the machine is; the CPU a worker spends per request
hardly does. Each side runs in its own process (its own settings): Cadence seeds the rows of P1
(as ``python -m bench`` does) and the baseline its one row, then each answers the same GETs with
the same session cookie, first to warm up, then ``--requests`` times under the clock. Database
time is not this process's CPU, so the queries are counted apart.

Needs what ``python -m bench`` needs for P1: PostgreSQL at DATABASE_URL (the baseline's database
at BENCH_BASELINE_DATABASE_URL, by default DATABASE_URL's name + ``_base``) and Redis at
REDIS_URL. ``--profile DIR`` also writes a cProfile of each view's requests there.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import sys
import time

from bench import processes

WARM_UP = 20


def _environ(path: str, cookie: str) -> dict:
    return {
        "REQUEST_METHOD": "GET",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
        "QUERY_STRING": "",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "REMOTE_ADDR": "127.0.0.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_COOKIE": cookie,
        "HTTP_ACCEPT": "application/json",
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }


class _Recorder:
    """A database execute wrapper keeping each statement's SQL."""

    def __init__(self, statements: list[str]):
        self.statements = statements

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)


def _measure(views: dict[str, tuple[str, str]], requests: int, profile_dir: str) -> dict:
    """For each view: CPU and wall milliseconds per request, and the queries of one request."""
    from django.core.wsgi import get_wsgi_application
    from django.db import connection

    application = get_wsgi_application()
    answered: list[str] = []

    def start_response(status, headers, exc_info=None):
        answered.append(status)

    def get(path: str, cookie: str) -> bytes:
        response = application(_environ(path, cookie), start_response)
        try:
            return b"".join(response)
        finally:
            response.close()

    results = {}
    for name, (path, cookie) in views.items():
        for _ in range(WARM_UP):
            get(path, cookie)
        statements: list[str] = []
        with connection.execute_wrapper(_Recorder(statements)):
            body = get(path, cookie)
        if not answered[-1].startswith("200"):
            raise SystemExit(f"GET {path} answered {answered[-1]}: {body[:300]!r}")
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(requests):
            get(path, cookie)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        results[name] = {
            "cpu_ms": round(1000 * cpu / requests, 3),
            "wall_ms": round(1000 * wall / requests, 3),
            "queries": len(statements),
            "sql": [sql[:160] for sql in statements],
        }
        if profile_dir:
            import cProfile

            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
            for _ in range(requests):
                get(path, cookie)
            profiler.disable()
            profiler.dump_stats(os.path.join(profile_dir, f"{name.replace(' ', '-')}.prof"))
    return results


def cadence_side(rows: int, requests: int, profile_dir: str) -> dict:
    from bench import cadence_side

    cadence_side._setup()
    context = cadence_side.seed(rows)
    views = {name: (view["path"], view["cookie"]) for name, view in context["get"].items()}
    return _measure(views, requests, profile_dir)


def baseline_side(requests: int, profile_dir: str) -> dict:
    from bench.baseline import seed

    stdout, sys.stdout = sys.stdout, io.StringIO()
    try:
        seed.main()  # prints its context
        context = json.loads(sys.stdout.getvalue())
    finally:
        sys.stdout = stdout
    views = {"baseline row": (context["row_path"], context["cookie"])}
    return _measure(views, requests, profile_dir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu")
    parser.add_argument("--rows", type=int, default=10)
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--profile", default="", help="write cProfile stats to this folder")
    parser.add_argument("--side", choices=["cadence", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.profile:
        os.makedirs(args.profile, exist_ok=True)

    if args.side == "cadence":
        print(json.dumps(cadence_side(args.rows, args.requests, args.profile)))
        return 0
    if args.side == "baseline":
        print(json.dumps(baseline_side(args.requests, args.profile)))
        return 0

    from bench.runner import _database_ensure, _sibling_database

    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith("postgres"):
        raise SystemExit("set DATABASE_URL=postgres://…")
    common = ["--requests", str(args.requests), "--profile", args.profile]
    env = {
        **os.environ,
        "DEBUG": "false",
        "CELERY_TASK_ALWAYS_EAGER": "true",  # the seed's deliveries run in its process
        "EMAIL_URL": "memorymail://",
    }
    base_env = {
        **env,
        "DJANGO_SETTINGS_MODULE": "bench.baseline.settings",
        "BENCH_BASELINE_DATABASE_URL": os.environ.get(
            "BENCH_BASELINE_DATABASE_URL", _sibling_database(database, "_base")
        ),
    }
    _database_ensure(base_env["BENCH_BASELINE_DATABASE_URL"])
    base = json.loads(
        processes.python("bench.cpu", "--side", "baseline", *common, env=base_env, timeout=900)
    )["baseline row"]
    rows = ["--rows", str(args.rows)]
    ours = json.loads(
        processes.python("bench.cpu", "--side", "cadence", *rows, *common, env=env, timeout=900)
    )
    print(f"{'view':<22} {'queries':>7} {'cpu ms':>8} {'wall ms':>8} {'cpu ratio':>10}")
    for name, row in {"baseline row": base, **ours}.items():
        ratio = base["cpu_ms"] / row["cpu_ms"]
        print(
            f"{name:<22} {row['queries']:>7} {row['cpu_ms']:>8.2f} {row['wall_ms']:>8.2f} "
            f"{ratio:>9.2f}x"
        )
    print("(cpu ratio: the baseline's CPU per request over the view's; higher is better)")
    if os.environ.get("BENCH_CPU_SQL"):
        for name, row in {"baseline row": base, **ours}.items():
            print(f"\n{name}:")
            for sql in row["sql"]:
                print(f"  {sql}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
