"""Benchmark: the statistics API against the same SQL by hand, the case list against a no-op view.

Run from the project directory (not a test; it builds and drops its own database):

    .venv/bin/python bench/stats.py [--scale small|full] [--rows N] [--others N] [--runs N]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres .venv/bin/python bench/stats.py

Without DATABASE_URL it uses SQLite in a temporary directory. With DATABASE_URL it connects
there as an administrator, creates a separate database ``tsunagu_bench_<pid>``, and drops it
at the end: the database named in the URL is never written to.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import statistics
import sys
import tempfile
import time
import types
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TOKYO = ZoneInfo("Asia/Tokyo")
MAIN_CODE = "232297"  # 豊明市: the municipality the figures are asked for
FIRST_FISCAL_YEAR = 2015
FISCAL_YEARS = 10  # the generated rows spread over FY2015..FY2024
MEASURED_FISCAL_YEAR = 2020
CHUNK = 20_000
# rows of the city, other municipalities, rows of each, timed runs
SCALES = {"small": (100_000, 10, 1_000, 21), "full": (1_000_000, 50, 2_000, 15)}

# Roughly the mix of the MHLW deck's desks: mostly phone and walk-in.
CHANNEL_WEIGHTS = {
    "phone": 50,
    "walk_in": 25,
    "home_visit": 8,
    "email": 6,
    "letter": 3,
    "agency": 5,
    "web": 2,
    "other": 1,
}
CONSULTER_WEIGHTS = {
    "self": 25,
    "family": 45,
    "agency": 12,
    "community": 8,
    "other": 5,
    "anonymous": 5,
}


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--scale",
        choices=sorted(SCALES),
        default="full",
        help="small: 100,000 consultations among 10 others (minutes on SQLite); full: 1,000,000",
    )
    parser.add_argument("--rows", type=int, default=None, help="consultations of the city")
    parser.add_argument("--others", type=int, default=None, help="other municipalities")
    parser.add_argument("--other-rows", type=int, default=None, help="consultations of each")
    parser.add_argument("--runs", type=int, default=None, help="timed runs of each (median)")
    parser.add_argument("--seed", type=int, default=20180401)
    args = parser.parse_args()
    for name, value in zip(
        ("rows", "others", "other_rows", "runs"), SCALES[args.scale], strict=True
    ):
        if getattr(args, name) is None:
            setattr(args, name, value)
    return args


# --- the throw-away database -------------------------------------------------------------


def _with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def _pg_admin(url: str, sql: str) -> None:
    import psycopg

    parts = urlsplit(url)
    with psycopg.connect(
        host=parts.hostname or "127.0.0.1",
        port=parts.port or 5432,
        user=parts.username or "postgres",
        password=parts.password,
        dbname=(parts.path or "/postgres").lstrip("/") or "postgres",
        autocommit=True,
    ) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


class BenchDatabase:
    """SQLite in a temporary directory, or a new PostgreSQL database dropped afterwards."""

    def __init__(self) -> None:
        self.tmp = tempfile.mkdtemp(prefix="tsunagu-bench-")
        self.admin_url = os.environ.get("DATABASE_URL", "").strip()
        self.pg_name = f"tsunagu_bench_{os.getpid()}" if self.admin_url else None

    def __enter__(self) -> BenchDatabase:
        os.environ["TSUNAGU_DATA_DIR"] = self.tmp
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        if self.admin_url and self.pg_name:
            _pg_admin(
                self.admin_url,
                f"CREATE DATABASE {self.pg_name} TEMPLATE template0 ENCODING 'UTF8' "
                "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8'",
            )
            os.environ["DATABASE_URL"] = _with_database(self.admin_url, self.pg_name)
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            from django.db import connections

            connections.close_all()
        except Exception:  # cleaning up after a failure as well
            pass
        if self.admin_url and self.pg_name:
            os.environ["DATABASE_URL"] = self.admin_url
            _pg_admin(self.admin_url, f"DROP DATABASE IF EXISTS {self.pg_name} WITH (FORCE)")
        shutil.rmtree(self.tmp, ignore_errors=True)


# --- generation ----------------------------------------------------------------------------


def chunks(rows: Iterable[Sequence[Any]], size: int = CHUNK) -> Iterator[list[Sequence[Any]]]:
    batch: list[Sequence[Any]] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


def clone_rows(
    table: str, template_pk: int, varying: Sequence[str], rows: Iterable[Sequence[Any]]
) -> int:
    """Insert rows like the template row (made through the services) except ``varying``.

    Copying every other column from a row the application wrote keeps the generator right
    when models gain columns (encrypted empty values, defaults) without knowing them here.
    """
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        columns = [
            c.name
            for c in connection.introspection.get_table_description(cursor, table)
            if c.name != "id"
        ]
        quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
        cursor.execute(f"SELECT {quoted} FROM {table} WHERE id = %s", [template_pk])
        template = dict(zip(columns, cursor.fetchone(), strict=True))
    fixed = [c for c in columns if c not in varying]
    order = list(varying) + fixed
    fixed_values = tuple(template[c] for c in fixed)
    sql = (
        f"INSERT INTO {table} ({', '.join(connection.ops.quote_name(c) for c in order)}) "
        f"VALUES ({', '.join(['%s'] * len(order))})"
    )
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for batch in chunks(rows):
            cursor.executemany(sql, [tuple(row) + fixed_values for row in batch])
            count += len(batch)
    return count


def make_code(n: int) -> str:
    from tsunagu.tenancy.validators import municipality_check_digit

    first_five = f"{90000 + n:05d}"
    return first_five + str(municipality_check_digit(first_five))


def consultation_rows(
    rng: random.Random,
    *,
    municipality_id: int,
    count: int,
    person_ids: Sequence[int],
    case_of_person: dict[int, int],
    adapt: Callable[[datetime], Any],
) -> Iterator[tuple[Any, ...]]:
    start = datetime(FIRST_FISCAL_YEAR, 4, 1, tzinfo=TOKYO)
    span = int(
        (datetime(FIRST_FISCAL_YEAR + FISCAL_YEARS, 4, 1, tzinfo=TOKYO) - start).total_seconds()
    )
    channels = rng.choices(list(CHANNEL_WEIGHTS), list(CHANNEL_WEIGHTS.values()), k=count)
    consulters = rng.choices(list(CONSULTER_WEIGHTS), list(CONSULTER_WEIGHTS.values()), k=count)
    for index in range(count):
        # Office hours are not modelled: any second, so the fiscal-year edges get rows too.
        moment = start + timedelta(seconds=rng.randrange(span))
        consulter = consulters[index]
        person = (
            None
            if consulter == "anonymous" or not person_ids or rng.random() < 0.25
            else person_ids[rng.randrange(len(person_ids))]
        )
        yield (
            municipality_id,
            adapt(moment.astimezone(UTC)),
            moment.strftime("%Y-%m"),
            channels[index],
            consulter,
            person,
            case_of_person.get(person) if person is not None else None,
        )


class Dataset(types.SimpleNamespace):
    municipality: Any
    lead: Any
    token: str
    rows: int


def generate(args: argparse.Namespace) -> Dataset:
    from django.db import connection
    from django_scopes import scopes_disabled

    from tsunagu.accounts.models import User
    from tsunagu.accounts.services import api_token_create
    from tsunagu.cases.services import case_open
    from tsunagu.consultations.services import consultation_record
    from tsunagu.people.services import person_create
    from tsunagu.tenancy.codes import OrganizationKind, Role
    from tsunagu.tenancy.models import Membership, Municipality, Organization

    rng = random.Random(args.seed)
    adapt = connection.ops.adapt_datetimefield_value
    with scopes_disabled():
        city = Municipality.objects.create(
            code=MAIN_CODE, name="豊明市", prefecture="愛知県", population=68691
        )
        org = Organization.objects.create(
            municipality=city, name="豊明市社会福祉協議会", kind=OrganizationKind.WELFARE_COUNCIL
        )
        user = User.objects.create_user(username="bench-lead", password=None)
        lead = Membership.objects.create(
            municipality=city, user=user, role=Role.LEAD, organization=org
        )
        token = api_token_create(membership=lead)[1]

        # Persons and cases of the city, cloned from one written by the services.
        persons = max(1_000, args.rows // 50)
        template_person = person_create(actor=None, municipality=city, name="ベンチ 太郎")
        clone_rows(
            "people_person",
            template_person.pk,
            ["number", "name", "name_key"],
            ((n, f"ベンチ {n}", f"べんち {n}") for n in range(2, persons + 1)),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT id FROM people_person WHERE municipality_id = %s ORDER BY number",
                [city.pk],
            )
            person_ids = [row[0] for row in cursor.fetchall()]
        cases = max(200, persons // 4)
        template_case = case_open(
            actor=None,
            person=template_person,
            opened_on=date(2015, 4, 1),
            referral_source="family",
        )
        stages = ["encounter", "individual", "group", "trial", "participation"]
        clone_rows(
            "cases_case",
            template_case.pk,
            ["person_id", "opened_on", "stage"],
            (
                (pid, date(2015, 4, 1) + timedelta(days=rng.randrange(3600)), rng.choice(stages))
                for pid in person_ids[1:cases]
            ),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT person_id, id FROM cases_case WHERE municipality_id = %s", [city.pk]
            )
            case_of_person = dict(cursor.fetchall())

        template = consultation_record(
            actor=None,
            municipality=city,
            occurred_at=datetime(2015, 4, 1, 9, 0, tzinfo=TOKYO),
            channel="phone",
            consulter="family",
        )
        varying = [
            "municipality_id",
            "occurred_at",
            "local_month",
            "channel",
            "consulter",
            "person_id",
            "case_id",
        ]
        started = time.perf_counter()
        count = 1 + clone_rows(
            "consultations_consultation",
            template.pk,
            varying,
            consultation_rows(
                rng,
                municipality_id=city.pk,
                count=args.rows - 1,
                person_ids=person_ids,
                case_of_person=case_of_person,
                adapt=adapt,
            ),
        )
        others = 0
        for n in range(args.others):
            other = Municipality.objects.create(
                code=make_code(n), name=f"ベンチ市{n}", prefecture="愛知県"
            )
            others += clone_rows(
                "consultations_consultation",
                template.pk,
                varying,
                consultation_rows(
                    rng,
                    municipality_id=other.pk,
                    count=args.other_rows,
                    person_ids=[],
                    case_of_person={},
                    adapt=adapt,
                ),
            )
        elapsed = time.perf_counter() - started
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    print(
        f"generated {count:,} consultations of {city.name} ({persons:,} persons, "
        f"{len(case_of_person):,} cases) and {others:,} of {args.others} other municipalities "
        f"in {elapsed:.1f} s"
    )
    return Dataset(municipality=city, lead=lead, token=token, rows=count)


# --- what is timed -------------------------------------------------------------------------


def median_ms(funcs: Sequence[Callable[[], object]], runs: int) -> list[float]:
    """Median wall time of each function, taking turns so that load from elsewhere on the
    machine falls on all of them alike rather than on whichever happened to run then."""
    for func in funcs:
        func()  # warm caches: query plans, templates, the ORM's metadata, the page cache
    times: list[list[float]] = [[] for _ in funcs]
    for _ in range(runs):
        for index, func in enumerate(funcs):
            started = time.perf_counter()
            func()
            times[index].append((time.perf_counter() - started) * 1000)
    return [statistics.median(t) for t in times]


def raw_statistics(municipality_id: int, fiscal_year: int, *, mirror: bool) -> dict:
    """The statistics of one fiscal year by hand, on the same columns as the selector.

    ``mirror``: the selector's own two queries (contacts by month, channel and consulter; every
    実人数 figure in one pass). Otherwise the contract's minimum in three queries: contacts by
    (month, channel), contacts by consulter, COUNT(DISTINCT person) alone.
    """
    from django.db import connection

    from tsunagu.consultations.codes import Channel
    from tsunagu.core.eras import fiscal_year_bounds
    from tsunagu.people.codes import AgeBand, Gender

    lower, upper = fiscal_year_bounds(fiscal_year)
    table = "consultations_consultation"
    where = "municipality_id = %s AND occurred_at >= %s AND occurred_at < %s"
    params = [
        municipality_id,
        connection.ops.adapt_datetimefield_value(lower),
        connection.ops.adapt_datetimefield_value(upper),
    ]
    result: dict[str, Any] = {}
    with connection.cursor() as cursor:
        if mirror:
            # Everything the selector counts: contacts by month, channel, consulter and 主訴;
            # then 実人数 overall, per channel and per reporting group, and the consultations
            # with no person by approximate age and gender.
            cursor.execute(
                "SELECT channels FROM reports_reportinggroup WHERE municipality_id = %s",
                [municipality_id],
            )
            groups = [json.loads(row[0]) if isinstance(row[0], str) else row[0] for row in cursor]
            people = ["COUNT(DISTINCT person_id)"]
            people += [
                f"COUNT(DISTINCT person_id) FILTER (WHERE channel = '{code}')"
                for code in Channel.values
            ]
            for channels in groups:
                listed = ", ".join(f"'{code}'" for code in channels) or "''"
                people.append(f"COUNT(DISTINCT person_id) FILTER (WHERE channel IN ({listed}))")
            people.append("COUNT(id) FILTER (WHERE person_id IS NULL)")
            people += [
                f"COUNT(id) FILTER (WHERE person_id IS NULL AND subject_age_band = '{code}')"
                for code in ["", *AgeBand.values]
            ]
            people += [
                f"COUNT(id) FILTER (WHERE person_id IS NULL AND subject_gender = '{code}')"
                for code in ["", *Gender.values]
            ]
            cursor.execute(
                f"SELECT local_month, channel, consulter, main_concern, COUNT(id) FROM {table} "
                f"WHERE {where} GROUP BY local_month, channel, consulter, main_concern",
                params,
            )
            result["contacts"] = cursor.fetchall()
            cursor.execute(f"SELECT {', '.join(people)} FROM {table} WHERE {where}", params)
            result["people"] = cursor.fetchone()
        else:
            cursor.execute(
                f"SELECT local_month, channel, COUNT(*) FROM {table} "
                f"WHERE {where} GROUP BY local_month, channel",
                params,
            )
            result["contacts"] = cursor.fetchall()
            cursor.execute(
                f"SELECT consulter, COUNT(*) FROM {table} WHERE {where} GROUP BY consulter",
                params,
            )
            result["by_consulter"] = cursor.fetchall()
            cursor.execute(f"SELECT COUNT(DISTINCT person_id) FROM {table} WHERE {where}", params)
            result["people"] = cursor.fetchone()
    return result


def trivial_view(request: Any, code: str) -> Any:
    from django.http import HttpResponse

    return HttpResponse("ok", content_type="text/plain")


def trivial_urlpatterns() -> list[Any]:
    """The project's URLs with a no-op staff view added at `m/<code>/bench-trivial/`
    (`staff:bench_trivial`), behind the same middleware, session and second-factor check.
    Used in-process by `install_urls` and, for `tsunagu serve`, by bench/trivial_urls.py."""
    from django.urls import include, path

    from config import urls as project

    staff = [*project.staff_patterns, path("bench-trivial/", trivial_view, name="bench_trivial")]
    # Only the staff include is replaced: the public pages under p/<code>/ stay, as staff
    # screens (a place, the public page's editor) link to them.
    return [
        path("m/<str:code>/", include((staff, "staff"))) if str(p.pattern) == "m/<str:code>/" else p
        for p in project.urlpatterns
    ]


def install_urls() -> str:
    """The project's URLs plus a no-op staff view, behind the same middleware and session."""
    from django.conf import settings

    module = types.ModuleType("tsunagu_bench_urls")
    module.urlpatterns = trivial_urlpatterns()  # type: ignore[attr-defined]
    sys.modules[module.__name__] = module
    settings.ROOT_URLCONF = module.__name__
    return module.__name__


