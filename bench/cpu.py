"""``python -m bench.cpu``: the CPU each P1 view costs per request, against the baseline's view,
measured in-process through each app's WSGI handler (no server, no load generator).

Throughput under wrk depends on how loaded the machine is; the CPU a worker spends per request
hardly does. Each side runs in its own process (its own settings): Cadence seeds the rows of P1
(as ``python -m bench`` does) and the baseline its one row, then each answers the same GETs with
the same session cookie, first to warm up, then ``--requests`` times under the clock. Both
processes stay up and take turns, view after view, for ``--rounds`` rounds, so that a change in
the machine's load falls on both sides alike; the ratio is each round's, the median of them is
printed. Database time is not this process's CPU, so the queries are counted apart.

Needs what ``python -m bench`` needs for P1: PostgreSQL at DATABASE_URL (the baseline's database
at BENCH_BASELINE_DATABASE_URL, by default DATABASE_URL's name + ``_base``) and Redis at
REDIS_URL. ``--profile DIR`` also writes a cProfile of each view's requests there.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time

from bench.processes import ROOT

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


class _Side:
    """One app's WSGI handler answering GETs in this process."""

    def __init__(self, views: dict[str, tuple[str, str]]):
        from django.core.wsgi import get_wsgi_application

        self.views = views
        self.application = get_wsgi_application()
        self.status = ""

    def _start_response(self, status, headers, exc_info=None):
        self.status = status

    def get(self, name: str) -> bytes:
        path, cookie = self.views[name]
        response = self.application(_environ(path, cookie), self._start_response)
        try:
            return b"".join(response)
        finally:
            response.close()

    def queries(self, name: str) -> list[str]:
        """The statements of one request, after a warm-up; refuses an answer other than 200."""
        from django.db import connection

        for _ in range(WARM_UP):
            self.get(name)
        statements: list[str] = []
        with connection.execute_wrapper(_Recorder(statements)):
            body = self.get(name)
        if not self.status.startswith("200"):
            raise SystemExit(f"GET {self.views[name][0]} answered {self.status}: {body[:300]!r}")
        return statements

    def cpu_ms(self, name: str, requests: int, profile_dir: str = "") -> dict:
        profiler = None
        if profile_dir:
            import cProfile

            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
        cpu, wall = time.process_time(), time.perf_counter()
        for _ in range(requests):
            self.get(name)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(os.path.join(profile_dir, f"{name.replace(' ', '-')}.prof"))
        return {"cpu_ms": 1000 * cpu / requests, "wall_ms": 1000 * wall / requests}


def _cadence_views(rows: int) -> dict[str, tuple[str, str]]:
    from bench import cadence_side

    cadence_side._setup()
    context = cadence_side.seed(rows)
    return {name: (view["path"], view["cookie"]) for name, view in context["get"].items()}


def _baseline_views() -> dict[str, tuple[str, str]]:
    from bench.baseline import seed

    stdout, sys.stdout = sys.stdout, io.StringIO()
    try:
        seed.main()  # prints its context
        context = json.loads(sys.stdout.getvalue())
    finally:
        sys.stdout = stdout
    return {"baseline row": (context["row_path"], context["cookie"])}


def serve(side: str, rows: int) -> None:
    """Seed, say the views and their queries, then measure each view asked for on stdin
    (``<requests> <profile dir or -> <view name>``), one JSON line per answer."""
    views = _cadence_views(rows) if side == "cadence" else _baseline_views()
    measured = _Side(views)
    queries = {name: measured.queries(name) for name in views}
    print(json.dumps(queries), flush=True)
    for line in sys.stdin:
        requests, profile_dir, name = line.rstrip("\n").split(" ", 2)
        profile_dir = "" if profile_dir == "-" else profile_dir
        print(json.dumps(measured.cpu_ms(name, int(requests), profile_dir)), flush=True)


class _Process:
    def __init__(self, side: str, rows: int, env: dict):
        command = [sys.executable, "-m", "bench.cpu", "--serve", side, "--rows", str(rows)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.queries = json.loads(self._line())

    def _line(self) -> str:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"bench.cpu: the {self.process.args[4]} side ended early")
        return line

    def measure(self, name: str, requests: int, profile_dir: str) -> dict:
        self.process.stdin.write(f"{requests} {profile_dir or '-'} {name}\n")
        self.process.stdin.flush()
        return json.loads(self._line())

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu")
    parser.add_argument("--rows", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200, help="per view and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", default="", help="write cProfile stats to this folder")
    parser.add_argument("--serve", choices=["cadence", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.rows)
        return 0

    from bench.runner import _database_ensure, _sibling_database

    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith("postgres"):
        raise SystemExit("set DATABASE_URL=postgres://…")
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
    base, ours = _Process("baseline", args.rows, base_env), _Process("cadence", args.rows, env)
    try:
        names = list(ours.queries)
        cpu: dict[str, list[float]] = {name: [] for name in ["baseline row", *names]}
        ratios: dict[str, list[float]] = {name: [] for name in names}
        for _round in range(args.rounds):
            for name in names:  # the baseline measured again beside each view
                base_ms = base.measure("baseline row", args.requests, "")["cpu_ms"]
                ours_ms = ours.measure(name, args.requests, "")["cpu_ms"]
                cpu["baseline row"].append(base_ms)
                cpu[name].append(ours_ms)
                ratios[name].append(base_ms / ours_ms)
        if args.profile:
            os.makedirs(args.profile, exist_ok=True)
            base.measure("baseline row", args.requests, args.profile)
            for name in names:
                ours.measure(name, args.requests, args.profile)
        queries = {"baseline row": base.queries["baseline row"], **ours.queries}
    finally:
        base.stop()
        ours.stop()

    print(f"{'view':<22} {'queries':>7} {'cpu ms':>8} {'cpu ratio':>10}")
    for name, statements in queries.items():
        ratio = statistics.median(ratios[name]) if name in ratios else 1.0
        print(
            f"{name:<22} {len(statements):>7} {statistics.median(cpu[name]):>8.2f} {ratio:>9.2f}x"
        )
    print(
        f"(medians of {args.rounds} rounds of {args.requests} requests; cpu ratio: the "
        "baseline's CPU per request over the view's, higher is better)"
    )
    if os.environ.get("BENCH_CPU_SQL"):
        for name, statements in queries.items():
            print(f"\n{name}:")
            for sql in statements:
                print(f"  {sql[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
