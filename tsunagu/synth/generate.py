"""Generate municipalities, persons, families, cases, consultations, places and attendance
in bulk, reproducibly.

Every table is filled by cloning one row that the application's own services wrote (so
encrypted empty values, defaults and columns added later stay right) and varying only the
columns that carry the synthetic data. Rows are streamed in batches: `COPY` on PostgreSQL,
`executemany` on SQLite; memory stays flat whatever the size. The same seed gives the same
data on an empty database.
"""

from __future__ import annotations

import itertools
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock
from functools import lru_cache
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from django_scopes import scopes_disabled

from tsunagu.core.japanese import normalize_for_search
from tsunagu.synth.names import GIVEN_FEMALE, GIVEN_MALE, SURNAMES
from tsunagu.synth.places import CaseOf, Counts, fill_places

TOKYO = ZoneInfo("Asia/Tokyo")
BATCH = 20_000

# Consultations per channel and consulter: roughly the mix of the MHLW deck's desks.
CHANNELS = {
    "phone": 50,
    "walk_in": 25,
    "home_visit": 8,
    "email": 6,
    "letter": 3,
    "agency": 5,
    "web": 2,
    "other": 1,
}
CONSULTERS = {"self": 25, "family": 45, "agency": 12, "community": 8, "other": 5, "anonymous": 5}
# Month of the fiscal year (April first): desks are busiest after the new school and work
# year begins and in autumn, quiet over New Year and at the fiscal year's end.
MONTHS = {4: 11, 5: 10, 6: 10, 7: 9, 8: 7, 9: 9, 10: 10, 11: 9, 12: 6, 1: 6, 2: 7, 3: 6}
# Hour of the day for the desks that keep office hours; e-mail and web arrive at any hour.
OFFICE_HOURS = {9: 14, 10: 16, 11: 14, 12: 5, 13: 12, 14: 14, 15: 13, 16: 10, 17: 2}
OFFICE_CHANNELS = {"phone", "walk_in", "home_visit", "agency", "other"}
STAGES = {
    "encounter": 30,
    "individual": 32,
    "group": 12,
    "trial": 8,
    "participation": 6,
    "closed": 12,
}
# Persons of a support desk: mostly in their 20s to 50s (the 8050 problem), few teenagers.
AGES = {16: 4, 18: 6, 22: 14, 27: 16, 33: 16, 38: 14, 44: 12, 50: 9, 56: 6, 62: 3}
FAMILY_RELATIONS = {"mother": 45, "father": 25, "sibling": 18, "spouse": 4, "grandparent": 3}
DISTRICTS = ["北部", "南部", "東部", "西部", "中央", "駅前", "山間", "沿岸"]


@dataclass
class Plan:
    """How much to generate; persons and consultations are shared out among municipalities."""

    municipalities: int
    persons: int
    consultations: int
    family_members: int | None = None  # default: one for every five persons
    seed: int = 20180401
    first_fiscal_year: int = 2015
    fiscal_years: int = 10
    progress: TextIO | None = field(default=sys.stderr)

    @property
    def families(self) -> int:
        return self.persons // 5 if self.family_members is None else self.family_members


@dataclass
class Result:
    municipality_ids: list[int]
    persons: int = 0
    family_members: int = 0
    cases: int = 0
    consultations: int = 0
    places: int = 0
    sessions: int = 0
    attendance: int = 0
    reservations: int = 0
    seconds: float = 0.0


