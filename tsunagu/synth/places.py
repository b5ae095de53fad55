"""Places of a synthetic municipality, their sessions over the fiscal years, and attendance.

Each municipality gets the small set a support desk runs (the MHLW deck's examples, and the
demo's cities): one 居場所 (drop-in, weekly; two or three in the big cities, on more days), a
相談日 (consultation day by reservation, twice a month), a 家族のつどい (monthly family
meeting) from a few hundred persons up, and a 就労体験 (work experience, weekly, by
reservation) in the big ones. Sessions are the ones the places app itself materializes from
the rules (`tsunagu.places.services._session_rows`, holidays and the year-end closure left
out); a few are cancelled (typhoons, training days, and every session during the 2020 state
of emergency), and drop-ins are staffed by up to three supporters.

Attendance is people with a case who have reached group support: each regular comes for a
stretch of three months to two years after their case opened, on a share of the sessions, so
a drop-in sees a few of them each time plus an anonymous head count (a handful to a dozen in
all); consultation days are booked (a reservation each) by up to three persons with an open
case, most of whom come. The first visit of a person to a place is marked as the app marks it.

Its own random stream (from the plan's seed), so the persons and consultations of a seed are
the same as before places were generated.
"""

from __future__ import annotations

import bisect
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db import connection

TOKYO = ZoneInfo("Asia/Tokyo")
WEEKDAYS = ("MO", "TU", "WE", "TH", "FR")
DROP_IN_NAMES = ("ひだまり", "ほっとスペース", "こもれび")
DROP_IN_ADDRESSES = (
    "総合福祉センター 和室",
    "市民活動センター 会議室",
    "商店街の空き店舗",
    "公民館 集会室",
    "市内の空き家",
)
DROP_IN_HOURS = ((time(10), time(15)), (time(13), time(16)), (time(10), time(16)))
OPERATORS = ("社会福祉協議会", "NPO法人 つなぐ会", "地域若者サポートステーション")
# Stages of a case whose person has come to group support (集団的支援) at some point.
GROUP_STAGES = frozenset({"group", "trial", "participation", "closed"})
WORK_STAGES = frozenset({"trial", "participation"})
# Persons booked on a consultation day (capacity 3).
BOOKINGS = {0: 10, 1: 30, 2: 35, 3: 25}
SUPPORTERS = {0: 30, 1: 40, 2: 22, 3: 8}
CANCELLED = ("台風の接近のため休止", "職員研修のため休止", "大雪のため休止", "会場の都合により休止")
EMERGENCY = (date(2020, 4, 7), date(2020, 5, 25), "緊急事態宣言のため休止")


@dataclass(frozen=True)
class PlaceSpec:
    name: str
    kind: str
    rules: tuple[tuple[str, time, time], ...]
    opened: date
    access: str = "free"
    capacity: int | None = None
    public: bool = True
    organization: str = ""
    address: str = ""
    activities: str = ""
    slot_minutes: int = 60
    visitors: tuple[int, int] = (0, 0)  # anonymous head count per session, inclusive
    regulars: int = 0  # named persons coming at a time (their stretches overlapping)
    supporters: bool = False


@dataclass(frozen=True)
class CaseOf:
    person_id: int
    opened: date
    stage: str
    closed: date | None


@dataclass
class Counts:
    places: int = 0
    sessions: int = 0
    attendance: int = 0
    reservations: int = 0