def logged_in_client(lead: Any) -> Any:
    from django.test import Client

    client = Client()
    client.force_login(lead.user)
    try:  # pass the second-factor check as a real session would after logging in
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

        from tsunagu.accounts.mfa import mark_enrolled_session

        TOTP.activate(lead.user, generate_totp_secret())
        session = client.session
        mark_enrolled_session(session)
        session.save()
    except ImportError:
        pass
    return client


ACCESS_LOG_TABLES = ("audit_accesslogentry", "audit_accesslogobject")


def access_log_bytes() -> int:
    """Bytes the access log's tables and their indexes take on disk now."""
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT SUM(pg_total_relation_size(c)) FROM unnest(%s::regclass[]) AS c",
                [list(ACCESS_LOG_TABLES)],
            )
        else:
            cursor.execute(
                "SELECT SUM(pgsize) FROM dbstat WHERE name IN (SELECT name FROM sqlite_master"
                f" WHERE tbl_name IN {ACCESS_LOG_TABLES!r})"
            )
        return int(cursor.fetchone()[0] or 0)


def access_log_bytes_per_view(view: Callable[[], object], views: int = 200) -> float:
    """How much the access log grows per view, over `views` views (pages fill gradually)."""
    before = access_log_bytes()
    for _ in range(views):
        view()
    return (access_log_bytes() - before) / views