class Progress:
    """One line per table on a terminal (rewritten in place), else every tenth of the way."""

    def __init__(self, out: TextIO | None, what: str, total: int, unit: str = "rows") -> None:
        self.out, self.what, self.total, self.unit = out, what, total, unit
        self.done, self.started, self.shown = 0, time.perf_counter(), -1
        self.tty = bool(out and out.isatty())

    def add(self, n: int) -> None:
        self.done += n
        if self.out is None:
            return
        tenth = self.done * 10 // max(self.total, 1)
        if self.tty or tenth != self.shown or self.done >= self.total:
            self.shown = tenth
            self._print(end="\r" if self.tty and self.done < self.total else "\n")

    def _print(self, end: str) -> None:
        assert self.out is not None
        seconds = max(time.perf_counter() - self.started, 1e-9)
        width = 30
        filled = width * self.done // max(self.total, 1)
        self.out.write(
            f"{self.what:<14} [{'#' * filled}{'.' * (width - filled)}] "
            f"{self.done:>12,}/{self.total:,} {self.done / seconds:>10,.0f} {self.unit}/s{end}"
        )
        self.out.flush()


def share(total: int, parts: int, rng: random.Random) -> list[int]:
    """`total` shared among `parts` like municipal populations: a few big, many small."""
    if parts == 1:
        return [total]
    weights = [1 / (rank + 1) ** 0.9 for rank in range(parts)]
    rng.shuffle(weights)
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    for index in range(total - sum(shares)):
        shares[index % parts] += 1
    return shares


def weighted(rng: random.Random, table: dict[Any, int], k: int) -> list[Any]:
    return rng.choices(list(table), list(table.values()), k=k)


@lru_cache(maxsize=100_000)
def search_key(text: str) -> str:
    return normalize_for_search(text)


class Names:
    """Draws (name, kana) pairs and their search keys by the weights of names.py."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.surnames = SURNAMES
        self.surname_weights = list(itertools.accumulate(w for _, _, w in SURNAMES))
        self.given = {
            "male": (GIVEN_MALE, list(itertools.accumulate(w for _, _, w in GIVEN_MALE))),
            "female": (GIVEN_FEMALE, list(itertools.accumulate(w for _, _, w in GIVEN_FEMALE))),
        }

    def surname(self) -> tuple[str, str]:
        name, kana, _w = self.rng.choices(self.surnames, cum_weights=self.surname_weights)[0]
        return name, kana

    def given_name(self, gender: str) -> tuple[str, str]:
        names, cumulative = self.given["female" if gender == "female" else "male"]
        name, kana, _w = self.rng.choices(names, cum_weights=cumulative)[0]
        return name, kana


# --- bulk writing --------------------------------------------------------------------------


def _batches(rows: Iterable[Sequence[Any]], size: int = BATCH) -> Iterator[list[Sequence[Any]]]:
    iterator = iter(rows)
    while batch := list(itertools.islice(iterator, size)):
        yield batch


def _text(value: Any) -> str | None:
    """A value as PostgreSQL's COPY text input reads it."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def clone(
    table: str,
    template_pk: int,
    varying: Sequence[str],
    rows: Iterable[Sequence[Any]],
    progress: Progress | None = None,
) -> int:
    """Insert rows like the template row except for the `varying` columns; returns the count."""
    quote = connection.ops.quote_name
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        columns = [
            c.name
            for c in connection.introspection.get_table_description(cursor, table)
            if c.name != "id"
        ]
        selected = ", ".join(f"{quote(c)}::text" if postgres else quote(c) for c in columns)
        # Table and column names come from the code and the schema, never from input.
        cursor.execute(f"SELECT {selected} FROM {table} WHERE id = %s", [template_pk])  # noqa: S608
        template = dict(zip(columns, cursor.fetchone(), strict=True))
    fixed = [c for c in columns if c not in varying]
    order = ", ".join(quote(c) for c in [*varying, *fixed])
    fixed_values = tuple(template[c] for c in fixed)
    count = 0
    with transaction.atomic(), connection.cursor() as cursor:
        for batch in _batches(rows):
            if postgres:
                with cursor.copy(f"COPY {table} ({order}) FROM STDIN") as copy:
                    for row in batch:
                        copy.write_row([*(_text(v) for v in row), *fixed_values])
            else:
                placeholders = ", ".join(["%s"] * (len(varying) + len(fixed)))
                cursor.executemany(
                    f"INSERT INTO {table} ({order}) VALUES ({placeholders})",  # noqa: S608
                    [(*row, *fixed_values) for row in batch],
                )
            count += len(batch)
            if progress is not None:
                progress.add(len(batch))
    return count


