"""Benchmark: access-log appends from many desks at once, and how long the chain stays locked.

Run from the project directory (not a test; it builds and drops its own database):

    .venv/bin/python bench/access_log.py [--scale small|full] [--desks N] [--appends N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/access_log.py

Each desk is a process appending what a view of the case list appends (one entry, 100 objects:
50 cases and the persons they name) through `access_record`, as fast as it can. Two rounds:
every desk in one municipality (one chain, appends queue for its head), then each desk in its
own municipality. The chain's lock is timed inside each append: on PostgreSQL from the locking
read of the head to the commit; on SQLite, whose one write lock is taken when the transaction
begins, from the entry's insert to the commit. Afterwards `audit verify` must pass.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import BenchDatabase  # noqa: E402

SCALES = {"small": (4, 150), "full": (8, 1_000)}  # desks, appends per desk
OBJECTS = 100
LOCK_TARGET_MS = 1.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--desks", type=int, default=None)
    parser.add_argument("--appends", type=int, default=None, help="appends per desk")
    args = parser.parse_args()
    desks, appends = SCALES[args.scale]
    args.desks = args.desks or desks
    args.appends = args.appends or appends
    return args


def setup(desks: int) -> list[int]:
    """One counselor in each of `desks` municipalities; their membership ids."""
    from django_scopes import scopes_disabled

    from tsunagu.accounts.models import User
    from tsunagu.tenancy.models import Membership, Municipality

    members = []
    with scopes_disabled():
        for n in range(desks):
            city = Municipality.objects.create(
                code=f"23{n:04d}", name=f"市{n}", prefecture="愛知県", population=50_000
            )
            user = User.objects.create_user(username=f"bench-desk-{n}", password=None)
            members.append(
                Membership.objects.create(municipality=city, user=user, role="counselor").pk
            )
    return members


def desk(
    membership_id: int, appends: int, start: Any, results: Any, offset: int
) -> None:  # pragma: no cover - runs in a child process
    from django.db import connection, connections, transaction
    from django_scopes import scopes_disabled

    from tsunagu.audit.models import AccessAction, AccessChainHead
    from tsunagu.audit.services import Seen, access_record
    from tsunagu.tenancy.models import Membership

    connections.close_all()
    with scopes_disabled():
        member = Membership.objects.select_related("user").get(pk=membership_id)
    head_table = AccessChainHead._meta.db_table
    pg = connection.vendor == "postgresql"
    holds: list[tuple[float, float]] = []  # (until committed, until the last statement)
    marks: dict[str, float] = {}

    def timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        # On PostgreSQL the entry's INSERT and the head's UPDATE each open a WITH statement.
        if "INSERT INTO" in sql and "accesslogentry" in sql:
            marks["first"] = time.perf_counter()
        result = execute(sql, params, many, context)
        if sql.startswith("SELECT") and head_table in sql and "locked" not in marks:
            # Held from here (PostgreSQL: the head's row lock is granted) to the commit's end.
            marks["locked"] = time.perf_counter()
            transaction.on_commit(lambda: finish(marks["locked"] if pg else marks["first"]))
        elif f'UPDATE "{head_table}"' in sql:
            marks["statements"] = time.perf_counter()
        return result

    def finish(began: float) -> None:
        now = time.perf_counter()
        holds.append((now - began, marks["statements"] - began))

    start.wait()
    began = time.perf_counter()
    with connection.execute_wrapper(timer):
        for n in range(appends):
            marks.clear()
            base = offset + n * 50
            seen = [Seen("case", base + k, "assignment") for k in range(50)]
            seen += [Seen("person", base + k, "assignment") for k in range(50)]
            access_record(membership=member, action=AccessAction.LIST, seen=seen)
    results.put((time.perf_counter() - began, holds))
    connections.close_all()


def round_of(members: list[int], appends: int) -> tuple[float, list[tuple[float, float]]]:
    """(appends per second of all desks together, every lock hold in seconds: until the
    commit's end, and until the last statement before the commit)."""
    from django.db import connections

    connections.close_all()
    context = multiprocessing.get_context("fork")
    start = context.Barrier(len(members) + 1)
    results = context.Queue()
    processes = [
        context.Process(target=desk, args=(m, appends, start, results, i * 10**6))
        for i, m in enumerate(members)
    ]
    for process in processes:
        process.start()
    start.wait()
    began = time.perf_counter()
    # A desk that fails exits without a result: stop waiting rather than hang.
    outcomes = [results.get(timeout=600) for _ in processes]
    seconds = time.perf_counter() - began
    for process in processes:
        process.join()
        assert process.exitcode == 0, f"a desk failed (exit {process.exitcode})"
    holds = [h for _, desk_holds in outcomes for h in desk_holds]
    assert len(holds) == appends * len(members), "an append went unmeasured"
    return appends * len(members) / seconds, holds


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scopes_disabled

    from tsunagu.audit.models import AccessLogEntry
    from tsunagu.audit.selectors import access_chain_verify

    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    print(f"database: {vendor}; {os.cpu_count()} CPUs")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    members = setup(args.desks)
    one = [members[0]] * args.desks
    rounds = {
        f"one municipality, {args.desks} desks": round_of(one, args.appends),
        f"{args.desks} municipalities, one desk each": round_of(members, args.appends),
    }
    with scopes_disabled():
        written = AccessLogEntry.objects.count()
    assert written == 2 * args.desks * args.appends, f"{written} entries written"
    assert access_chain_verify() is None, "the chain does not verify"
    print(f"{written:,} entries of {OBJECTS} objects written; audit verify: intact")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    lock = "head lock granted" if vendor == "postgresql" else "write transaction"
    print(f"from the {lock}: to the last statement / to the end of the commit, ms")
    print(f"{'round':<44}{'appends/s':>10}{'median':>8}{'p95':>7}{'median':>9}{'p95':>7}")
    worst_p95 = 0.0
    for name, (rate, holds) in rounds.items():
        held = sorted(h[1] * 1000 for h in holds)
        committed = sorted(h[0] * 1000 for h in holds)
        p95 = held[int(0.95 * (len(held) - 1))]
        worst_p95 = max(worst_p95, p95)
        print(
            f"{name:<44}{rate:>10.0f}{statistics.median(held):>8.2f}{p95:>7.2f}"
            f"{statistics.median(committed):>9.2f}{committed[int(0.95 * (len(committed) - 1))]:>7.2f}"  # noqa: E501
        )
    print(f"one-row update committed alone (the disk's flush), median of 50: {commit_ms():.2f} ms")
    print()
    if vendor == "postgresql":
        ratio = worst_p95 / LOCK_TARGET_MS
        verdict = "OK" if ratio <= 1 else "OVER"
        print(
            f"chain lock held before its commit p95 / {LOCK_TARGET_MS:g} ms = {ratio:.2f}x"
            f" (target <= 1x) {verdict}"
        )
    else:
        print("(SQLite has one write lock for the whole database: no per-chain lock to time)")


def commit_ms() -> float:
    """What any commit costs here: one row updated in its own transaction."""
    from django.db import connection, transaction

    times = []
    with connection.cursor() as cursor:
        cursor.execute("CREATE TABLE bench_flush (n integer)")
        cursor.execute("INSERT INTO bench_flush VALUES (0)")
    for _ in range(50):
        began = time.perf_counter()
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE bench_flush SET n = n + 1")
        times.append((time.perf_counter() - began) * 1000)
    return statistics.median(times)


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with BenchDatabase():
        run(args)


if __name__ == "__main__":
    main()
