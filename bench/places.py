"""Benchmark: materializing a year of sessions against the raw insert of the same rows, and the
municipality's calendar month view against a trivial view.

Run from the project directory (not a test; it builds and drops its own database):

    .venv/bin/python bench/places.py [--scale small|full] [--runs N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/places.py

full: a year of sessions for 1,000 places, and the month view of a municipality with 200
places (the sizes issue 8 names); small: 100 and 50. Without DATABASE_URL it uses SQLite in a
temporary directory; with it, a separate database ``tsunagu_bench_<pid>`` dropped at the end.
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import sys
import time
from datetime import date
from datetime import time as clock
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.stats import BenchDatabase, install_urls, logged_in_client, median_ms  # noqa: E402

# places whose year is materialized, places of the calendar's municipality, timed runs
SCALES = {"small": (100, 50, 3), "full": (1_000, 200, 5)}
YEAR = (date(2026, 4, 1), date(2027, 3, 31))  # a fiscal year: Golden Week, the year end
MONTH = "2026-05"
# The demo cities' kinds of rule, in turn (weekdays, Saturdays, monthly, twice a month, daily).
RULES = [
    ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", clock(10), clock(16, 30), "skip"),
    ("FREQ=WEEKLY;BYDAY=SA", clock(10), clock(16), "skip"),
    ("FREQ=MONTHLY;BYDAY=1WE", clock(13, 30), clock(15), "skip"),
    ("FREQ=MONTHLY;BYDAY=2TU,4TH", clock(13, 30), clock(16), "keep"),
    ("FREQ=WEEKLY;BYDAY=FR", clock(10), clock(15), "skip"),
]
MAX_MATERIALIZE_RATIO = 3.0
MAX_CALENDAR_RATIO = 10.0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="full")
    parser.add_argument("--places", type=int, default=None, help="places materialized")
    parser.add_argument("--calendar-places", type=int, default=None, help="places on the calendar")
    parser.add_argument("--runs", type=int, default=None, help="timed runs of each (median)")
    args = parser.parse_args()
    for name, value in zip(("places", "calendar_places", "runs"), SCALES[args.scale], strict=True):
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


def make_places(municipality, count: int, prefix: str, staff=()) -> list:
    from django_scopes import scope

    from tsunagu.places import services

    places = []
    with scope(municipality=municipality):
        for i in range(count):
            rrule, start, end, holidays = RULES[i % len(RULES)]
            places.append(
                services.place_create(
                    actor=None,
                    municipality_id=municipality.pk,
                    name=f"{prefix}{i + 1:04d}",
                    kind="person",
                    rules=[services.RuleIn(rrule, start, end, holidays)],
                    starts_on=YEAR[0],
                    staff=list(staff),
                )
            )
    return places


def clear(places: list) -> None:
    """No sessions (outside the timing): a plain DELETE, nothing refers to them yet."""
    from tsunagu.places.models import Place, Session

    Session.objects.filter(place__in=places)._raw_delete(Session.objects.db)
    Place.objects.filter(pk__in=[p.pk for p in places]).update(sessions_until=None)


def materialize(places: list) -> int:
    """The app's way: the places' sessions of the year, as the calendar and the rolling window
    ask for them (all the places at once)."""
    from tsunagu.places import services
    from tsunagu.places.models import Session

    for place in places:
        place.sessions_until = None
    services.sessions_ensure_many(places, YEAR[1])
    return Session.objects.filter(place__in=places).count()


def raw_rows(places: list) -> list[tuple]:
    """The same rows, computed once outside the timing (the floor inserts, it does not plan)."""
    from django.db import connection

    from tsunagu.places.models import Session

    ops = connection.ops
    return [
        (
            m,
            p,
            r,
            ops.adapt_datefield_value(o),
            ops.adapt_datefield_value(d),
            ops.adapt_timefield_value(s),
            ops.adapt_timefield_value(e),
        )
        for m, p, r, o, d, s, e in Session.objects.filter(place__in=places).values_list(
            "municipality_id", "place_id", "rule_id", "origin_date", "date", "start", "end"
        )
    ]


def raw_insert(places: list, rows: list[tuple]) -> int:
    """The floor: delete, then one executemany INSERT of the same rows in one transaction."""
    from django.db import connection, transaction

    from tsunagu.places.models import Session

    table = connection.ops.quote_name(Session._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(c)
        for c in (
            "municipality_id",
            "place_id",
            "rule_id",
            "origin_date",
            "date",
            "start",
            "end",
            "status",
            "reason",
            "supporters_present",
        )
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(
            f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)",
            [(*row, "scheduled", "", 0) for row in rows],
        )
    return len(rows)


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse
    from django_scopes import scope, scopes_disabled

    from tsunagu.tenancy.models import Membership, Municipality

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    vendor = connection.vendor
    print(f"database: {vendor}; python {sys.version.split()[0]}; {os.cpu_count()} CPUs")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    call_command("migrate", verbosity=0)
    install_urls()
    with scopes_disabled():
        big = Municipality.objects.create(
            code="232297", name="豊明市", prefecture="愛知県", population=68000
        )
        city = Municipality.objects.create(
            code="362085", name="三好市", prefecture="徳島県", population=23000
        )
        user = get_user_model().objects.create_user(username="bench-lead", password="x" * 20)
        lead = Membership.objects.create(municipality=city, user=user, role="lead")
        started = time.perf_counter()
        year_places = make_places(big, args.places, "居場所")
        calendar_places = make_places(city, args.calendar_places, "カレンダー")
        print(
            f"{args.places + args.calendar_places:,} places made in "
            f"{time.perf_counter() - started:.1f} s"
        )

        with scope(municipality=big):
            count = materialize(year_places)
            rows = raw_rows(year_places)
            clear(year_places)
            assert raw_insert(year_places, rows) == count
            print(f"a year ({YEAR[0]}..{YEAR[1]}) for {args.places:,} places: {count:,} sessions")
            app_times, raw_times = [], []
            for _ in range(args.runs):  # taking turns; each run starts from no sessions
                clear(year_places)
                started = time.perf_counter()
                assert materialize(year_places) == count
                app_times.append((time.perf_counter() - started) * 1000)
                clear(year_places)
                started = time.perf_counter()
                raw_insert(year_places, rows)
                raw_times.append((time.perf_counter() - started) * 1000)
            app_ms, raw_ms = statistics.median(app_times), statistics.median(raw_times)

        with scope(municipality=city):
            materialize(calendar_places)
        web = logged_in_client(lead)
        url = (
            reverse("staff:places_calendar", kwargs={"code": city.code})
            + f"?view=month&date={MONTH}-01"
        )
        trivial = reverse("staff:bench_trivial", kwargs={"code": city.code})
        page = web.get(url)
        assert page.status_code == 200, page.status_code
        shown = page.content.decode().count("/places/sessions/")
        assert web.get(trivial).status_code == 200
        month_ms, trivial_ms = median_ms(
            [lambda: web.get(url), lambda: web.get(trivial)], args.runs
        )
        with CaptureQueriesContext(connection) as captured:
            web.get(url)
        queries = len(captured.captured_queries)

    print()
    print(f"median of {args.runs} runs (taking turns); one process; Django test Client")
    table = [
        (f"materialize a year, {args.places:,} places (services)", app_ms),
        (f"raw executemany INSERT of the same {count:,} rows", raw_ms),
        (
            f"calendar month view, {args.calendar_places} places, {shown} sessions, "
            f"{queries} queries",
            month_ms,
        ),
        ("trivial view (same middleware and session)", trivial_ms),
    ]
    print(f"{'what':<72}{'ms':>10}")
    for label, ms in table:
        print(f"{label:<72}{ms:>10.1f}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    verdict = {True: "OK", False: "OVER"}
    ratio = app_ms / raw_ms
    print(
        f"materialize a year of {args.places:,} places / raw insert = {ratio:.2f}x "
        f"(target <= {MAX_MATERIALIZE_RATIO:g}x) {verdict[ratio <= MAX_MATERIALIZE_RATIO]}"
    )
    ratio = month_ms / trivial_ms
    print(
        f"calendar month view of {args.calendar_places} places / trivial view = {ratio:.2f}x "
        f"(target <= {MAX_CALENDAR_RATIO:g}x) {verdict[ratio <= MAX_CALENDAR_RATIO]}"
    )


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with BenchDatabase():
        run(args)


if __name__ == "__main__":
    main()