def _ids(sql: str, params: Sequence[Any]) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return list(cursor.fetchall())


# --- the data ------------------------------------------------------------------------------


def municipality_code(n: int) -> str:
    """A valid-looking code (with its check digit) outside the ranges real codes use."""
    from tsunagu.tenancy.validators import municipality_check_digit

    first_five = f"{90000 + n:05d}"
    return first_five + str(municipality_check_digit(first_five))


def _templates() -> dict[str, int]:
    """One row of each table written by the services (in a municipality of its own), to clone."""
    from tsunagu.cases.services import case_open
    from tsunagu.consultations.services import consultation_record
    from tsunagu.people.services import family_member_create, person_create
    from tsunagu.places import services as places
    from tsunagu.places.models import ScheduleRule, Session
    from tsunagu.tenancy.models import Municipality

    city = Municipality.objects.create(
        code=municipality_code(9999), name="合成ひな形", prefecture="合成県"
    )
    person = person_create(actor=None, municipality=city, name="テンプレート")
    family = family_member_create(actor=None, person=person, relation="mother", name="テンプレ")
    case = case_open(
        actor=None, person=person, opened_on=date(2015, 4, 1), referral_source="family"
    )
    consultation = consultation_record(
        actor=None,
        municipality=city,
        occurred_at=datetime(2015, 4, 1, 9, 0, tzinfo=TOKYO),
        channel="phone",
        consulter="family",
    )
    place = places.place_create(
        actor=None,
        municipality_id=city.pk,
        name="テンプレート",
        kind="consultation",
        access="reservation",
        capacity=3,
        rules=[places.RuleIn("FREQ=WEEKLY;BYDAY=WE", clock(13, 30), clock(16, 30))],
        starts_on=date(2015, 4, 1),
    )
    places.sessions_ensure(place, date(2015, 4, 30))
    session = Session.objects.filter(place=place).order_by("date").first()
    assert session is not None
    reservation = places.reservation_create(actor=None, session=session, person=person)
    attendance = places.attendance_record(actor=None, session=session, person=person)
    templates = {
        "municipality": city.pk,
        "person": person.pk,
        "family": family.pk,
        "case": case.pk,
        "consultation": consultation.pk,
        "place": place.pk,
        "rule": ScheduleRule.objects.get(place=place).pk,
        "session": session.pk,
        "reservation": reservation.pk,
        "attendance": attendance.pk,
    }
    return templates


# Tables the template rows (and the change history the services wrote) live in, children first.
TEMPLATE_TABLES = [
    "audit_changerecord",
    "places_attendance",
    "places_reservation",
    "places_session",
    "places_schedulerule",
    "places_place",
    "consultations_consultation",
    "cases_stagetransition",
    "cases_caseassignment",
    "cases_case",
    "people_familymember",
    "people_person",
    "people_personnumbercounter",
]


def _drop_templates(templates: dict[str, int]) -> None:
    with connection.cursor() as cursor:
        for table in TEMPLATE_TABLES:
            cursor.execute(
                f"DELETE FROM {table} WHERE municipality_id = %s",  # noqa: S608 (fixed names)
                [templates["municipality"]],
            )
        cursor.execute(
            "DELETE FROM tenancy_municipality WHERE id = %s", [templates["municipality"]]
        )


