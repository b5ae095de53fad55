"""Benchmark: the person search (first page + capped count) against direct SQL on the same keys.

Run from the project directory (not a test; it builds and drops its own database):

    .venv/bin/python bench/search.py [--scale small|full] [--runs N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres \
        .venv/bin/python bench/search.py --scale full

Without DATABASE_URL it uses SQLite in a temporary directory. With DATABASE_URL it creates a
separate database ``tsunagu_bench_<pid>`` through that admin connection and drops it at the
end. full: 1,000,000 persons in one city with 200,000 family members on PostgreSQL (100,000
persons on SQLite), among 20 other municipalities; small: 20,000 persons.

What is timed, taking turns after a warm-up, for each key (1- and 2-character surnames, a
rare surname, a full name, kana, half-width kana, a family member's given name, a number):

- the application: `person_search` for a lead, its first page of 50 and the capped count,
  exactly as the persons screen asks for them (visibility policy, ranking, cap included);
- direct SQL: the UNION of the same three indexed conditions by hand, ordered by number,
  its first 50 rows and a count capped the same way.
"""

from __future__ import annotations

import argparse
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

PAGE = 50
SCALES = {
    # (persons of the city, family members, other municipalities, their persons in total)
    "small": (20_000, 4_000, 5, 2_000),
    "full": (1_000_000, 200_000, 20, 100_000),
}
SQLITE_FULL_PERSONS = 100_000
RATIO_TARGET = 1.5
P95_TARGET_MS = 50.0


def keys(city_persons: int) -> list[tuple[str, str]]:
    return [
        ("佐藤", "2-character surname, the most common"),
        ("林", "1-character surname"),
        ("東海林", "rare 3-character surname"),
        ("佐藤健太", "full name"),
        ("さとう", "kana"),
        ("ｻﾄｳ ｹﾝﾀ", "half-width kana with a space"),
        ("花子", "given name (persons and family members)"),
        ("髙橋", "variant kanji"),
        (str(city_persons // 2), "a person number"),
    ]


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="small")
    parser.add_argument("--runs", type=int, default=None, help="timed runs per key")
    parser.add_argument("--seed", type=int, default=20180401)
    parser.add_argument(
        "--existing",
        action="store_true",
        help="time a database already filled by `tsunagu synth` (DATABASE_URL, its biggest "
        "municipality) instead of generating one; adds a bench lead there",
    )
    return parser.parse_args()


def direct_sql(municipality_id: int, query: str) -> tuple[list[Any], int]:
    """The same matches by hand: first page by number, and a count capped like the screen's."""
    from django.db import connection

    from tsunagu.core.japanese import normalize_for_search
    from tsunagu.people.selectors import SEARCH_CAP, SHORT_KEY, _as_number

    key = normalize_for_search(query)
    if len(key) <= SHORT_KEY and connection.vendor == "postgresql":
        condition, value = "tsunagu_short_grams({}) @> ARRAY[%s]::text[]", key
    else:
        condition, value = "{} LIKE %s", "%" + key + "%"
    branches = [
        f"SELECT id FROM people_person WHERE municipality_id = %s AND {condition.format(c)}"
        for c in ("name_key", "kana_key")
    ]
    branches.append(
        "SELECT person_id FROM people_familymember "
        f"WHERE municipality_id = %s AND {condition.format('name_key')}"
    )
    params: list[Any] = [municipality_id, value] * 3
    number = _as_number(query)
    if number is not None:
        branches.append("SELECT id FROM people_person WHERE municipality_id = %s AND number = %s")
        params += [municipality_id, number]
    matches = " UNION ".join(branches)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT p.id, p.number, p.name, p.name_kana, p.birth_date, p.district "
            f"FROM people_person p WHERE p.id IN ({matches}) ORDER BY p.number DESC LIMIT {PAGE}",
            params,
        )
        rows = cursor.fetchall()
        cursor.execute(
            f"SELECT count(*) FROM (SELECT 1 FROM ({matches}) m LIMIT {SEARCH_CAP + 1}) c", params
        )
        count = cursor.fetchone()[0]
    return rows, count


def app_search(lead: Any, query: str) -> tuple[list[Any], int, bool]:
    """What the persons screen asks for: the first page and the capped count."""
    from tsunagu.people.models import ENCRYPTED_PERSON_FIELDS
    from tsunagu.people.selectors import CappedPaginator, person_search

    rows = person_search(viewer=lead, query=query).defer(*ENCRYPTED_PERSON_FIELDS)
    pager = CappedPaginator(rows, PAGE)
    page = list(pager.page(1).object_list) if pager.count else []
    return page, pager.count, pager.more


