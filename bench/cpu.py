"""``python -m bench.cpu [--part p1|p2]``: the CPU each P1 view (or each P2 connector endpoint,
answered now and answered later) costs per request, against the baseline's view (its bare POST),
measured in-process through each app's WSGI handler (no server, no load generator).

Throughput under wrk depends on how loaded the machine is; the CPU a worker spends per request
hardly does. Each side runs in its own process (its own settings): Cadence seeds the rows of P1
(as ``python -m bench`` does) and the baseline its one row, then each answers the same GETs with
the same session cookie, first to warm up, then ``--requests`` times under the clock. Both
processes stay up and take turns, view after view, for ``--rounds`` rounds, so that a change in
the machine's load falls on both sides alike; the ratio is each round's, the median of them is
printed. Database time is not this process's CPU, so the queries are counted apart.

P2 sends each of the four spec endpoints unique bodies, signed (v2) just before each batch,
answered now and with ``Prefer: respond-async`` (a 202); every answer's status is checked. The
Cadence side runs with a real broker (``CELERY_BROKER_URL``), not eagerly, so what a request
queues costs what it costs in production. After the rounds, the requests answered later are
worked off in-process by the worker's own code, and its CPU per request answered is printed: the
worker must keep up with what the web accepts.

Needs what ``python -m bench`` needs: PostgreSQL at DATABASE_URL (the baseline's database at
BENCH_BASELINE_DATABASE_URL, by default DATABASE_URL's name + ``_base``) and Redis at REDIS_URL
(and, for P2, CELERY_BROKER_URL). ``--profile DIR`` also writes a cProfile of each view's
requests there.
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


def _environ(path: str, cookie: str = "", body: bytes = b"", headers: dict | None = None) -> dict:
    environ = {
        "REQUEST_METHOD": "POST" if body else "GET",
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
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
    }
    if body:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(body))
    for name, value in (headers or {}).items():
        environ["HTTP_" + name.upper().replace("-", "_")] = value
    return environ


class _Recorder:
    """A database execute wrapper keeping each statement's SQL."""

    def __init__(self, statements: list[str]):
        self.statements = statements

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(sql)
        return execute(sql, params, many, context)


class _Get:
    """A P1 view: the same GET with a session cookie, answered 200."""

    expected = 200

    def __init__(self, path: str, cookie: str):
        self.path, self.cookie = path, cookie

    def environs(self, count: int) -> list[dict]:
        return [_environ(self.path, self.cookie) for _ in range(count)]


class _BarePost:
    """The baseline's POST storing its body, answered 201 (the body the wrk run sends)."""

    expected = 201

    def __init__(self, path: str):
        self.path = path
        self.body = json.dumps({"orderId": "ord_1", "amount": "199.00"}).encode()

    def environs(self, count: int) -> list[dict]:
        return [_environ(self.path, body=self.body) for _ in range(count)]


class _SignedPost:
    """A P2 connector endpoint: a unique body per request, signed now, answered now or later."""

    def __init__(self, endpoint: str, mode: str, context: dict):
        from bench.runner import ANSWERED_LATER, CONNECTOR_EXPECTED, CONNECTOR_MODES

        self.endpoint, self.context = endpoint, context
        self.prefer = CONNECTOR_MODES[mode]
        self.expected = ANSWERED_LATER if self.prefer else CONNECTOR_EXPECTED[endpoint]

    def environs(self, count: int) -> list[dict]:
        import uuid

        from django.urls import reverse

        from bench.cadence_side import CONNECTOR_ENDPOINTS, _learners, connector_body
        from connectors.signatures import REQUEST_BOUND, signature_header

        path = reverse(CONNECTOR_ENDPOINTS[self.endpoint])
        users = _learners(count) if self.endpoint == "enrollment-request" else [""] * count
        run, now = uuid.uuid4().hex[:10], int(time.time())
        made = []
        for i, user_id in enumerate(users):
            body = json.dumps(connector_body(self.endpoint, f"{run}{i}", self.context, user_id))
            body = body.encode()
            headers = {
                "Authorization": f"Api-Key {self.context['key']}",
                "X-Cadence-Signature": signature_header(
                    secrets=[self.context["secret"]],
                    timestamp=now,
                    body=body,
                    method="POST",
                    path=path,
                    schemes=(REQUEST_BOUND,),
                ),
            }
            if self.prefer:
                headers["Prefer"] = self.prefer
            made.append(_environ(path, body=body, headers=headers))
        return made


