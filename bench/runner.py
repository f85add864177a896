"""``python -m bench``: every figure against its baseline in the same run, interleaved over rounds,
printed as one table and written as JSON (var/bench/results.json).

Needs PostgreSQL (DATABASE_URL; the baseline app gets its own database, BENCH_BASELINE_DATABASE_URL,
by default DATABASE_URL's name + ``_base``), Redis (CELERY_BROKER_URL for the workers, REDIS_URL
for the shared cache) and wrk. Starts gunicorn and Celery on BENCH_PORT and the next port.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench import load, processes
from bench.processes import ROOT


@dataclass(frozen=True)
class Size:
    rows: int  # rows behind each P1 view (order items, catalog items, earned revenue)
    seconds: float  # one wrk run
    rounds: int
    orders: int  # P3 orders per round
    payout_sizes: tuple[tuple[int, int], ...]  # P4 (rows, accounts), smallest first
    scale: bool = True  # also 1 web + 1 worker process against 2 + 2


SIZES = {
    "tiny": Size(
        rows=2, seconds=1, rounds=1, orders=2, payout_sizes=((2000, 40), (4000, 80)), scale=False
    ),
    "default": Size(
        rows=10, seconds=5, rounds=3, orders=40, payout_sizes=((100_000, 2000), (1_000_000, 20_000))
    ),
    "full": Size(
        rows=20,
        seconds=10,
        rounds=3,
        orders=100,
        payout_sizes=((1_000_000, 20_000), (10_000_000, 200_000)),
    ),
}

# Targets (ratios measured in one run).
P1_RATIO, P1_P99_MS = 0.6, 50.0
P2_RATIO, P2_QUERIES = 0.5, 12
P3_RATIO, P3_QUERIES = 0.5, 30
P4_RATIO, P4_RSS_MB, P4_GROWTH_SLACK = 1.0, 300, 1.1

CONNECTOR_EXPECTED = {  # what each endpoint answers a new, valid, signed body today
    "enrollment-request": 201,
    "enrollment-status": 404,  # an order item nobody sold: refused, as today
    "course-completion": 200,
    "revenue-recorded": 200,
}
# How P2 asks: for the answer now, and (``Prefer: respond-async``) for a 202 and the answer later.
CONNECTOR_MODES = {"sync": "", "async": "respond-async"}
ANSWERED_LATER = 202


@dataclass
class Row:
    part: str
    figure: str
    ours: str
    baseline: str
    ratio: float | None
    target: str
    passed: bool | None

    def as_json(self) -> dict:
        return dict(self.__dict__)


class Bench:
    def __init__(self, size: str, port: int, out: Path, only: set[str]):
        self.size_name, self.size = size, SIZES[size]
        self.port, self.base_port = port, port + 1
        self.out, self.only = out, only
        self.logs = out.parent / "logs"
        self.work = Path(tempfile.mkdtemp(prefix="cadence-bench-"))
        self.rows: list[Row] = []
        self.started = time.time()
        database = os.environ.get("DATABASE_URL", "")
        if not database.startswith("postgres"):
            raise SystemExit("the benchmark needs PostgreSQL: set DATABASE_URL=postgres://…")
        for name in ("CELERY_BROKER_URL", "REDIS_URL"):
            if not os.environ.get(name, "").startswith("redis"):
                raise SystemExit(f"the benchmark needs Redis: set {name}=redis://…")
        self.env = {
            **os.environ,
            "DEBUG": "false",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            # Notifications' mail must neither cost a console write per message nor land in the
            # JSON the bench's own commands print on stdout.
            "EMAIL_URL": "memorymail://",
        }
        self.env.setdefault("CONN_MAX_AGE", "60")
        self.eager_env = {**self.env, "CELERY_TASK_ALWAYS_EAGER": "true"}
        self.base_env = {
            **self.env,
            "DJANGO_SETTINGS_MODULE": "bench.baseline.settings",
            "BENCH_BASELINE_DATABASE_URL": os.environ.get(
                "BENCH_BASELINE_DATABASE_URL", _sibling_database(database, "_base")
            ),
        }

    # --- plumbing --------------------------------------------------------------------------

    def say(self, text: str) -> None:
        print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)

    def cadence(self, *args: str, eager: bool = False, timeout: float = 1800) -> dict:
        env = self.eager_env if eager else self.env
        return json.loads(processes.python("bench.cadence_side", *args, env=env, timeout=timeout))

    def web(self, workers: int):
        return processes.gunicorn(
            "cadence.wsgi:application",
            port=self.port,
            workers=workers,
            env=self.env,
            logs=self.logs,
        )

    def baseline_web(self, workers: int):
        return processes.gunicorn(
            "bench.baseline.wsgi:application",
            port=self.base_port,
            workers=workers,
            env=self.base_env,
            logs=self.logs,
        )

    def workers(self, concurrency: int):
        return processes.celery_worker(
            concurrency=concurrency, env=self.env, logs=self.logs, name=f"bench{self.port}"
        )

    def add(self, *args) -> None:
        row = Row(*args)
        self.rows.append(row)
        ratio = "" if row.ratio is None else f" = {row.ratio:.2f}x"
        self.say(f"{row.part} {row.figure}: {row.ours} vs {row.baseline}{ratio} → {row.target}")

    # --- the run ---------------------------------------------------------------------------

    def run(self) -> list[Row]:
        self.say(f"size {self.size_name}: preparing databases")
        subprocess.run(
            [sys.executable, "manage.py", "migrate", "--no-input", "-v", "0"],
            cwd=ROOT,
            env=self.env,
            check=True,
        )
        _database_ensure(self.base_env["BENCH_BASELINE_DATABASE_URL"])
        self.context = self.cadence("seed", "--rows", str(self.size.rows), eager=True)
        self.context_file = self.work / "context.json"
        self.context_file.write_text(json.dumps(self.context))
        self.base_context = json.loads(
            processes.python("bench.baseline.seed", env=self.base_env, timeout=300)
        )
        for part in ("p1", "p2", "p3", "p4"):
            if part in self.only:
                getattr(self, part)()
                self.save()  # what is measured is kept, should a later part fail
        return self.rows

    def save(self) -> None:
        self.out.write_text(
            json.dumps(
                {
                    "size": self.size_name,
                    "seconds": round(time.time() - self.started, 1),
                    "load": f"wrk {load.THREADS} threads, {load.CONNECTIONS} connections",
                    "cores": os.cpu_count(),
                    "rows": [row.as_json() for row in self.rows],
                },
                indent=2,
            )
        )

    def base_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.base_port}{path}"

    def our_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def p1(self) -> None:
        size, views = self.size, self.context["get"]
        base_get = {"BENCH_COOKIE": self.base_context["cookie"]}
        ours: dict[str, list] = {name: [] for name in views}
        base: dict[str, list] = {name: [] for name in views}
        with self.web(2), self.baseline_web(2):
            for round_ in range(size.rounds):
                self.say(f"P1 round {round_ + 1}/{size.rounds}")
                for name, view in views.items():
                    base[name].append(
                        load.wrk(
                            self.base_url(self.base_context["row_path"]),
                            "get.lua",
                            seconds=size.seconds,
                            env=base_get,
                        )
                    )
                    ours[name].append(
                        load.wrk(
                            self.our_url(view["path"]),
                            "get.lua",
                            seconds=size.seconds,
                            env={"BENCH_COOKIE": view["cookie"]},
                        )
                    )
            for name, view in views.items():
                self._throughput_row("P1", f"{name} rps", ours[name], base[name], P1_RATIO, 200)
                half = statistics.median(r.rps for r in ours[name]) / 2
                paced = load.wrk(
                    self.our_url(view["path"]),
                    "get.lua",
                    seconds=size.seconds,
                    env={"BENCH_COOKIE": view["cookie"]},
                    rate=half,
                )
                self.add(
                    "P1",
                    f"{name} p99 at half peak ({paced.rps:.0f} rps)",
                    f"{paced.p99_ms:.1f} ms",
                    "",
                    None,
                    f"<= {P1_P99_MS:.0f} ms",
                    paced.p99_ms <= P1_P99_MS,
                )
                counts = f"{view['queries_1']} / {view['queries_n']}"
                self.add(
                    "P1",
                    f"{name} queries, 1 / {self.context['rows']} rows",
                    counts,
                    "",
                    None,
                    "constant",
                    view["queries_1"] == view["queries_n"],
                )

    def _throughput_row(self, part, figure, ours, base, target, expected_status) -> float:
        ratios = [o.rps / b.rps if b.rps else 0.0 for o, b in zip(ours, base, strict=True)]
        answered = all(set(o.statuses) == {expected_status} for o in ours)
        wrapped = sum(o.wrapped for o in ours)
        note = "" if answered else f" answers {_statuses(ours)}"
        note += f" ({wrapped} replays)" if wrapped else ""
        ratio = statistics.median(ratios)
        self.add(
            part,
            figure,
            f"{statistics.median(o.rps for o in ours):.0f} rps"
            f" p99 {statistics.median(o.p99_ms for o in ours):.0f} ms{note}",
            f"{statistics.median(b.rps for b in base):.0f} rps",
            ratio,
            f">= {target:.2f}x",
            ratio >= target and answered and not wrapped,
        )
        return ratio

    def _signed(self, endpoints: list[str], count: int, mode: str) -> dict[str, dict]:
        """Fresh signed bodies for each endpoint (signed now: the signatures' clock is checked),
        sent in ``mode`` (a key of ``CONNECTOR_MODES``)."""
        args = [arg for endpoint in endpoints for arg in ("--endpoint", endpoint)]
        folder = self.work / mode
        folder.mkdir(exist_ok=True)
        made = self.cadence(
            "bodies",
            *args,
            "--count",
            str(count),
            "--out",
            str(folder),
            "--context",
            str(self.context_file),
        )
        return {
            endpoint: {
                "BENCH_BODIES": str(folder / f"{endpoint}.bodies"),
                "BENCH_PATH": made[endpoint]["path"],
                "BENCH_KEY": self.context["key"],
                "BENCH_PREFER": CONNECTOR_MODES[mode],
            }
            for endpoint in endpoints
        }

    def _post_rounds(self, endpoints, rounds, modes=("sync",)) -> tuple[dict, dict]:
        """wrk runs of each endpoint in each mode, each round after one of the bare POST; the
        results keyed by (endpoint, mode), and the baseline's by endpoint."""
        # Enough unique bodies for a fast run (a wrap would send replays, and is reported).
        count = int(600 * self.size.seconds) + 200
        post = {"BENCH_BODY": json.dumps({"orderId": "ord_1", "amount": "199.00"})}
        ours: dict[tuple[str, str], list] = {(name, m): [] for name in endpoints for m in modes}
        base: dict[str, list] = {name: [] for name in endpoints}
        for round_ in range(rounds):
            self.say(f"P2 round {round_ + 1}/{rounds}")
            signed_for = {mode: self._signed(endpoints, count, mode) for mode in modes}
            for endpoint in endpoints:
                base[endpoint].append(
                    load.wrk(
                        self.base_url(self.base_context["post_path"]),
                        "post.lua",
                        seconds=self.size.seconds,
                        env=post,
                    )
                )
                for mode in modes:
                    signed = signed_for[mode][endpoint]
                    ours[(endpoint, mode)].append(
                        load.wrk(
                            self.our_url(signed["BENCH_PATH"]),
                            "signed_post.lua",
                            seconds=self.size.seconds,
                            env=signed,
                        )
                    )
        return ours, base

    def p2(self) -> None:
        queries = self.cadence("connector-queries", "--context", str(self.context_file))
        with self.web(2), self.baseline_web(2), self.workers(1):
            ours, base = self._post_rounds(
                list(CONNECTOR_EXPECTED), self.size.rounds, modes=tuple(CONNECTOR_MODES)
            )
            # The worker answers what was accepted for later while the load runs; what is left
            # when it ends is worked off here, so that the parts after P2 find no backlog.
            drained = self._answered_later_drain()
        for endpoint, expected in CONNECTOR_EXPECTED.items():
            # Answered later, the request is stored and queued; the worker answers it meanwhile,
            # on the same two cores, so its work weighs on the runs that follow, ours and the
            # baseline's alike.
            for mode, status_now, figure in (
                ("sync", expected, "rps (sync answer)"),
                ("async", ANSWERED_LATER, "rps (Prefer: respond-async, 202)"),
            ):
                self._throughput_row(
                    "P2",
                    f"{endpoint} {figure}",
                    ours[(endpoint, mode)],
                    base[endpoint],
                    P2_RATIO,
                    status_now,
                )
                found = queries[mode][endpoint]
                self.add(
                    "P2",
                    f"{endpoint} queries per request ({mode})",
                    str(found["queries"]),
                    "",
                    None,
                    f"<= {P2_QUERIES}",
                    found["queries"] <= P2_QUERIES and found["status"] == status_now,
                )
        self.add(
            "P2",
            "answered later: backlog when the load ended, worked off by 1 worker process",
            f"{drained['backlog']} in {drained['seconds']:.1f} s"
            + (f" = {drained['rate']:.0f}/s" if drained["backlog"] else "")
            + (f", {drained['left']} LEFT" if drained["left"] else ""),
            "",
            None,
            "report; none left",
            not drained["left"],
        )
        # Scale-out: the same load on 1 web process + 1 worker process, then 2 + 2.
        if not self.size.scale:
            return
        scaled = {}
        for n in (1, 2):
            with self.web(n), self.baseline_web(n), self.workers(n):
                got, _ = self._post_rounds(["revenue-recorded"], 1)
                scaled[n] = got[("revenue-recorded", "sync")][0].rps
        self.add(
            "scale",
            "P2 revenue-recorded rps, 1+1 → 2+2 processes",
            f"{scaled[1]:.0f} → {scaled[2]:.0f} rps",
            "",
            scaled[2] / scaled[1],
            "report",
            None,
        )

    def _answered_later_drain(self, timeout: float = 900) -> dict:
        """Wait for the worker to answer every request accepted for later; how many waited when
        the load ended, how long they took, the rate it answered them at, and any left."""
        backlog = left = _answered_later_waiting(self.env["DATABASE_URL"])
        self.say(f"P2 answered later: {backlog} waiting for the worker")
        started = time.monotonic()
        while left and time.monotonic() - started < timeout:
            time.sleep(0.5)
            left = _answered_later_waiting(self.env["DATABASE_URL"])
        seconds = time.monotonic() - started
        done = backlog - left
        return {
            "backlog": backlog,
            "left": left,
            "seconds": seconds,
            "rate": done / seconds if seconds else 0.0,
        }

    def p3(self) -> None:
        single = self.cadence(
            "orders-queries",
            "--items",
            "1",
            "--template",
            str(self.work / "order.json"),
            eager=True,
        )
        triple = self.cadence("orders-queries", "--items", "3", eager=True)
        results = {}
        for workers in (1, 2) if self.size.scale else (1,):
            ours, base = [], []
            rounds = self.size.rounds if workers == 1 else 1
            with self.workers(workers):
                for round_ in range(rounds):
                    self.say(f"P3 with {workers} worker process(es), round {round_ + 1}/{rounds}")
                    prepared = self.work / "prepared.json"
                    self.cadence(
                        "orders-prepare",
                        "--orders",
                        str(self.size.orders),
                        "--out",
                        str(prepared),
                        eager=True,
                    )
                    base.append(
                        self.cadence(
                            "orders-baseline",
                            "--orders",
                            str(self.size.orders),
                            "--template",
                            str(self.work / "order.json"),
                        )
                    )
                    ours.append(self.cadence("orders-run", "--prepared", str(prepared)))
            results[workers] = (ours, base)
        ours, base = results[1]
        ratio = statistics.median(o["rps"] / b["rps"] for o, b in zip(ours, base, strict=True))
        self.add(
            "P3",
            "paid order → pending enrollment + earnings, orders/s",
            f"{statistics.median(o['rps'] for o in ours):.1f}/s",
            f"{statistics.median(b['rps'] for b in base):.1f}/s ({single['rows']} rows/order)",
            ratio,
            f">= {P3_RATIO:.2f}x",
            ratio >= P3_RATIO,
        )
        # The target's figure: a paid order becoming its enrollments and earnings, from the
        # payment's confirmation on; the whole buy (cart and checkout too) is reported beside it.
        self.add(
            "P3",
            "queries per paid order (payment confirmed → enrollment + earnings), 1 / 3 items",
            f"{single['paid_queries']} / {triple['paid_queries']}",
            "",
            None,
            f"<= {P3_QUERIES}, equal",
            single["paid_queries"] == triple["paid_queries"] <= P3_QUERIES,
        )
        self.add(
            "P3",
            "of those, statements that read or write (no BEGIN, COMMIT, savepoint), 1 / 3 items",
            f"{single['paid_statements']} / {triple['paid_statements']}",
            "1",
            None,
            "report",
            None,
        )
        self.add(
            "P3",
            "queries per order, whole buy (cart, checkout, payment, deliveries), 1 / 3 items",
            f"{single['queries']} / {triple['queries']}",
            "",
            None,
            "report",
            None,
        )
        if not self.size.scale:
            return
        one, two = results[1][0][-1]["rps"], results[2][0][0]["rps"]
        self.add(
            "scale",
            "P3 orders/s, 1 → 2 worker processes",
            f"{one:.1f} → {two:.1f}/s",
            "",
            two / one,
            "report",
            None,
        )

    def p4(self) -> None:
        timings = []
        for rows, accounts in self.size.payout_sizes:
            self.say(f"P4 payout batch over {rows} rows / {accounts} accounts")
            found = payout_batch(rows, accounts, self.env)
            timings.append((rows, found))
            self.add(
                "P4",
                f"payout batch {rows:,} rows / {accounts:,} accounts, time",
                f"{found['ours_s']:.1f} s",
                f"{found['baseline_s']:.1f} s",
                found["ours_s"] / found["baseline_s"],
                f"<= {P4_RATIO:.1f}x",
                found["ours_s"] <= found["baseline_s"] * P4_RATIO,
            )
            self.add(
                "P4",
                f"payout batch {rows:,} rows, peak RSS",
                f"{found['rss_mb']:.0f} MB",
                "",
                None,
                f"<= {P4_RSS_MB} MB",
                found["rss_mb"] <= P4_RSS_MB,
            )
        (small_rows, small), (big_rows, big) = timings[0], timings[-1]
        growth, scale = big["ours_s"] / small["ours_s"], big_rows / small_rows
        limit = scale * P4_GROWTH_SLACK
        self.add(
            "P4",
            f"payout batch growth {small_rows:,} → {big_rows:,} rows",
            f"{growth:.1f}x time",
            f"{scale:.0f}x rows",
            None,
            f"<= {limit:.0f}x",
            growth <= limit,
        )


def payout_batch(rows: int, accounts: int, env: dict) -> dict:
    """The payout-batch benchmark command in its own process: its times and its peak RSS."""
    process = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "benchmark_payout_batch",
            "--rows",
            str(rows),
            "--accounts",
            str(accounts),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    output = process.stdout.read()
    _pid, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if process.returncode:
        raise RuntimeError(f"benchmark_payout_batch failed:\n{output[-3000:]}")
    ours = float(re.search(r"batch:\s+([\d.]+)s", output).group(1))
    baseline = float(re.search(r"baseline:\s+([\d.]+)s", output).group(1))
    return {"ours_s": ours, "baseline_s": baseline, "rss_mb": usage.ru_maxrss / 1024}


def _exit_on_signal(signum, frame):
    raise SystemExit(128 + signum)


def _answered_later_waiting(database_url: str) -> int:
    """Requests accepted to be answered later (``Prefer: respond-async``) still unanswered."""
    import psycopg

    with psycopg.connect(database_url, autocommit=True) as connection:
        (count,) = connection.execute(
            "SELECT count(*) FROM connectors_inboundrequest"
            " WHERE request_body IS NOT NULL AND response_status IS NULL"
        ).fetchone()
    return count


def _statuses(loads) -> str:
    merged: dict[int, int] = {}
    for found in loads:
        for code, count in found.statuses.items():
            merged[code] = merged.get(code, 0) + count
    return ",".join(f"{code}x{count}" for code, count in sorted(merged.items()))


def _sibling_database(url: str, suffix: str) -> str:
    head, _, name = url.rpartition("/")
    name, _, query = name.partition("?")
    return f"{head}/{name}{suffix}" + (f"?{query}" if query else "")


def _database_ensure(url: str) -> None:
    """Create the baseline's database if it is not there (beside Cadence's, same server)."""
    import psycopg

    head, _, name = url.rpartition("/")
    name = name.partition("?")[0]
    with psycopg.connect(f"{head}/postgres", autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not found.fetchone():
            connection.execute(f'CREATE DATABASE "{name}"')


def table(rows: list[Row]) -> str:
    header = ("part", "figure", "ours", "baseline", "ratio", "target", "pass")
    lines = [
        (
            row.part,
            row.figure,
            row.ours,
            row.baseline,
            "" if row.ratio is None else f"{row.ratio:.2f}x",
            row.target,
            "" if row.passed is None else ("yes" if row.passed else "NO"),
        )
        for row in rows
    ]
    widths = [max(len(str(line[i])) for line in [header, *lines]) for i in range(len(header))]
    text = [" | ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True))]
    text.append("-+-".join("-" * w for w in widths))
    for line in lines:
        text.append(" | ".join(str(c).ljust(w) for c, w in zip(line, widths, strict=True)))
    return "\n".join(text)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--size", choices=sorted(SIZES), default="default")
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", "8120")))
    parser.add_argument("--out", type=Path, default=ROOT / "var" / "bench" / "results.json")
    parser.add_argument("--only", default="p1,p2,p3,p4", help="comma separated parts")
    args = parser.parse_args(argv)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    bench = Bench(args.size, args.port, args.out, set(args.only.split(",")))
    # Stopped from outside (a timeout), the servers and workers it started are stopped too.
    signal.signal(signal.SIGTERM, _exit_on_signal)
    rows = bench.run()
    print(table(rows))
    print(f"written to {args.out}")
    return 0