def generate(plan: Plan) -> Result:
    """Create `plan.municipalities` new municipalities and fill them; returns what was made."""
    from tsunagu.tenancy.models import Municipality

    rng = random.Random(plan.seed)
    # Places draw from a stream of their own: a seed's persons and consultations stay as they
    # were before places were generated.
    places_rng = random.Random(f"{plan.seed}:places")
    started = time.perf_counter()
    with scopes_disabled(), transaction.atomic():
        first = Municipality.objects.filter(prefecture="合成県").count()
        cities = [
            Municipality.objects.create(
                code=municipality_code(first + n),
                name=f"合成市{first + n + 1:04d}",
                prefecture="合成県",
            )
            for n in range(plan.municipalities)
        ]
        templates = _templates()
        result = Result(municipality_ids=[c.pk for c in cities])
        persons = share(plan.persons, len(cities), rng)
        families = share(plan.families, len(cities), rng)
        consultations = share(plan.consultations, len(cities), rng)
        bars = {
            what: Progress(plan.progress, what, total)
            for what, total in (
                ("persons", plan.persons),
                ("family", plan.families),
                ("cases", sum(n // 4 for n in persons)),
                ("consultations", plan.consultations),
            )
        }
        bars["places"] = Progress(plan.progress, "places", len(cities), "towns")
        counts = Counts()
        names = Names(rng)
        for city, n_persons, n_families, n_consultations in zip(
            cities, persons, families, consultations, strict=True
        ):
            _fill(
                city.pk,
                n_persons,
                n_families,
                n_consultations,
                plan,
                rng,
                names,
                templates,
                bars,
                result,
                places_rng,
                counts,
            )
        result.places, result.sessions = counts.places, counts.sessions
        result.attendance, result.reservations = counts.attendance, counts.reservations
        _drop_templates(templates)
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # Outside the transaction: VACUUM moves the GIN indexes' pending entries into the
        # index proper (searches scan the pending list linearly) and ANALYZE gives the planner
        # the new sizes.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    result.seconds = time.perf_counter() - started
    return result


def _fill(
    city_id: int,
    n_persons: int,
    n_families: int,
    n_consultations: int,
    plan: Plan,
    rng: random.Random,
    names: Names,
    templates: dict[str, int],
    bars: dict[str, Progress],
    result: Result,
    places_rng: random.Random,
    counts: Counts,
) -> None:
    start = date(plan.first_fiscal_year, 4, 1)
    days = (date(plan.first_fiscal_year + plan.fiscal_years, 4, 1) - start).days
    surnames: list[tuple[str, str]] = []

    def person_rows() -> Iterator[tuple[Any, ...]]:
        today = start + timedelta(days=days)
        ages = weighted(rng, AGES, n_persons)
        for number in range(1, n_persons + 1):
            gender = "female" if rng.random() < 0.35 else "male"
            surname = names.surname()
            surnames.append(surname)
            given = names.given_name(gender)
            # One in eight is known only by a name heard from the family, without kana.
            name = f"{surname[0]} {given[0]}"
            kana = f"{surname[1]} {given[1]}" if rng.random() > 0.125 else ""
            age = ages[number - 1] + rng.randrange(5)
            born = today - timedelta(days=365 * age + rng.randrange(365))
            known_birth = rng.random() < 0.6
            yield (
                city_id,
                number,
                name,
                kana,
                search_key(name),
                search_key(kana),
                born if known_birth else None,
                "" if known_birth else _age_band(age),
                gender,
                rng.choice(DISTRICTS),
            )

    result.persons += clone(
        "people_person",
        templates["person"],
        [
            "municipality_id",
            "number",
            "name",
            "name_kana",
            "name_key",
            "kana_key",
            "birth_date",
            "age_band",
            "gender",
            "district",
        ],
        person_rows(),
        bars["persons"],
    )
    person_ids = [
        row[0]
        for row in _ids(
            "SELECT id FROM people_person WHERE municipality_id = %s ORDER BY number", [city_id]
        )
    ]

    def family_rows() -> Iterator[tuple[Any, ...]]:
        if not person_ids:
            return
        for _ in range(n_families):
            index = rng.randrange(len(person_ids))
            relation = weighted(rng, FAMILY_RELATIONS, 1)[0]
            surname = surnames[index] if relation != "spouse" else names.surname()
            given = names.given_name("female" if relation == "mother" else "male")
            name, kana = f"{surname[0]} {given[0]}", f"{surname[1]} {given[1]}"
            key = f"{search_key(name)} {search_key(kana)}".strip()
            yield (city_id, person_ids[index], name, kana, key, relation, relation != "sibling")

    result.family_members += clone(
        "people_familymember",
        templates["family"],
        [
            "municipality_id",
            "person_id",
            "name",
            "name_kana",
            "name_key",
            "relation",
            "consults_on_behalf",
        ],
        family_rows(),
        bars["family"],
    )

    with_case = person_ids[: len(person_ids) // 4]
    cases: list[CaseOf] = []

    def case_rows() -> Iterator[tuple[Any, ...]]:
        for person_id in with_case:
            opened = start + timedelta(days=rng.randrange(days))
            stage = weighted(rng, STAGES, 1)[0]
            closed = stage == "closed"
            closed_on = opened + timedelta(days=rng.randrange(60, 900)) if closed else None
            cases.append(CaseOf(person_id, opened, stage, closed_on))
            yield (
                city_id,
                person_id,
                opened,
                stage,
                closed_on,
                "wish" if closed else "",
            )

    result.cases += clone(
        "cases_case",
        templates["case"],
        ["municipality_id", "person_id", "opened_on", "stage", "closed_on", "closure_reason"],
        case_rows(),
        bars["cases"],
    )
    case_of_person = dict(
        _ids("SELECT person_id, id FROM cases_case WHERE municipality_id = %s", [city_id])
    )
    adapt: Callable[[datetime], Any] = connection.ops.adapt_datetimefield_value

    def consultation_rows() -> Iterator[tuple[Any, ...]]:
        months = list(MONTHS)
        month_weights = list(MONTHS.values())
        for batch_start in range(0, n_consultations, BATCH):
            k = min(BATCH, n_consultations - batch_start)
            channels = weighted(rng, CHANNELS, k)
            consulters = weighted(rng, CONSULTERS, k)
            chosen_months = rng.choices(months, month_weights, k=k)
            office_hours = weighted(rng, OFFICE_HOURS, k)
            for index in range(k):
                month = chosen_months[index]
                year = plan.first_fiscal_year + rng.randrange(plan.fiscal_years)
                year += month < 4
                day = rng.randrange(1, 29)
                channel, consulter = channels[index], consulters[index]
                hour = office_hours[index] if channel in OFFICE_CHANNELS else rng.randrange(24)
                moment = datetime(year, month, day, hour, rng.randrange(60), tzinfo=TOKYO)
                # Persons who have a case consult again and again; others once or twice.
                person = None
                if consulter != "anonymous" and person_ids and rng.random() < 0.75:
                    pool = with_case if with_case and rng.random() < 0.7 else person_ids
                    person = pool[int(len(pool) * rng.random() ** 1.5)]
                yield (
                    city_id,
                    adapt(moment.astimezone(UTC)),
                    moment.strftime("%Y-%m"),
                    channel,
                    consulter,
                    person,
                    case_of_person.get(person) if person is not None else None,
                )

    result.consultations += clone(
        "consultations_consultation",
        templates["consultation"],
        [
            "municipality_id",
            "occurred_at",
            "local_month",
            "channel",
            "consulter",
            "person_id",
            "case_id",
        ],
        consultation_rows(),
        bars["consultations"],
    )
    fill_places(
        city_id,
        n_persons,
        cases,
        start,
        start + timedelta(days=days - 1),
        plan.fiscal_years,
        places_rng,
        templates,
        counts,
    )
    bars["places"].add(1)


def _age_band(age: int) -> str:
    from tsunagu.people.codes import age_band_for

    return age_band_for(age)