def run(args: argparse.Namespace) -> None:
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import NoReverseMatch, reverse

    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "testserver"]
    vendor = connection.vendor
    version = (
        connection.cursor().connection.info.server_version
        if vendor == "postgresql"
        else __import__("sqlite3").sqlite_version
    )
    print(f"database: {vendor} {version}; python {sys.version.split()[0]}; {os.cpu_count()} CPUs")
    print(f"load average at start: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    print(f"migrated in {time.perf_counter() - started:.1f} s")
    data = generate(args)
    install_urls()

    code = data.municipality.code
    api = Client(headers={"Authorization": f"Bearer {data.token}"})
    url = f"/api/v1/m/{code}/stats/consultations?fiscal_year={MEASURED_FISCAL_YEAR}"
    response = api.get(url)
    assert response.status_code == 200, response.content[:500]
    body = response.json()
    raw = raw_statistics(data.municipality.pk, MEASURED_FISCAL_YEAR, mirror=True)
    assert body["total"] == sum(row[-1] for row in raw["contacts"]), "API and SQL disagree"
    assert body["people"] == raw["people"][0], "API and SQL disagree on 実人数"
    print(
        f"FY{MEASURED_FISCAL_YEAR}: {body['total']:,} consultations, {body['people']:,} people "
        f"(API and hand-written SQL agree)"
    )

    runs = args.runs
    pk = data.municipality.pk
    api_ms, raw_ms, raw_min_ms = median_ms(
        [
            lambda: api.get(url),
            lambda: raw_statistics(pk, MEASURED_FISCAL_YEAR, mirror=True),
            lambda: raw_statistics(pk, MEASURED_FISCAL_YEAR, mirror=False),
        ],
        runs,
    )

    web = logged_in_client(data.lead)
    try:
        list_name = "staff:case_list"
        list_url = reverse(list_name, kwargs={"code": code})
    except NoReverseMatch:
        list_name = "staff:consultation_list"
        list_url = reverse(list_name, kwargs={"code": code})
        print("staff:case_list does not exist: timing staff:consultation_list instead")
    trivial_url = reverse("staff:bench_trivial", kwargs={"code": code})
    for page in (list_url, trivial_url):
        status = web.get(page).status_code
        assert status == 200, f"{page} answered {status}"
    list_ms, trivial_ms = median_ms([lambda: web.get(list_url), lambda: web.get(trivial_url)], runs)
    log_bytes = access_log_bytes_per_view(lambda: web.get(list_url))
    queries = {}
    for name, page in (("api", url), ("list", list_url), ("trivial", trivial_url)):
        with CaptureQueriesContext(connection) as captured:
            (api if name == "api" else web).get(page)
        queries[name] = len(captured.captured_queries)

    rows = [
        (
            f"statistics API, FY{MEASURED_FISCAL_YEAR} (fiscal_year={MEASURED_FISCAL_YEAR})",
            api_ms,
            queries["api"],
        ),
        ("same aggregation in raw SQL (the selector's 2 queries)", raw_ms, 2),
        ("contract minimum in raw SQL (3 queries, people total only)", raw_min_ms, 3),
        (f"{list_name} (lead, first page of 50)", list_ms, queries["list"]),
        ("trivial view (same middleware and session)", trivial_ms, queries["trivial"]),
    ]
    print()
    print(f"median of {runs} runs (taking turns) after a warm-up; one process; Django test Client")
    print(f"{'what':<62}{'ms':>9}{'queries':>9}")
    for label, ms, count in rows:
        print(f"{label:<62}{ms:>9.1f}{count:>9}")
    print(f"load average at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print()
    stats_ratio, list_ratio = api_ms / raw_ms, list_ms / trivial_ms
    verdict = {True: "OK", False: "OVER"}
    print(
        f"statistics API / same SQL by hand = {stats_ratio:.2f}x (target <= 1.5x) "
        f"{verdict[stats_ratio <= 1.5]}"
    )
    print(f"(for reference: statistics API / contract minimum SQL is {api_ms / raw_min_ms:.2f})")
    print(
        f"{list_name} / trivial view = {list_ratio:.2f}x (target <= 3x) {verdict[list_ratio <= 3]}"
    )
    print(
        f"(access log written per view of the list: {log_bytes / 1024:.1f} KiB, the entry and "
        "its object rows with their indexes)"
    )


def main() -> None:
    args = parse_args()
    # Ctrl-C or kill: still drop the bench database and the temporary directory.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    with BenchDatabase():
        run(args)


if __name__ == "__main__":
    main()