def specs(n_persons: int, start: date, days: int, rng: random.Random) -> list[PlaceSpec]:
    """The places of a municipality of `n_persons` persons, opened within the period."""

    def opened(within_days: int) -> date:
        return start + timedelta(days=rng.randrange(max(1, min(days, within_days))))

    places: list[PlaceSpec] = []
    n_days = 1 if n_persons < 1_000 else 2 if n_persons < 5_000 else 3
    for name in DROP_IN_NAMES[: 1 + min(2, n_persons // 10_000)]:
        weekdays = sorted(rng.sample(range(5), n_days))
        begin, end = rng.choice(DROP_IN_HOURS)
        places.append(
            PlaceSpec(
                f"居場所「{name}」",
                "person",
                (("FREQ=WEEKLY;BYDAY=" + ",".join(WEEKDAYS[d] for d in weekdays), begin, end),),
                opened(3 * 365),
                organization=rng.choice(OPERATORS),
                address=rng.choice(DROP_IN_ADDRESSES),
                activities="お茶会、ボードゲーム、読書、季節の行事（予約不要）",
                visitors=(0, 3 if n_persons < 1_000 else 5),
                regulars=rng.randint(3, 8),
                supporters=True,
            )
        )
    nths = sorted(rng.sample(range(1, 5), 2))
    weekday = rng.choice(WEEKDAYS)
    places.append(
        PlaceSpec(
            "専門職相談日",
            "consultation",
            (
                (
                    f"FREQ=MONTHLY;BYDAY={nths[0]}{weekday},{nths[1]}{weekday}",
                    time(13, 30),
                    time(16, 30),
                ),
            ),
            opened(365),
            access="reservation",
            capacity=3,
            public=False,
            organization="協力医療機関（精神科医・臨床心理士）",
            address="市役所 相談室",
            activities="医師・心理士による個別相談（予約制）",
        )
    )
    if n_persons >= 300:
        places.append(
            PlaceSpec(
                "家族のつどい",
                "family",
                ((f"FREQ=MONTHLY;BYDAY=1{rng.choice(WEEKDAYS)}", time(13, 30), time(15)),),
                opened(5 * 365),
                organization="社会福祉協議会",
                address="総合福祉センター 会議室",
                activities="家族どうしの語り合い、学習会",
                visitors=(2, 8),
            )
        )
    if n_persons >= 3_000:
        places.append(
            PlaceSpec(
                "就労体験「はたらく場」",
                "work",
                ((f"FREQ=WEEKLY;BYDAY={rng.choice(WEEKDAYS)}", time(10), time(15)),),
                opened(5 * 365),
                access="reservation",
                capacity=6,
                organization="地域若者サポートステーション",
                address="協力事業所",
                activities="農作業、清掃、販売の就労体験",
                regulars=rng.randint(2, 4),
            )
        )
    return places


@dataclass
class Regular:
    person_id: int
    first: date
    last: date
    chance: float


def _regulars(
    cases: list[CaseOf], target: int, years: int, place_opened: date, rng: random.Random
) -> list[Regular]:
    """About `target` persons coming at any time: stretches of 3–24 months (≈1.1 years)."""
    wanted = min(len(cases), round(target * years / 1.1))
    found = []
    for case in rng.sample(cases, wanted):
        first = max(case.opened + timedelta(days=rng.randint(30, 365)), place_opened)
        last = first + timedelta(days=rng.randint(90, 730))
        if case.closed is not None:
            last = min(last, case.closed)
        if first <= last:
            found.append(Regular(case.person_id, first, last, rng.uniform(0.3, 0.9)))
    return found


def fill_places(
    city_id: int,
    n_persons: int,
    cases: list[CaseOf],
    start: date,
    end: date,
    years: int,
    rng: random.Random,
    templates: dict[str, int],
    counts: Counts,
) -> None:
    """Write the places of one municipality, their sessions from `start` to `end` and who came."""
    from tsunagu.places.models import ScheduleRule
    from tsunagu.places.services import _session_rows
    from tsunagu.synth.generate import _ids, clone

    ops = connection.ops
    day, clock, moment = (
        ops.adapt_datefield_value,
        ops.adapt_timefield_value,
        ops.adapt_datetimefield_value,
    )

    def at(on: date, hour: time) -> Any:
        return moment(datetime.combine(on, hour, tzinfo=TOKYO).astimezone(UTC))

    places = specs(n_persons, start, (end - start).days + 1, rng)
    counts.places += clone(
        "places_place",
        templates["place"],
        [
            "municipality_id",
            "name",
            "kind",
            "access",
            "capacity",
            "public",
            "organization",
            "address",
            "activities",
            "slot_minutes",
            "sessions_until",
            "created_at",
        ],
        [
            (
                city_id,
                p.name,
                p.kind,
                p.access,
                p.capacity,
                p.public,
                p.organization,
                p.address,
                p.activities,
                p.slot_minutes,
                day(end),
                at(p.opened, time(9)),
            )
            for p in places
        ],
    )
    place_ids = dict(
        _ids("SELECT name, id FROM places_place WHERE municipality_id = %s", [city_id])
    )
    clone(
        "places_schedulerule",
        templates["rule"],
        ["municipality_id", "place_id", "rrule", "start", "end", "starts_on"],
        [
            (city_id, place_ids[p.name], rrule, clock(begin), clock(finish), day(p.opened))
            for p in places
            for rrule, begin, finish in p.rules
        ],
    )
    rules = list(
        ScheduleRule.objects.filter(municipality_id=city_id).select_related("place").order_by("pk")
    )

    # The sessions the app would materialize, a few of them cancelled.
    held: dict[str, list[tuple[int, date, time, time]]] = {p.name: [] for p in places}
    session_rows = []
    supported = {p.name for p in places if p.supporters}
    for rule in rules:
        for _m, place_id, rule_id, origin, on, begin, finish in _session_rows(
            rule.place, [rule], rule.starts_on, end
        ):
            status, reason = "scheduled", ""
            if EMERGENCY[0] <= on <= EMERGENCY[1]:
                status, reason = "cancelled", EMERGENCY[2]
            elif rng.random() < 0.012:
                status, reason = "cancelled", rng.choice(CANCELLED)
            supporters = 0
            if rule.place.name in supported and status == "scheduled":
                supporters = rng.choices(list(SUPPORTERS), list(SUPPORTERS.values()))[0]
            session_rows.append(
                (
                    city_id,
                    place_id,
                    rule_id,
                    day(origin),
                    day(on),
                    clock(begin),
                    clock(finish),
                    status,
                    reason,
                    supporters,
                )
            )
            if status == "scheduled":
                held[rule.place.name].append((rule_id, on, begin, finish))
    counts.sessions += clone(
        "places_session",
        templates["session"],
        [
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
        ],
        session_rows,
    )
    session_ids = {
        (rule_id, str(origin)): pk
        for pk, rule_id, origin in _ids(
            "SELECT id, rule_id, origin_date FROM places_session WHERE municipality_id = %s",
            [city_id],
        )
    }

    by_opening = sorted(cases, key=lambda c: (c.opened, c.person_id))
    openings = [c.opened for c in by_opening]
    in_groups = [c for c in cases if c.stage in GROUP_STAGES]
    at_work = [c for c in cases if c.stage in WORK_STAGES]
    rng.shuffle(in_groups)
    reservations: list[tuple[Any, ...]] = []

    def attendance_rows() -> Iterator[tuple[Any, ...]]:
        # The drop-ins share the persons in group support out: each has its own regulars.
        share = len(in_groups) // max(1, sum(p.kind == "person" for p in places))
        taken = 0
        for place in places:
            sessions = sorted(held[place.name], key=lambda s: (s[1], s[2]))
            if place.kind == "consultation":
                regulars: list[Regular] = []
            elif place.kind == "work":
                regulars = _regulars(at_work, place.regulars, years, place.opened, rng)
            else:
                pool = in_groups[taken : taken + share]
                taken += share
                regulars = _regulars(pool, place.regulars, years, place.opened, rng)
            seen: set[int] = set()
            for rule_id, on, _begin, finish in sessions:
                session_id = session_ids[(rule_id, str(day(on)))]
                recorded = at(on, finish)
                if place.kind == "consultation":
                    came = []
                    for person_id in _booked(by_opening, openings, on, rng):
                        booked = on - timedelta(days=rng.randint(3, 21))
                        reservations.append(
                            (city_id, session_id, person_id, "reserved", at(booked, time(10)))
                        )
                        if rng.random() < 0.88:
                            came.append(person_id)
                else:
                    came = [
                        r.person_id
                        for r in regulars
                        if r.first <= on <= r.last and rng.random() < r.chance
                    ]
                    if place.capacity is not None:
                        came = came[: place.capacity]
                    if place.access == "reservation":
                        booked = on - timedelta(days=rng.randint(1, 14))
                        reservations.extend(
                            (city_id, session_id, person_id, "reserved", at(booked, time(10)))
                            for person_id in came
                        )
                for person_id in came:
                    yield (city_id, session_id, person_id, 1, person_id not in seen, recorded)
                    seen.add(person_id)
                anonymous = rng.randint(*place.visitors)
                if anonymous:
                    yield (city_id, session_id, None, anonymous, False, recorded)

    counts.attendance += clone(
        "places_attendance",
        templates["attendance"],
        ["municipality_id", "session_id", "person_id", "count", "first_visit", "recorded_at"],
        attendance_rows(),
    )
    counts.reservations += clone(
        "places_reservation",
        templates["reservation"],
        ["municipality_id", "session_id", "person_id", "status", "created_at"],
        reservations,
    )


def _booked(
    by_opening: list[CaseOf], openings: list[date], on: date, rng: random.Random
) -> list[int]:
    """Up to three distinct persons whose case is open on `on`."""
    opened = bisect.bisect_right(openings, on)
    if not opened:
        return []
    wanted = rng.choices(list(BOOKINGS), list(BOOKINGS.values()))[0]
    found: list[int] = []
    for _try in range(wanted * 4):
        if len(found) == wanted:
            break
        case = by_opening[rng.randrange(opened)]
        if (case.closed is None or case.closed >= on) and case.person_id not in found:
            found.append(case.person_id)
    return found
