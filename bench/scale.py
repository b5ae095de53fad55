"""Benchmark on a database filled by `tsunagu synth`: statistics and search per municipality, sizes.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<synth db> .venv/bin/python bench/scale.py

It reads the database DATABASE_URL names (adding one bench lead and API token to each
municipality it times) and prints, for the biggest, the median and the smallest municipality:
the statistics API for one fiscal year against the same SQL by hand, and the person search
against direct SQL; then the bytes each person and consultation takes with its indexes, which
docs/scale.md multiplies out to the national size. --scale small|full only sets the runs.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.search import app_search, bench_lead, direct_sql, timings  # noqa: E402
from bench.stats import median_ms, raw_statistics  # noqa: E402

FISCAL_YEAR = 2020
SEARCH_KEYS = ["佐藤", "林", "さとう", "ｻﾄｳ ｹﾝﾀ"]
TABLES = {
    "person": ("people_person", "people_familymember"),
    "consultation": ("consultations_consultation",),
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", choices=["small", "full"], default="full")
    return parser.parse_args()


def chosen_municipalities() -> list[tuple[Any, int, int]]:
    """(municipality, persons, consultations): the biggest, the median, the smallest."""
    from django.db import connection

    from tsunagu.tenancy.models import Municipality

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT m.id, (SELECT count(*) FROM people_person p WHERE p.municipality_id = m.id),"
            " (SELECT count(*) FROM consultations_consultation c WHERE c.municipality_id = m.id)"
            " FROM tenancy_municipality m ORDER BY 3 DESC, 1"
        )
        rows = [r for r in cursor.fetchall() if r[2] > 0]
    print(f"{len(rows)} municipalities with consultations")
    picks = [rows[0], rows[len(rows) // 2], rows[-1]]
    return [(Municipality.objects.get(pk=pk), p, c) for pk, p, c in picks]


def sizes() -> dict[str, tuple[int, int]]:
    """(rows, bytes with indexes and TOAST) per kind, on PostgreSQL."""
    from django.db import connection

    result = {}
    with connection.cursor() as cursor:
        for kind, tables in TABLES.items():
            total_rows = total_bytes = 0
            for table in tables:
                cursor.execute(f"SELECT count(*), pg_total_relation_size('{table}') FROM {table}")
                n, size = cursor.fetchone()
                total_bytes += size
                if table == tables[0]:
                    total_rows = n
            result[kind] = (total_rows, total_bytes)
    return result


def main() -> None:
    args = parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django_scopes import scopes_disabled

    from tsunagu.accounts.services import api_token_create

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    runs = 9 if args.scale == "full" else 3
    print(f"database: {connection.vendor}; {os.cpu_count()} CPUs")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    verdicts = []
    with scopes_disabled():
        picks = chosen_municipalities()
        print()
        print(
            f"{'municipality':<14}{'persons':>10}{'consult.':>11}  {'what':<42}{'ms':>8}{'SQL':>8}"
        )
        for city, persons, consultations in picks:
            lead = bench_lead(city)
            token = api_token_create(membership=lead)[1]
            api = Client(headers={"Authorization": f"Bearer {token}"})
            url = f"/api/v1/m/{city.code}/stats/consultations?fiscal_year={FISCAL_YEAR}"
            assert api.get(url).status_code == 200
            api_ms, raw_ms = median_ms(
                [
                    lambda url=url, api=api: api.get(url),
                    lambda pk=city.pk: raw_statistics(pk, FISCAL_YEAR, mirror=True),
                ],
                runs,
            )
            print(
                f"{city.name:<14}{persons:>10,}{consultations:>11,}  "
                f"{'statistics API FY' + str(FISCAL_YEAR):<42}{api_ms:>8.1f}{raw_ms:>8.1f}"
            )
            verdicts.append(
                (f"{city.name} statistics API / same SQL by hand", api_ms / raw_ms, 1.5)
            )
            for key in SEARCH_KEYS:
                app_search(lead, key)
                direct_sql(city.pk, key)
                app = statistics.median(timings(lambda k=key, lead=lead: app_search(lead, k), runs))
                sql = statistics.median(timings(lambda k=key, pk=city.pk: direct_sql(pk, k), runs))
                print(f"{'':<35}{'search ' + key:<42}{app:>8.1f}{sql:>8.1f}")
                verdicts.append((f"{city.name} search {key} / direct SQL", app / sql, 1.5))
    if connection.vendor == "postgresql":
        print()
        for kind, (rows, size) in sizes().items():
            per_row = size / max(rows, 1)
            mib = size / 2**20
            print(f"{kind}: {rows:,} rows, {mib:,.0f} MiB with indexes, {per_row:,.0f} B per row")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    for label, ratio, target in verdicts:
        verdict = "OK" if ratio <= target else "OVER"
        print(f"{label} = {ratio:.2f}x (target <= {target}x) {verdict}")


if __name__ == "__main__":
    main()
