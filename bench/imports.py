"""Benchmark: importing a consultation file (CONTRACT.md "Import file") through the importer.

Run from the project directory (not a test; it builds and drops its own database):

    .venv/bin/python bench/imports.py [--scale small|full] [--rows N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/imports.py

Without DATABASE_URL it uses SQLite in a temporary directory; with it, a database of its own
(``tsunagu_bench_<pid>``) dropped at the end. It writes a CSV of realistic rows (dates in
several notations, Japanese labels, person numbers, staff, summaries), then times the two
passes the upload screen runs: the check (read and validate every row) and the save (rows
staged, then published in one transaction), and prints one verdict line for the save.

The verdict is taken on a save with nothing else running in this process. On SQLite the file
is then saved a second time while one thread keeps asking for the database's write lock (as
every access-log append must) and records how long it waited: the longest wait is the longest
the import held the lock. Another thread appends to the access log as staff reads do, and
counts those that failed. That run's line compares the longest hold with how long a read
waits for its access-log entry, retrying, before it is refused
(TSUNAGU_ACCESS_LOG_WAIT_SECONDS). Its save rate is printed too, but it is not the verdict:
those two threads share this process's interpreter (and its lock) with the save, which staff
reads, made by other processes, do not.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import signal
import sqlite3
import sys
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import BenchDatabase  # noqa: E402

TARGET = 20_000  # rows per second
SCALES = {"small": 100_000, "full": 100_000}
CHANNELS = ["電話", "来所", "訪問", "メール", "phone", "walk_in", "手紙"]
CONSULTERS = ["本人", "家族", "関係機関", "self", "family"]
RELATIONS = ["母", "父", "兄", "姉", "配偶者", ""]
PERSONS = 2000


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--rows", type=int, default=None, help="rows of the file")
    parser.add_argument("--seed", type=int, default=20180401)
    args = parser.parse_args()
    if args.rows is None:
        args.rows = SCALES[args.scale]
    return args


def write_file(path: Path, rows: int, staff: list[str], numbers: list[int], seed: int) -> None:
    rng = random.Random(seed)
    start = datetime(2018, 4, 1, 9, 0)
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(["日時", "相談方法", "相談者", "続柄", "対象者番号", "担当", "内容"])
        for i in range(rows):
            moment = start + timedelta(days=rng.randrange(700), minutes=rng.randrange(480))
            kind = i % 4
            if kind == 0:
                when = moment.strftime("%Y-%m-%d %H:%M")
            elif kind == 1:
                when = moment.strftime("%Y/%m/%d")
            elif kind == 2:
                reiwa = moment.date() >= date(2019, 5, 1)
                era, year = ("R", moment.year - 2018) if reiwa else ("H", moment.year - 1988)
                when = f"{era}{year}.{moment.month}.{moment.day}"
            else:
                when = moment.strftime("%Y-%m-%dT%H:%M:%S")
            consulter = rng.choice(CONSULTERS)
            writer.writerow(
                [
                    when,
                    rng.choice(CHANNELS),
                    consulter,
                    rng.choice(RELATIONS) if consulter in ("家族", "family") else "",
                    rng.choice(numbers) if rng.random() < 0.6 else "",
                    rng.choice(staff) if rng.random() < 0.8 else "",
                    f"相談 {i}: 外出が難しく、家族が今後について相談した。" * rng.randint(0, 3),
                ]
            )


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scope, scopes_disabled

    from tsunagu.accounts.models import User
    from tsunagu.consultations.importer import ConsultationImport
    from tsunagu.consultations.models import Consultation
    from tsunagu.people.models import Person
    from tsunagu.tenancy.models import Membership, Municipality

    print(f"load average at the start: {os.getloadavg()[0]:.1f}")
    call_command("migrate", verbosity=0)
    vendor = connection.vendor
    with scopes_disabled():
        city = Municipality.objects.create(
            code="232297",
            name="豊明市",
            prefecture="愛知県",
            population=68691,
            population_as_of=date(2018, 10, 1),
        )
        staff = []
        for role in ("lead", "counselor", "professional"):
            user = User.objects.create_user(username=f"bench-{role}", password=None)
            staff.append(Membership.objects.create(municipality=city, user=user, role=role))
        Person.objects.bulk_create(
            Person(municipality=city, number=n, name="佐藤 健太", name_key="佐藤健太")
            for n in range(1, PERSONS + 1)
        )
    path = Path(os.environ["TSUNAGU_DATA_DIR"]) / "bench.csv"
    write_file(
        path, args.rows, [m.user.username for m in staff], list(range(1, PERSONS + 1)), args.seed
    )
    print(f"{vendor}: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB")

    with scope(municipality=city):
        started = time.perf_counter()
        importer = ConsultationImport(municipality=city, actor=staff[0])
        checked = importer.check(path, force=True)
        check_s = time.perf_counter() - started
        assert checked.error_count == 0, checked.errors[:5]
        rate = checked.rows / check_s
        print(f"check: {checked.rows:,} rows in {check_s:.2f} s ({rate:,.0f} rows/s)")

        # The verdict's save: nothing else runs in this process meanwhile.
        save_s, cpu_s, server_s = timed_save(city, staff[0], path, args.rows)
        assert Consultation.objects.count() == args.rows
        rate = args.rows / save_s
        print(
            f"save: {args.rows:,} rows in {save_s:.2f} s ({cpu_s:.2f} s CPU of this process"
            f"{server_s}; load average {os.getloadavg()[0]:.1f})"
        )
        verdict = "OK" if rate >= TARGET else "UNDER"
        print(
            f"import of {args.rows} rows on {vendor} = {rate:.0f} rows/s"
            f" (target >= {TARGET}) {verdict}"
        )
        if vendor != "sqlite":
            return
        # The same file again (forced), beside a prober of the write lock and a reader.
        watch = LockWatch(staff[1])
        try:
            probed_s, cpu_s, _ = timed_save(city, staff[0], path, args.rows)
        finally:
            watch.stop()
        assert Consultation.objects.count() == 2 * args.rows
        print(
            f"save beside the lock probes: {args.rows:,} rows in {probed_s:.2f} s"
            f" ({args.rows / probed_s:,.0f} rows/s, not the verdict; {cpu_s:.2f} s CPU of this"
            f" process, its two threads included; load average {os.getloadavg()[0]:.1f})"
        )
        watch.report()


def timed_save(city: Any, member: Any, path: Path, rows: int) -> tuple[float, float, str]:
    """(wall s, CPU s of this process, the database server's CPU when it can be read) of the
    save, the importer's set-up (persons and staff loaded) included."""
    from tsunagu.consultations.importer import ConsultationImport

    server = ServerClock()
    started, cpu = time.perf_counter(), time.process_time()
    importer = ConsultationImport(municipality=city, actor=member)
    saved = importer.save(path, force=True)
    save_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    assert saved.ok and saved.created == rows, saved.errors[:5]
    return save_s, cpu_s, server.since()


class ServerClock:
    """CPU time of this connection's PostgreSQL backend, when the server runs on this machine
    (/proc/<pid>/stat); the database's own work is outside this process's CPU time."""

    def __init__(self) -> None:
        from django.db import connection

        self.path: Path | None = None
        self.start = 0.0
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.path = Path(f"/proc/{cursor.fetchone()[0]}/stat")
            self.start = self.read()

    def read(self) -> float:
        assert self.path is not None
        try:
            fields = self.path.read_text().rsplit(")", 1)[1].split()
        except OSError:
            return float("nan")
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def since(self) -> str:
        if self.path is None:
            return ""
        spent = self.read() - self.start
        return "" if spent != spent else f", {spent:.2f} s CPU of the server's backend"


class LockWatch:
    """Two threads beside the save: a prober of the write lock and an access-log appender."""

    def __init__(self, member: object) -> None:
        from django.conf import settings

        self.database = str(settings.DATABASES["default"]["NAME"])
        self.member = member
        self.done = threading.Event()
        self.waits: list[float] = []
        self.appends: list[float] = []
        self.failed = 0
        self.threads = [
            threading.Thread(target=self.probe),
            threading.Thread(target=self.append),
        ]
        for thread in self.threads:
            thread.start()

    def probe(self) -> None:
        conn = sqlite3.connect(self.database, timeout=600, isolation_level=None)
        while not self.done.is_set():
            started = time.perf_counter()
            conn.execute("BEGIN IMMEDIATE")
            self.waits.append(time.perf_counter() - started)
            conn.execute("ROLLBACK")
            time.sleep(0.002)
        conn.close()

    def append(self) -> None:
        from django.db import connection

        from tsunagu.audit.services import Seen, access_record

        while not self.done.is_set():
            started = time.perf_counter()
            try:
                access_record(
                    membership=self.member,  # type: ignore[arg-type]
                    action="view",
                    seen=[Seen("person", 1, "bench")],
                    channel="cli",
                )
                self.appends.append(time.perf_counter() - started)
            except Exception:
                self.failed += 1
            time.sleep(0.02)
        connection.close()

    def stop(self) -> None:
        self.done.set()
        for thread in self.threads:
            thread.join()

    def report(self) -> None:
        from django.conf import settings

        longest = max(self.waits, default=0.0)
        print(
            f"write lock: {len(self.waits):,} probes during the save, longest wait"
            f" {longest * 1000:.0f} ms; access-log appends: {len(self.appends):,} written,"
            f" {self.failed} failed, longest {max(self.appends, default=0) * 1000:.0f} ms"
        )
        ratio = longest / settings.TSUNAGU_ACCESS_LOG_WAIT_SECONDS
        verdict = "OK" if ratio <= 1 and not self.failed else "OVER"
        print(
            f"longest write lock of the import / a read's wait for its log entry = {ratio:.2f}x"
            f" (target <= 1x) {verdict}"
        )


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with BenchDatabase():
        run(args)


if __name__ == "__main__":
    main()
