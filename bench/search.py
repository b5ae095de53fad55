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
- direct SQL: the same result by hand, the best way the indexes allow (`direct_sql`): the
  first page ranked the same way, from the newest 50 of each indexed branch, names containing
  the key only when exact and prefix matches do not fill the page, and a count capped the
  same way, branch by branch.
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


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def direct_sql(municipality_id: int, query: str) -> tuple[list[Any], int]:
    """The same result by hand, the best way the indexes allow: the first page ranked like
    the screen's (exact, prefix, inside; newest first) and a count capped the same way.

    Like the application, it reads exact and prefix matches first (newest `PAGE` of each
    branch, from the btree pattern indexes) and names containing the key (GIN) only when
    those do not fill the page, a short key among the newest WINDOW persons first; the count
    takes the number and prefixes (up to the cap + 1 each), then branch by branch.
    """
    from django.db import connection

    from tsunagu.core.japanese import normalize_for_search
    from tsunagu.core.paging import COUNT_CAP
    from tsunagu.people.selectors import SHORT_KEY, WINDOW, _as_number

    key = normalize_for_search(query)
    live = "FROM people_person WHERE municipality_id = %s AND merged_into_id IS NULL"
    like = "{0} LIKE %s ESCAPE '\\'"
    if len(key) <= SHORT_KEY and connection.vendor == "postgresql":
        # as the app writes it: the LIKE kept off the trigram index (no trigram in the key)
        inside = "tsunagu_short_grams({0}) @> ARRAY[%s]::text[] AND ({0}::text || '') LIKE %s"
        inside += " ESCAPE '\\'"
        inside_params: list[Any] = [key, f"%{_like(key)}%"]
    else:
        inside, inside_params = like, [f"%{_like(key)}%"]
    m = municipality_id
    number = _as_number(query)
    # (rank, SQL of the ids and numbers, parameters)
    exact = [
        (0, f"SELECT id, number {live} AND name_key = %s", [m, key]),
        (0, f"SELECT id, number {live} AND kana_key = %s", [m, key]),
    ]
    if number is not None:
        exact.append((0, f"SELECT id, number {live} AND number = %s", [m, number]))
    prefix = [
        (1, f"SELECT id, number {live} AND {like.format(c)}", [m, f"{_like(key)}%"])
        for c in ("name_key", "kana_key")
    ]
    family = (
        f"SELECT id, number {live} AND id IN (SELECT person_id FROM people_familymember "
        f"WHERE municipality_id = %s AND {inside.format('name_key')})"
    )
    rest = [
        (2, f"SELECT id, number {live} AND {inside.format(c)}", [m, *inside_params])
        for c in ("name_key", "kana_key")
    ] + [(2, family, [m, m, *inside_params])]

    columns = "p.id, p.number, p.name, p.name_kana, p.birth_date, p.district"

    def page(branches: list[tuple[int, str, list[Any]]]) -> list[Any]:
        parts = [
            f"SELECT id, number, {rank} AS r FROM ({sql} ORDER BY number DESC LIMIT {PAGE}) b{i}"
            for i, (rank, sql, _) in enumerate(branches)
        ]
        cursor.execute(
            f"SELECT {columns} FROM (SELECT id, min(r) AS r, max(number) AS n "
            f"FROM ({' UNION ALL '.join(parts)}) hits GROUP BY id ORDER BY r, n DESC "
            f"LIMIT {PAGE}) t JOIN people_person p ON p.id = t.id ORDER BY t.r, t.n DESC",
            [param for _, _, params in branches for param in params],
        )
        return cursor.fetchall()

    def newest(branches: list[tuple[str, list[Any]]]) -> list[list[tuple[int, int]]]:
        """(id, number) of the newest PAGE of each branch, one statement."""
        parts = [
            f"SELECT id, number, {i} AS branch FROM ({sql} ORDER BY number DESC LIMIT {PAGE}) b"
            for i, (sql, _) in enumerate(branches)
        ]
        cursor.execute(
            " UNION ALL ".join(parts), [param for _, params in branches for param in params]
        )
        found: list[list[tuple[int, int]]] = [[] for _ in branches]
        for pk, n, branch in cursor.fetchall():
            found[branch].append((pk, n))
        return found

    def inside() -> list[list[tuple[int, int]]]:
        """Names inside, a short key first among the newest WINDOW persons (as the app)."""
        names = [(sql, params) for _, sql, params in rest[:2]]
        family = [(sql, params) for _, sql, params in rest[2:]]
        if len(key) > SHORT_KEY:
            return newest(names + family)
        cursor.execute(f"SELECT max(number) {live}", [m])
        top = cursor.fetchone()[0] or 0
        window = [(f"{sql} AND number > %s", [*params, top - WINDOW]) for sql, params in names]
        found = newest(window + family)
        short = [i for i in range(len(names)) if len(found[i]) < PAGE]
        if short and top > WINDOW:
            for i, rows in zip(short, newest([names[i] for i in short]), strict=True):
                found[i] = rows
        return found

    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            return _one_scan(cursor, key, number, municipality_id)
        rows = page(exact + prefix)
        if len(rows) < PAGE:  # every exact and prefix match is in rows: add names inside
            seen = {row[0] for row in rows}
            more = sorted({hit for hits in inside() for hit in hits if hit[0] not in seen})
            ids = [pk for pk, _ in sorted(more, key=lambda hit: -hit[1])][: PAGE - len(rows)]
            if ids:
                cursor.execute(
                    f"SELECT {columns} FROM people_person p WHERE p.id = ANY(%s) "
                    "ORDER BY p.number DESC",
                    [ids],
                )
                rows += cursor.fetchall()
        # Exact names are among the prefix matches, and those among the matches inside.
        counted = [*exact[2:], *prefix]
        cursor.execute(
            "SELECT count(DISTINCT id) FROM ("
            + " UNION ALL ".join(
                f"SELECT id FROM ({sql} LIMIT {COUNT_CAP + 1}) b{i}"
                for i, (_, sql, _) in enumerate(counted)
            )
            + ") c",
            [param for _, _, params in counted for param in params],
        )
        count = cursor.fetchone()[0]
        if count <= COUNT_CAP:
            found: set[int] = set()
            for _, sql, params in [*counted, *rest]:
                cursor.execute(f"{sql} LIMIT {COUNT_CAP + 1}", params)
                found.update(row[0] for row in cursor.fetchall())
                if len(found) > COUNT_CAP:
                    break
            count = len(found)
    return rows, min(count, COUNT_CAP + 1)