def timings(func: Any, runs: int) -> list[float]:
    result = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        result.append((time.perf_counter() - started) * 1000)
    return result


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django_scopes import scopes_disabled

    from tsunagu.synth.generate import Plan, generate
    from tsunagu.tenancy.models import Municipality

    city_persons, families, others, other_persons = SCALES[args.scale]
    if args.scale == "full" and connection.vendor != "postgresql":
        city_persons, families = SQLITE_FULL_PERSONS, SQLITE_FULL_PERSONS // 5
    runs = args.runs or (30 if args.scale == "full" else 15)
    vendor = connection.vendor
    version = (
        connection.cursor().connection.info.server_version
        if vendor == "postgresql"
        else __import__("sqlite3").sqlite_version
    )
    print(f"database: {vendor} {version}; python {sys.version.split()[0]}; {os.cpu_count()} CPUs")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if args.existing:
        measure(*existing_city(), runs)
        return
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    city_result = generate(
        Plan(
            municipalities=1,
            persons=city_persons,
            consultations=0,
            family_members=families,
            seed=args.seed,
            progress=None,
        )
    )
    generate(
        Plan(
            municipalities=others,
            persons=other_persons,
            consultations=0,
            seed=args.seed + 1,
            progress=None,
        )
    )
    print(
        f"generated {city_persons:,} persons and {families:,} family members in one city, "
        f"{other_persons:,} persons in {others} others, in {time.perf_counter() - started:.1f} s"
    )
    with scopes_disabled():
        city = Municipality.objects.get(pk=city_result.municipality_ids[0])
    measure(city, bench_lead(city), city_persons, runs)


def bench_lead(city: Any) -> Any:
    from django_scopes import scopes_disabled

    from tsunagu.accounts.models import User
    from tsunagu.tenancy.codes import OrganizationKind, Role
    from tsunagu.tenancy.models import Membership, Organization

    with scopes_disabled():
        org, _ = Organization.objects.get_or_create(
            municipality=city, name="ベンチ協議会", kind=OrganizationKind.WELFARE_COUNCIL
        )
        user, _ = User.objects.get_or_create(username=f"bench-lead-{city.code}")
        lead, _ = Membership.objects.get_or_create(
            municipality=city, user=user, defaults={"role": Role.LEAD, "organization": org}
        )
    return lead


def existing_city() -> tuple[Any, Any, int]:
    """The municipality with the most persons in the database DATABASE_URL names."""
    from django.db.models import Count
    from django_scopes import scopes_disabled

    from tsunagu.people.models import Person
    from tsunagu.tenancy.models import Municipality

    with scopes_disabled():
        biggest = (
            Person.objects.values("municipality_id").annotate(n=Count("id")).order_by("-n").first()
        )
        assert biggest is not None, "no persons: fill the database with `tsunagu synth`"
        city = Municipality.objects.get(pk=biggest["municipality_id"])
        persons = biggest["n"]
    print(f"existing database: {city.name} with {persons:,} persons")
    return city, bench_lead(city), persons


def measure(city: Any, lead: Any, city_persons: int, runs: int) -> None:
    from django_scopes import scopes_disabled

    print()
    print(f"median and p95 of {runs} runs per key, taking turns after a warm-up; one process")
    header = f"{'key':<12}{'what':<42}{'matches':>9}{'app ms':>9}{'p95':>8}{'SQL ms':>9}{'p95':>8}"
    print(header)
    verdicts = []
    worst_p95 = 0.0
    with scopes_disabled():
        for query, what in keys(city_persons):
            page, count, more = app_search(lead, query)
            rows, direct_count = direct_sql(city.pk, query)
            # Same matches: the capped counts agree, and so do the sets of a page when the
            # matches fit on one page (the order differs by design: the app ranks them).
            assert min(direct_count, 1000) == count, (query, direct_count, count)
            if direct_count <= PAGE:
                assert {p.pk for p in page} == {r[0] for r in rows}, query
            app_times: list[float] = []
            sql_times: list[float] = []
            for _ in range(runs):
                app_times += timings(lambda q=query: app_search(lead, q), 1)
                sql_times += timings(lambda q=query: direct_sql(city.pk, q), 1)
            app_ms, sql_ms = statistics.median(app_times), statistics.median(sql_times)
            worst_p95 = max(worst_p95, p95(app_times))
            shown = f"{count:,}{'+' if more else ''}"
            print(
                f"{query:<12}{what:<42}{shown:>9}{app_ms:>9.1f}{p95(app_times):>8.1f}"
                f"{sql_ms:>9.1f}{p95(sql_times):>8.1f}"
            )
            verdicts.append((f"search {query} / direct SQL", app_ms / sql_ms))
    print()
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for label, ratio in verdicts:
        verdict = "OK" if ratio <= RATIO_TARGET else "OVER"
        print(f"{label} = {ratio:.2f}x (target <= {RATIO_TARGET}x) {verdict}")
    ratio = worst_p95 / P95_TARGET_MS
    print(
        f"worst search p95 / {P95_TARGET_MS:.0f} ms = {ratio:.2f}x (target <= 1x) "
        f"{'OK' if ratio <= 1 else 'OVER'}"
    )


def main() -> None:
    args = parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.existing:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        run(args)
        return
    with BenchDatabase():
        run(args)


if __name__ == "__main__":
    main()
