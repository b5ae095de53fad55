"""Benchmark: `tsunagu audit verify` over a long access log, its speed and its memory.

Run from the project directory (not a test; it builds and drops its own database):

    .venv/bin/python bench/audit_verify.py [--scale small|full] [--entries N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/audit_verify.py

It writes a keyed chain for three municipalities as the service writes it (the same link
function, one object row per object seen: most entries a record with a few objects, one in
five a list page of 20-50), then times the verification the command runs and, in a second
pass under tracemalloc, measures the Python memory it held at its peak.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import signal
import sys
import time
import tracemalloc
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import BenchDatabase  # noqa: E402

TARGET = 10_000  # entries per second
SCALES = {"small": 60_000, "full": 1_000_000}
MUNICIPALITIES = 3
BATCH = 5_000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--entries", type=int, default=None)
    parser.add_argument("--seed", type=int, default=20180401)
    args = parser.parse_args()
    if args.entries is None:
        args.entries = SCALES[args.scale]
    return args


def build(entries: int, seed: int) -> int:
    """Write the chains; the number of object rows."""
    from django_scopes import scopes_disabled

    from tsunagu.audit.models import AccessChainHead, AccessLogEntry, AccessLogObject
    from tsunagu.audit.services import entry_hash, hashed_fields
    from tsunagu.tenancy.models import Municipality

    rng = random.Random(seed)
    objects = 0
    start = datetime(2026, 4, 1, tzinfo=UTC)
    with scopes_disabled():
        cities = [
            Municipality.objects.create(
                code=f"23{n:04d}",
                name=f"市{n}",
                prefecture="愛知県",
                population=50000,
                population_as_of=start.date(),
            )
            for n in range(MUNICIPALITIES)
        ]
        for index, city in enumerate(cities):
            count = entries // MUNICIPALITIES + (index < entries % MUNICIPALITIES)
            prev = ""
            for first in range(1, count + 1, BATCH):
                batch, seen = [], []
                for seq in range(first, min(first + BATCH, count + 1)):
                    size = rng.randint(20, 50) if rng.random() < 0.2 else rng.randint(1, 3)
                    listed = [
                        {"type": "case", "id": rng.randrange(1, 10**6), "basis": "assignment"}
                        for _ in range(size)
                    ]
                    entry = AccessLogEntry(
                        municipality=city,
                        seq=seq,
                        at=start + timedelta(seconds=seq),
                        user_id_at_time=7,
                        username="bench-counselor",
                        membership_id_at_time=7,
                        role="counselor",
                        action="list" if size > 3 else "view",
                        channel="web",
                        path="/m/232297/cases/",
                        ip="192.0.2.1",
                        prev_hash=prev,
                    )
                    entry.hash = prev = entry_hash(prev, hashed_fields(entry, listed))
                    batch.append(entry)
                    seen.append(listed)
                created = AccessLogEntry.objects.bulk_create(batch)
                rows = [
                    AccessLogObject(
                        municipality=city,
                        entry_id=entry.pk,
                        type=o["type"],
                        object_id=o["id"],
                        basis=o["basis"],
                    )
                    for entry, listed in zip(created, seen, strict=True)
                    for o in listed
                ]
                AccessLogObject.objects.bulk_create(rows, batch_size=5000)
                objects += len(rows)
            AccessChainHead.objects.create(municipality=city, seq=count, last_hash=prev)
    return objects


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from tsunagu.audit.selectors import access_chain_verify

    call_command("migrate", verbosity=0)
    print(f"load average at start: {os.getloadavg()[0]:.1f}")
    started = time.perf_counter()
    objects = build(args.entries, args.seed)
    print(
        f"{connection.vendor}: {args.entries:,} entries, {objects:,} object rows, written in"
        f" {time.perf_counter() - started:.1f} s"
    )

    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started, cpu = time.perf_counter(), time.process_time()
    assert access_chain_verify() is None
    seconds, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    rss_growth = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss_before

    tracemalloc.start()
    assert access_chain_verify() is None
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    rate = args.entries / seconds
    print(
        f"verify: {args.entries:,} entries in {seconds:.2f} s ({cpu_s:.2f} s CPU of this process,"
        f" {args.entries / cpu_s:,.0f} entries per CPU-second); Python memory at its peak"
        f" {peak / 2**20:.1f} MiB (tracemalloc), peak RSS grew {rss_growth / 1024:.1f} MiB;"
        f" load average {os.getloadavg()[0]:.1f}"
    )
    verdict = "OK" if rate >= TARGET else "UNDER"
    print(f"audit verify = {rate:.0f} rows/s (target >= {TARGET}) {verdict}")


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with BenchDatabase():
        run(args)


if __name__ == "__main__":
    main()