class _Side:
    """One app's WSGI handler answering its views' requests in this process."""

    def __init__(self, views: dict):
        from django.core.wsgi import get_wsgi_application

        self.views = views
        self.application = get_wsgi_application()
        self.status = ""

    def _start_response(self, status, headers, exc_info=None):
        self.status = status

    def send(self, environ: dict) -> bytes:
        response = self.application(environ, self._start_response)
        try:
            return b"".join(response)
        finally:
            response.close()

    def queries(self, name: str) -> list[str]:
        """The statements of one request, after a warm-up; refuses an unexpected answer."""
        from django.db import connection

        view = self.views[name]
        for environ in view.environs(WARM_UP):
            self.send(environ)
        statements: list[str] = []
        (environ,) = view.environs(1)
        with connection.execute_wrapper(_Recorder(statements)):
            body = self.send(environ)
        if not self.status.startswith(str(view.expected)):
            raise SystemExit(f"{name} answered {self.status}: {body[:300]!r}")
        return statements

    def cpu_ms(self, name: str, requests: int, profile_dir: str = "") -> dict:
        view = self.views[name]
        environs = view.environs(requests)  # made (and signed) before the clock starts
        unexpected = 0
        profiler = None
        if profile_dir:
            import cProfile

            profiler = cProfile.Profile(time.process_time)
            profiler.enable()
        cpu, wall = time.process_time(), time.perf_counter()
        for environ in environs:
            self.send(environ)
            unexpected += not self.status.startswith(str(view.expected))
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        if profiler is not None:
            profiler.disable()
            profiler.dump_stats(os.path.join(profile_dir, f"{name.replace(' ', '-')}.prof"))
        return {
            "cpu_ms": 1000 * cpu / requests,
            "wall_ms": 1000 * wall / requests,
            "unexpected": unexpected,
        }


def _cadence_views(part: str, rows: int) -> dict:
    from bench import cadence_side

    cadence_side._setup()
    context = cadence_side.seed(rows)
    if part == "p1":
        return {name: _Get(view["path"], view["cookie"]) for name, view in context["get"].items()}
    from bench.runner import CONNECTOR_EXPECTED, CONNECTOR_MODES
    from cadence.celery import app

    # Seeded eagerly; from here on tasks go to the broker, as a web process's do.
    app.conf.task_always_eager = False
    return {
        f"{endpoint} {mode}": _SignedPost(endpoint, mode, context)
        for endpoint in CONNECTOR_EXPECTED
        for mode in CONNECTOR_MODES
    }


def _baseline_views(part: str) -> dict:
    from bench.baseline import seed

    stdout, sys.stdout = sys.stdout, io.StringIO()
    try:
        seed.main()  # prints its context
        context = json.loads(sys.stdout.getvalue())
    finally:
        sys.stdout = stdout
    if part == "p1":
        return {BASELINE["p1"]: _Get(context["row_path"], context["cookie"])}
    return {BASELINE["p2"]: _BarePost(context["post_path"])}


BASELINE = {"p1": "baseline row", "p2": "baseline post"}


def drain() -> dict:
    """Work off the requests answered later, as the worker does; its CPU per request answered."""
    from connectors.inbound.idempotency import inbound_requests_waiting_count
    from connectors.tasks import inbound_requests_drain_all

    waiting = inbound_requests_waiting_count()
    cpu, wall = time.process_time(), time.perf_counter()
    answered = inbound_requests_drain_all()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return {
        "pending": waiting,
        "answered": answered,
        "cpu_ms": 1000 * cpu / max(answered, 1),
        "wall_ms": 1000 * wall / max(answered, 1),
    }


def serve(side: str, part: str, rows: int) -> None:
    """Seed, say the views and their queries, then measure each view asked for on stdin
    (``<requests> <profile dir or -> <view name>``, or ``drain``), one JSON line per answer."""
    views = _cadence_views(part, rows) if side == "cadence" else _baseline_views(part)
    measured = _Side(views)
    queries = {name: measured.queries(name) for name in views}
    print(json.dumps(queries), flush=True)
    for line in sys.stdin:
        if line.strip() == "drain":
            print(json.dumps(drain()), flush=True)
            continue
        requests, profile_dir, name = line.rstrip("\n").split(" ", 2)
        profile_dir = "" if profile_dir == "-" else profile_dir
        print(json.dumps(measured.cpu_ms(name, int(requests), profile_dir)), flush=True)