def _one_scan(cursor: Any, key: str, number: int | None, m: int) -> tuple[list[Any], int]:
    """SQLite: no index serves LIKE '%key%', so one scan for the page and one for the count
    beat one per branch (as the application does there)."""
    from tsunagu.core.paging import COUNT_CAP

    like = "LIKE %s ESCAPE '\\'"
    anywhere = (
        f"p.name_key {like} OR p.kana_key {like} OR p.id IN (SELECT person_id FROM "
        f"people_familymember WHERE municipality_id = %s AND name_key {like})"
    )
    inside = f"%{_like(key)}%"
    params: list[Any] = [inside, inside, m, inside]
    exact, exact_params = "p.name_key = %s OR p.kana_key = %s", [key, key]
    if number is not None:
        anywhere += " OR p.number = %s"
        params.append(number)
        exact += " OR p.number = %s"
        exact_params.append(number)
    matches = (
        f"FROM people_person p WHERE p.municipality_id = %s AND p.merged_into_id IS NULL "
        f"AND ({anywhere})"
    )
    cursor.execute(
        "SELECT p.id, p.number, p.name, p.name_kana, p.birth_date, p.district "
        f"{matches} ORDER BY CASE WHEN {exact} THEN 0 "
        f"WHEN p.name_key {like} OR p.kana_key {like} THEN 1 ELSE 2 END, p.number DESC "
        f"LIMIT {PAGE}",
        [m, *params, *exact_params, f"{_like(key)}%", f"{_like(key)}%"],
    )
    rows = cursor.fetchall()
    cursor.execute(
        f"SELECT count(*) FROM (SELECT 1 {matches} LIMIT {COUNT_CAP + 1}) c", [m, *params]
    )
    return rows, cursor.fetchone()[0]


def app_search(lead: Any, query: str) -> tuple[list[Any], int, bool]:
    """What the persons screen asks for: the first page and the capped count."""
    from tsunagu.core.paging import CappedPaginator
    from tsunagu.people.selectors import PERSON_LIST_FIELDS, person_search

    rows = person_search(viewer=lead, query=query).only(*PERSON_LIST_FIELDS)
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
            # Same result: the capped counts agree, and so does the first page, in order.
            assert min(direct_count, 1000) == count, (query, direct_count, count)
            assert [p.pk for p in page] == [r[0] for r in rows], query
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
