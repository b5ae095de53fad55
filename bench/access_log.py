"""Benchmark: access-log appends from many desks at once, and how long the chain stays locked.

Run from the project directory (not a test; it builds and drops its own database):

    .venv/bin/python bench/access_log.py [--scale small|full] [--desks N] [--appends N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/access_log.py

Each desk is a process appending what a view of the case list appends (one entry, 100 objects:
50 cases and the persons they name) through `access_record`, as fast as it can. Two rounds:
every desk in one municipality (one chain, appends queue for its head), then each desk in its
own municipality. The chain's lock is timed inside each append. On PostgreSQL the head's row is
locked by the swap that moves it (only if it is still where the append read it), sent in one
query with its commit: the hold before the commit is timed by the server, from the head's move
to just before the COMMIT (the bench adds the two clock readings to that query); swaps that
found the head moved (they changed and held nothing) are counted as retries. On SQLite, whose
one write lock is taken when the transaction begins, the hold is from the entry's insert to the
commit. Afterwards `audit verify` must pass.
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
    from django.db import DataError, connection, connections, transaction
    from django_scopes import scopes_disabled

    from tsunagu.audit.models import AccessAction, AccessChainHead
    from tsunagu.audit.services import LINK_SAVEPOINT, Seen, access_record
    from tsunagu.tenancy.models import Membership

    connections.close_all()
    with scopes_disabled():
        member = Membership.objects.select_related("user").get(pk=membership_id)
    head_table = AccessChainHead._meta.db_table
    swaps = (f'WITH h AS (UPDATE "{head_table}"', f'UPDATE "{head_table}"')
    # Per append: (the swap statement as this desk saw it, the lock held before the commit,
    # held to the commit's end, swaps that matched nothing before it).
    holds: list[Hold] = []
    marks: dict[str, float] = {}
    misses = [0]

    def timer(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        # The swap moves the head only if it is where it was read, with the entry's link (one
        # WITH statement on PostgreSQL; two statements on SQLite). Sent with its commit
        # (PostgreSQL, an append in its own transaction), it raises when it matched nothing.
        if "INSERT INTO" in sql and "accesslogentry" in sql:
            marks["first"] = time.perf_counter()
        merged = sql.startswith(
            (f"SAVEPOINT {LINK_SAVEPOINT}; ", f"ROLLBACK TO SAVEPOINT {LINK_SAVEPOINT}; ")
        )
        if merged:
            # Timed by the server: when the head's row was moved (its lock granted just
            # before), and just before the COMMIT, which follows in the same query.
            sql = sql.replace(" RETURNING 1) UPDATE", " RETURNING clock_timestamp() AS t) UPDATE")
            sql = sql.replace("; SELECT (CASE", " RETURNING h.t; SELECT (CASE")
            sql = sql.replace("; COMMIT", "; SELECT clock_timestamp(); COMMIT")
        sent = time.perf_counter()
        try:
            result = execute(sql, params, many, context)
        except DataError:
            if merged:  # another desk had moved the head: nothing changed, nothing held
                misses[0] += 1
            raise
        if sql.startswith(swaps) and context["cursor"].rowcount != 1:
            # Nothing changed, nothing held (a swap that waited for another desk's lock got it
            # only to find the row moved).
            misses[0] += 1
        elif merged or sql.startswith(swaps):
            marks["sent"], marks["swapped"] = sent, time.perf_counter()
            if merged:
                cursor = context["cursor"]
                cursor.nextset()  # the swap
                moved = cursor.fetchone()[0]
                cursor.nextset()  # its check
                cursor.nextset()  # the clock before the COMMIT
                marks["server"] = (cursor.fetchone()[0] - moved).total_seconds()
            transaction.on_commit(finish)
        return result

    real_commit = connection._commit  # type: ignore[attr-defined]

    def commit() -> None:
        marks["commit"] = time.perf_counter()
        real_commit()

    def finish() -> None:
        now = time.perf_counter()
        statement = marks["swapped"] - marks["sent"]
        if "server" in marks:  # PostgreSQL: the lock is granted inside the swap
            held, through = marks["server"], now - marks["sent"]
        else:  # SQLite: its one write lock is taken when the transaction begins
            held, through = marks["commit"] - marks["first"], now - marks["first"]
        holds.append((statement, held, through, misses[0]))
        misses[0] = 0

    connection._commit = commit  # type: ignore[attr-defined]
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


Hold = tuple[float, float, float, int]


def round_of(members: list[int], appends: int) -> tuple[float, list[Hold]]:
    """(appends per second of all desks together, per append: the swap statement's time, the
    lock's hold before the commit and to its end, in seconds, and the swaps that matched
    nothing before it)."""
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
    if vendor == "postgresql":
        print(
            "the swap (with its commit) as a desk saw it; the head's row held before its commit"
            " (by the server's clock); from the swap sent to the commit's end; ms"
        )
    else:
        print(
            "the head's update (the swap); the write transaction from the entry's insert to the"
            " commit asked for, and to the commit's end; ms"
        )
    print(
        f"{'round':<34}{'appends/s':>10}{'median':>8}{'p95':>7}{'median':>8}{'p95':>7}"
        f"{'median':>8}{'p95':>7}{'retries':>9}{'max':>5}"
    )
    worst_p95 = 0.0
    for name, (rate, holds) in rounds.items():
        swap, held, through = ([h[i] * 1000 for h in holds] for i in (0, 1, 2))
        worst_p95 = max(worst_p95, p95(held))
        retries = [h[3] for h in holds]
        print(
            f"{name:<34}{rate:>10.0f}{statistics.median(swap):>8.2f}{p95(swap):>7.2f}"
            f"{statistics.median(held):>8.2f}{p95(held):>7.2f}"
            f"{statistics.median(through):>8.2f}{p95(through):>7.2f}"
            f"{sum(retries):>9}{max(retries):>5}"
        )
    print("retries: swaps that found the head moved by another desk and were sent again")
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


def p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * (len(values) - 1))]


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
