"""Saturated throughput: the case list and a case page against a no-op view, `tsunagu serve`.

    .venv/bin/python bench/throughput.py [--scale small|full] [--users N] [--seconds S]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/throughput.py

Issue 15 asks the case list and the case page for a saturated throughput (no pauses, 20
clients) of at least a third of the trivial view's. The data are those of bench/load.py on a
throw-away database (SQLite, or a new PostgreSQL database when DATABASE_URL is set): small,
5,000 persons and 20,000 consultations; full, 1,000,000 of each (or, with --existing, the
database DATABASE_URL names, as filled by `tsunagu synth`). All the staff accounts are leads,
who see every case: the list's first page shows 50.

The server is `tsunagu serve` (gunicorn, 2 × CPUs + 1 web workers) on 127.0.0.1 with the
settings of bench/settings_throughput.py: the project's, plus the no-op staff view of
bench/stats.py at /m/<code>/bench-trivial/, behind the same middleware, session and
second-factor check. For each page in turn (trivial view, case list, one case page picked at
random from the list) the server is started, `--users` locust users (20) log in once with a
password and an authenticator code, and when all are in they ask for that page again and
again without pausing for `--seconds` (small 30, full 60); the logins are left out of the
figures. Throughput is that page's requests per second in locust's statistics. Locust runs on
the same CPUs as the server: the CPU each used during the measurement is printed beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.load import prepare, run_locust  # noqa: E402
from bench.stats import BenchDatabase  # noqa: E402

SECONDS = {"small": 30, "full": 60}  # the data sizes are bench/load.py's SCALES
PAGES = ("trivial view", "case list", "case page")
TARGET = 3.0  # trivial view's throughput / the page's
SETUP_SECONDS = 120  # at most, for the server to start and every user to log in
SETTINGS = "bench.settings_throughput"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SECONDS), default="small")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=None, help="measured, for each page")
    parser.add_argument("--port", type=int, default=8767)
    parser.add_argument("--existing", action="store_true", help="use DATABASE_URL as filled")
    args = parser.parse_args()
    if args.seconds is None:
        args.seconds = SECONDS[args.scale]
    return args


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def all_leads(member_ids: list[int]) -> None:
    """Every account sees every case, as in bench/stats.py (a counselor sees fewer)."""
    from django_scopes import scopes_disabled

    from tsunagu.tenancy.codes import Role
    from tsunagu.tenancy.models import Membership

    with scopes_disabled():
        Membership.objects.filter(pk__in=member_ids).update(role=Role.LEAD)


def measure(page: str, args: argparse.Namespace, workdir: Path) -> dict[str, Any]:
    """One locust run against a fresh server: `page` only, after every user has logged in.
    Each run has accounts of its own: an authenticator code is accepted once, so the same
    account could not log in again within the same 30 s."""
    slug = page.replace(" ", "-")
    out = workdir / f"{slug}.json"
    accounts = json.loads((workdir / "accounts.json").read_text(encoding="utf-8"))
    first = PAGES.index(page) * args.users
    (workdir / f"accounts-{slug}.json").write_text(
        json.dumps(accounts[first : first + args.users]), encoding="utf-8"
    )
    rows, _idle, _peak = run_locust(
        "bench/throughput_locustfile.py",
        users=args.users,
        spawn_rate=args.users,
        seconds=args.seconds + SETUP_SECONDS,  # a cap: the locustfile quits when measured
        port=args.port,
        workdir=workdir,
        env={
            "TSUNAGU_LOAD_ACCOUNTS": str(workdir / f"accounts-{slug}.json"),
            "TSUNAGU_LOAD_WRITES": str(workdir / "writes.json"),  # bench/locustfile.py's
            "TSUNAGU_THROUGHPUT_PAGE": page,
            "TSUNAGU_THROUGHPUT_USERS": str(args.users),
            "TSUNAGU_THROUGHPUT_SECONDS": str(args.seconds),
            "TSUNAGU_THROUGHPUT_OUT": str(out),
        },
        stop_timeout=5,
    )
    if not out.exists():
        raise SystemExit(f"{page}: the users did not all log in; see {workdir}/server.log")
    measured = json.loads(out.read_text(encoding="utf-8"))
    row = rows.get(page, {})
    start, end = measured["start"], measured["end"]
    seconds = end["time"] - start["time"]
    requests = int(row.get("Request Count", 0))
    server_cpu = end["server"] - start["server"]
    by_name: dict[str, float] = {}  # the other processes' CPU in the window, by name
    for pid, (name, cpu) in end["others"].items():
        before_name, before = start["others"].get(pid, (name, 0.0))  # new: all of it
        if before_name == name:
            by_name[name] = by_name.get(name, 0.0) + cpu - before
    database = end["database"] - start["database"]  # backends kept for the whole window
    result = {
        "page": page,
        "url": measured["url"],
        "requests": requests,
        "failures": int(row.get("Failure Count", 0)),
        "setup_failures": sum(entry["failures"] for entry in measured["setup"].values()),
        "rps": float(row.get("Requests/s", 0.0)),
        "p50": float(row.get("50%", 0.0)),
        "p95": float(row.get("95%", 0.0)),
        "server_ms": 1000 * (server_cpu + database) / max(requests, 1),
        # shares of one CPU over the measured window
        "locust": (end["locust"] - start["locust"]) / seconds,
        "server": server_cpu / seconds,
        "database": database / seconds,  # PostgreSQL's backends of the bench's database
        "machine": (end["machine"] - start["machine"]) / seconds,
        "interrupts": (end["interrupts"] - start["interrupts"]) / seconds,
        "steal": (end["steal"] - start["steal"]) / seconds,
        "busiest": sorted(
            ((cpu / seconds, name) for name, cpu in by_name.items()),
            reverse=True,
        )[:3],
        "load": (start["load"], end["load"]),
    }
    print(
        f"{page}: {result['rps']:.1f} requests/s ({measured['url']}); "
        f"load average {start['load']:.2f} -> {end['load']:.2f}"
    )
    return result


def report(results: list[dict[str, Any]], args: argparse.Namespace) -> int:
    cpus = os.cpu_count() or 1
    print()
    print(
        f"{args.users} users without pauses, {args.seconds} s per page after all logged in; "
        f"server `tsunagu serve`; {cpus} CPUs"
    )
    print(
        f"{'page':<14}{'requests':>9}{'req/s':>8}{'p50':>6}{'p95':>6}{'fail':>6}"
        f"{'CPU/request':>16}   CPU: {'server':>7}{'database':>10}{'locust':>8}{'others':>8}"
    )
    for r in results:
        r["others"] = max(r["machine"] - r["server"] - r["database"] - r["locust"], 0.0)
        print(
            f"{r['page']:<14}{r['requests']:>9}{r['rps']:>8.1f}{r['p50']:>6.0f}{r['p95']:>6.0f}"
            f"{r['failures']:>6}{r['server_ms']:>13.1f} ms        "
            + "".join(
                f"{r[column]:>{width}.0%}"
                for column, width in (("server", 7), ("database", 10), ("locust", 8))
            )
            + f"{r['others']:>8.0%}"
        )
    print(
        "(p50, p95 in ms; CPU/request: the server's and its database's CPU time per request; "
        f"CPU: share of one CPU over the measured window, {cpus * 100}% being "
        "the whole machine; server: gunicorn, its workers and the job worker; database: the "
        "PostgreSQL backends of the bench's database; others: everything else on the machine)"
    )
    for r in results:
        if r["others"] >= 0.05 or r["steal"] >= 0.05:
            busiest = "".join(f", {name} {share:.0%}" for share, name in r["busiest"] if share)
            print(
                f"others during {r['page']}: {r['others']:.0%} (interrupts "
                f"{r['interrupts']:.0%}{busiest}, the rest in processes that came and went); "
                f"stolen by the host: {r['steal']:.0%}"
            )
    trivial_ms = results[0]["server_ms"]
    print(
        "CPU per request (server and database) against the trivial view's: "
        + ", ".join(f"{r['page']} {r['server_ms'] / trivial_ms:.2f}x" for r in results[1:])
    )
    setup_failures = sum(r["setup_failures"] for r in results)
    print(f"failed logins or set-up requests: {setup_failures}")
    print(f"load average at end: {loadavg()}")
    print()
    by_page = {r["page"]: r for r in results}
    trivial = by_page["trivial view"]["rps"]
    for page in PAGES[1:]:
        ratio = trivial / max(by_page[page]["rps"], 1e-9)
        verdict = "OK" if ratio <= TARGET else "OVER"
        print(
            f"trivial view throughput / {page} throughput = {ratio:.2f}x "
            f"(target <= {TARGET:g}x) {verdict}"
        )
    requests = sum(r["requests"] for r in results)
    failures = sum(r["failures"] for r in results) + setup_failures
    print(
        f"failed requests / requests = {failures / max(requests, 1):.3f}x (target <= 0x) "
        f"{'OK' if failures == 0 else 'OVER'}"
    )
    return 1 if failures else 0


def run(args: argparse.Namespace) -> int:
    workdir = Path(tempfile.mkdtemp(prefix="tsunagu-throughput-"))
    print(f"load average at start: {loadavg()}")
    _city, member_ids = prepare(args, args.users * len(PAGES), workdir)
    all_leads(member_ids)
    from django.db import connections

    connections.close_all()  # SQLite: no lock or open transaction of ours while serving
    results = [measure(page, args, workdir) for page in PAGES]
    return report(results, args)


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    # The served processes (gunicorn's workers) import bench.trivial_urls from the settings.
    os.environ["DJANGO_SETTINGS_MODULE"] = SETTINGS
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH", "")])
    )
    if args.existing:
        sys.exit(run(args))
    with BenchDatabase():
        code = run(args)
    sys.exit(code)


if __name__ == "__main__":
    main()