class _Process:
    def __init__(self, side: str, part: str, rows: int, env: dict):
        command = [sys.executable, "-m", "bench.cpu", "--serve", side, "--part", part]
        command += ["--rows", str(rows)]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
        )
        self.queries = json.loads(self._line())

    def _line(self) -> str:
        line = self.process.stdout.readline()
        if not line:
            raise SystemExit(f"bench.cpu: the {self.process.args[4]} side ended early")
        return line

    def ask(self, line: str) -> dict:
        self.process.stdin.write(f"{line}\n")
        self.process.stdin.flush()
        return json.loads(self._line())

    def measure(self, name: str, requests: int, profile_dir: str) -> dict:
        return self.ask(f"{requests} {profile_dir or '-'} {name}")

    def stop(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=60)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.cpu")
    parser.add_argument("--part", choices=["p1", "p2"], default="p1")
    parser.add_argument("--rows", type=int, default=10)
    parser.add_argument("--requests", type=int, default=200, help="per view and round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--only", default="", help="P2: only the views whose name has this")
    parser.add_argument("--profile", default="", help="write cProfile stats to this folder")
    parser.add_argument("--serve", choices=["cadence", "baseline"], help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve:
        serve(args.serve, args.part, args.rows)
        return 0

    from bench.runner import _database_ensure, _sibling_database

    database = os.environ.get("DATABASE_URL", "")
    if not database.startswith("postgres"):
        raise SystemExit("set DATABASE_URL=postgres://…")
    if args.part == "p2" and not os.environ.get("CELERY_BROKER_URL", "").startswith("redis"):
        raise SystemExit("P2 queues on the broker: set CELERY_BROKER_URL=redis://…")
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
    baseline = BASELINE[args.part]
    base = _Process("baseline", args.part, args.rows, base_env)
    ours = _Process("cadence", args.part, args.rows, env)
    drained = None
    try:
        names = [name for name in ours.queries if args.only in name]
        cpu: dict[str, list[float]] = {name: [] for name in [baseline, *names]}
        ratios: dict[str, list[float]] = {name: [] for name in names}
        unexpected = dict.fromkeys(names, 0)
        for _round in range(args.rounds):
            for name in names:  # the baseline measured again beside each view
                base_ms = base.measure(baseline, args.requests, "")["cpu_ms"]
                found = ours.measure(name, args.requests, "")
                cpu[baseline].append(base_ms)
                cpu[name].append(found["cpu_ms"])
                ratios[name].append(base_ms / found["cpu_ms"])
                unexpected[name] += found["unexpected"]
        if args.profile:
            os.makedirs(args.profile, exist_ok=True)
            base.measure(baseline, args.requests, args.profile)
            for name in names:
                ours.measure(name, args.requests, args.profile)
        if args.part == "p2":
            drained = ours.ask("drain")
        queries = {baseline: base.queries[baseline]}
        queries.update((name, ours.queries[name]) for name in names)
    finally:
        base.stop()
        ours.stop()

    print(f"{'view':<30} {'queries':>7} {'cpu ms':>8} {'cpu ratio':>10}")
    for name, statements in queries.items():
        ratio = statistics.median(ratios[name]) if name in ratios else 1.0
        wrong = f"  {unexpected[name]} unexpected answers" if unexpected.get(name) else ""
        print(
            f"{name:<30} {len(statements):>7} {statistics.median(cpu[name]):>8.2f}"
            f" {ratio:>9.2f}x{wrong}"
        )
    print(
        f"(medians of {args.rounds} rounds of {args.requests} requests; cpu ratio: the "
        "baseline's CPU per request over the view's, higher is better)"
    )
    if drained is not None:
        print(
            f"answered later, then worked off in-process: {drained['answered']} of "
            f"{drained['pending']} pending, {drained['cpu_ms']:.2f} ms CPU "
            f"({drained['wall_ms']:.2f} ms wall) per request answered"
        )
    if os.environ.get("BENCH_CPU_SQL"):
        for name, statements in queries.items():
            print(f"\n{name}:")
            for sql in statements:
                print(f"  {sql[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
