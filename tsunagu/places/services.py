"""Writes of places: places and their rules, sessions, reservations and attendance.

Sessions are rows made from the rules for a rolling window (`WINDOW_DAYS` ahead) and further
whenever a later period is asked for. A rule is never edited in place: a change ends the old
rule yesterday and starts a new one today, so a past session never changes.
"""

import hashlib
import secrets
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.constants import OnConflict
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.audit.services import Seen
from tsunagu.core import schedules
from tsunagu.core.models import TenantModel
from tsunagu.people.models import Person
from tsunagu.places.codes import Access, PlaceKind, ReservationStatus, SessionStatus
from tsunagu.places.models import (
    Attendance,
    Booking,
    CalendarFeed,
    Place,
    Reservation,
    ScheduleRule,
    Session,
)
from tsunagu.policy import record_seen
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import BOOKED_CASES_ONLY, has_permission

WINDOW_DAYS = 120
ROLL_BATCH = 500  # places made up to date in one transaction by the rolling window
_FIRST_YEAR, _LAST_YEAR = 1873, 2999


class Full(Exception):
    """The session has no free seat (満席)."""


class NotBookable(Exception):
    """The place takes no reservations, or the session is cancelled or over."""


class SlotTaken(Exception):
    """The consultation slot is booked already."""


@dataclass(frozen=True)
class RuleIn:
    rrule: str
    start: time
    end: time
    holidays: str = schedules.SKIP


def _check_date(field: str, value: date) -> None:
    if not _FIRST_YEAR <= value.year <= _LAST_YEAR:
        raise ValidationError({field: _("Enter a date between 1873 and 2999.")})


def _validate_rules(rules: Sequence[RuleIn]) -> None:
    errors: dict[str, str] = {}
    for i, rule in enumerate(rules):
        problems = schedules.validate(
            schedules.Schedule(rule.rrule, rule.start, rule.end, rule.holidays)
        )
        for field, message in problems.items():
            errors[f"schedules.{i}.{field}"] = message
    if errors:
        raise ValidationError(errors)


def _validate_place(place: Place) -> None:
    if place.kind not in PlaceKind.values:
        raise ValidationError({"kind": _("Choose a kind from the list.")})
    if place.access not in Access.values:
        raise ValidationError({"access": _("Choose free or reservation.")})
    if place.capacity is not None and place.capacity < 1:
        raise ValidationError({"capacity": _("The capacity must be at least 1, or empty.")})
    if not place.name.strip():
        raise ValidationError({"name": _("Enter a name.")})
    if not 10 <= place.slot_minutes <= 240:
        raise ValidationError({"slot_minutes": _("Enter 10 to 240 minutes.")})
    for i, day in enumerate(place.closed_dates):
        try:
            _check_date(f"closed_dates.{i}", date.fromisoformat(day))
        except ValueError as exc:
            raise ValidationError({f"closed_dates.{i}": _("Enter a date.")}) from exc


@transaction.atomic
def place_create(
    *,
    actor: Membership | None,
    municipality_id: int,
    name: str,
    kind: str,
    access: str = Access.FREE,
    capacity: int | None = None,
    public: bool = False,
    organization: str = "",
    address: str = "",
    activities: str = "",
    slot_minutes: int = 60,
    closed_dates: Sequence[date] = (),
    rules: Sequence[RuleIn] = (),
    staff: Sequence[Membership] = (),
    starts_on: date | None = None,
) -> Place:
    """A place with its rules in force from `starts_on` (today unless given)."""
    _validate_rules(rules)
    starts_on = starts_on or timezone.localdate()
    _check_date("starts_on", starts_on)
    place = Place(
        municipality_id=municipality_id,
        name=name,
        kind=kind,
        access=access,
        capacity=capacity,
        public=public,
        organization=organization,
        address=address,
        activities=activities,
        slot_minutes=slot_minutes,
        closed_dates=sorted({d.isoformat() for d in closed_dates}),
    )
    _validate_place(place)
    place.save()
    if staff:
        place.staff.set(staff)
    for rule in rules:
        _rule_add(place, rule, starts_on)
    return place


def _rule_add(place: Place, rule: RuleIn, starts_on: date) -> ScheduleRule:
    return ScheduleRule.objects.create(
        municipality_id=place.municipality_id,
        place=place,
        rrule=rule.rrule.strip(),
        start=rule.start,
        end=rule.end,
        holidays=rule.holidays,
        starts_on=starts_on,
    )


def rules_in_force(place: Place, *, today: date | None = None) -> list[ScheduleRule]:
    today = today or timezone.localdate()
    return list(
        place.rules.filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today)).order_by("start", "pk")
    )


def _same(rule: ScheduleRule, new: RuleIn) -> bool:
    return (rule.rrule, rule.start, rule.end, rule.holidays) == (
        new.rrule.strip(),
        new.start,
        new.end,
        new.holidays,
    )


def _untouched() -> Q:
    """Sessions nobody booked or attended: safe to remove when their rule no longer gives them."""
    return ~Q(Exists(Reservation.objects.filter(session=OuterRef("pk")))) & ~Q(
        Exists(Attendance.objects.filter(session=OuterRef("pk")))
    )


def _withdraw(sessions: QuerySet[Session], reason: str) -> None:
    """Remove future sessions no longer given; cancel (with `reason`) those already booked."""
    sessions.filter(_untouched()).delete()
    sessions.exclude(status=SessionStatus.CANCELLED).update(
        status=SessionStatus.CANCELLED, reason=reason
    )


@transaction.atomic
def place_update(
    *,
    actor: Membership | None,
    place: Place,
    rules: Sequence[RuleIn] | None = None,
    closed_dates: Sequence[date] | None = None,
    today: date | None = None,
    **fields: object,
) -> Place:
    """Change a place; new rules and closed dates apply from today on, never to past sessions."""
    today = today or timezone.localdate()
    place = Place.objects.select_for_update().get(pk=place.pk)
    for name, value in fields.items():
        if name not in {
            "name",
            "kind",
            "access",
            "capacity",
            "public",
            "organization",
            "address",
            "activities",
            "slot_minutes",
        }:
            raise TypeError(name)
        setattr(place, name, value)
    if closed_dates is not None:
        place.closed_dates = sorted({d.isoformat() for d in closed_dates})
    _validate_place(place)
    place.save()
    future = Session.objects.filter(place=place, date__gte=today, rule__isnull=False)
    if rules is not None:
        _validate_rules(rules)
        current = rules_in_force(place, today=today)
        keep: list[ScheduleRule] = []
        wanted = list(rules)
        for rule in current:
            match = next((w for w in wanted if _same(rule, w)), None)
            if match is not None:
                wanted.remove(match)
                keep.append(rule)
        for rule in current:
            if rule in keep:
                continue
            _withdraw(future.filter(rule=rule), _("The schedule changed."))
            if rule.starts_on >= today:
                rule.delete()
            else:
                rule.ends_on = today - timedelta(days=1)
                rule.save(update_fields=["ends_on"])
        for new in wanted:
            _rule_add(place, new, today)
    if closed_dates is not None:
        closed = [d for d in place.closed if d >= today]
        _withdraw(future.filter(origin_date__in=closed), _("Closed on this day."))
    if place.sessions_until is not None and place.sessions_until >= today:
        _materialize(place, today, place.sessions_until)
    return place


# A session row as it is inserted when a rule gives it.
SessionRow = tuple[int, int, int, date, date, time, time]
_ROW_FIELDS = ("municipality", "place", "rule", "origin_date", "date", "start", "end")


def _session_rows(
    place: Place, rules: Sequence[ScheduleRule], first: date, last: date
) -> list[SessionRow]:
    """The sessions `rules` give `place` from `first` to `last` (each rule parsed once)."""
    closed = place.closed
    return [
        (place.municipality_id, place.pk, rule.pk, occ.date, occ.date, occ.start, occ.end)
        for rule in rules
        for occ in schedules.occurrences([rule.as_schedule()], first, last, closed_dates=closed)
    ]


def _insert(rows: list[SessionRow]) -> None:
    """Insert the rows in one statement run for all of them, leaving out any occurrence the
    unique (rule, origin_date) already holds (also when two requests race). Plain values, not
    model instances: building and compiling an instance per row cost several times the insert
    itself (bench/places.py)."""
    if not rows:
        return
    ops = connection.ops
    meta = Session._meta
    by_name = {f.name: f for f in meta.concrete_fields}
    fields = [by_name[name] for name in (*_ROW_FIELDS, "status", "reason", "supporters_present")]
    columns = ", ".join(ops.quote_name(f.attname) for f in fields)  # no db_column here
    ignore = OnConflict.IGNORE
    sql = (
        f"{ops.insert_statement(on_conflict=ignore)} {ops.quote_name(meta.db_table)} "
        f"({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "
        f"{ops.on_conflict_suffix_sql(fields, ignore, None, None)}"
    )
    day, clock = ops.adapt_datefield_value, ops.adapt_timefield_value
    with connection.cursor() as cursor:
        cursor.executemany(
            sql,
            [
                (m, p, r, day(o), day(d), clock(s), clock(e), SessionStatus.SCHEDULED.value, "", 0)
                for m, p, r, o, d, s, e in rows
            ],
        )


def _materialize(place: Place, first: date, last: date) -> None:
    _insert(_session_rows(place, list(place.rules.all()), first, last))


def sessions_ensure(place: Place, until: date) -> None:
    """Make the sessions of `place` up to `until` exist (idempotent)."""
    sessions_ensure_many([place], until)


def sessions_ensure_many(places: Sequence[Place], until: date) -> None:
    """Make the sessions of every place of `places` up to `until` exist (idempotent), in one
    transaction: the places still short of `until` are locked together, their rules read in
    one query, and every missing row is inserted at once."""
    short = [p for p in places if p.sessions_until is None or p.sessions_until < until]
    if not short:
        return
    municipalities = {p.municipality_id for p in short}
    with transaction.atomic():
        locked = list(
            Place.objects.select_for_update()
            .filter(municipality_id__in=municipalities, pk__in=[p.pk for p in short])
            .filter(Q(sessions_until__isnull=True) | Q(sessions_until__lt=until))
            .order_by("pk")
        )
        rules: dict[int, list[ScheduleRule]] = defaultdict(list)
        for rule in ScheduleRule.objects.filter(
            municipality_id__in=municipalities, place__in=[p.pk for p in locked]
        ):
            rules[rule.place_id].append(rule)
        rows: list[SessionRow] = []
        for place in locked:
            if not rules[place.pk]:
                continue
            done = place.sessions_until
            first = (
                min(r.starts_on for r in rules[place.pk])
                if done is None
                else done + timedelta(days=1)
            )
            rows += _session_rows(place, rules[place.pk], first, until)
        _insert(rows)
        Place.objects.filter(
            municipality_id__in=municipalities, pk__in=[p.pk for p in locked]
        ).update(sessions_until=until)
    for place in short:
        place.sessions_until = until


def sessions_roll(*, today: date | None = None, days: int = WINDOW_DAYS) -> int:
    """Extend every place's sessions to `days` ahead (the nightly rolling window), many places
    to a transaction."""
    until = (today or timezone.localdate()) + timedelta(days=days)
    places = list(
        Place.objects.filter(Q(sessions_until__isnull=True) | Q(sessions_until__lt=until))
        .only("pk", "municipality_id", "sessions_until")
        .order_by("pk")
    )
    for i in range(0, len(places), ROLL_BATCH):
        sessions_ensure_many(places[i : i + ROLL_BATCH], until)
    return len(places)


@transaction.atomic
def session_cancel(*, actor: Membership | None, session: Session, reason: str) -> Session:
    if not reason.strip():
        raise ValidationError({"reason": _("Enter the reason.")})
    session.status = SessionStatus.CANCELLED
    session.reason = reason.strip()
    session.save(update_fields=["status", "reason"])
    return session


@transaction.atomic
def session_move(
    *,
    actor: Membership | None,
    session: Session,
    date: date,
    start: time,
    end: time,
    reason: str,
) -> Session:
    """Hold the session on another day or at another time; reservations move with it."""
    if not reason.strip():
        raise ValidationError({"reason": _("Enter the reason.")})
    _check_date("date", date)
    if end <= start:
        raise ValidationError({"end": _("The end must be after the start.")})
    session.date, session.start, session.end = date, start, end
    session.reason = reason.strip()
    session.save(update_fields=["date", "start", "end", "reason"])
    return session


@transaction.atomic
def session_add(
    *, actor: Membership | None, place: Place, date: date, start: time, end: time
) -> Session:
    """A session outside the rules (an extra day)."""
    _check_date("date", date)
    if end <= start:
        raise ValidationError({"end": _("The end must be after the start.")})
    return Session.objects.create(
        municipality_id=place.municipality_id, place=place, date=date, start=start, end=end
    )


def seats_taken(session: Session) -> int:
    return Reservation.objects.filter(session=session, status=ReservationStatus.RESERVED).count()


def reservation_create(
    *,
    actor: Membership | None,
    session: Session,
    person: Person,
    wait: bool = False,
    basis: str = "role",
) -> Reservation:
    """Reserve a seat for `person`; `Full` when none is left (or join the waiting list when
    `wait`). The session row is locked while seats are counted, so of two requests for the
    last seat exactly one wins."""
    if person.municipality_id != session.municipality_id:
        raise ValueError("person of another municipality")
    with transaction.atomic():
        locked = (
            Session.objects.select_for_update(of=("self",))
            .select_related("place")
            .get(pk=session.pk)
        )
        place = locked.place
        if place is None or place.access != Access.RESERVATION:
            raise NotBookable(_("This place takes no reservations."))
        if locked.is_cancelled:
            raise NotBookable(_("This session is cancelled."))
        existing = (
            Reservation.objects.filter(session=locked, person=person)
            .exclude(status=ReservationStatus.CANCELLED)
            .first()
        )
        if existing is not None:
            return existing
        status = ReservationStatus.RESERVED
        if place.capacity is not None and seats_taken(locked) >= place.capacity:
            if not wait:
                raise Full(_("This session is full (満席)."))
            status = ReservationStatus.WAITING
        try:
            with transaction.atomic():
                reservation = Reservation.objects.create(
                    municipality_id=locked.municipality_id,
                    session=locked,
                    person=person,
                    status=status,
                    created_by=actor,
                )
        except IntegrityError:
            # The same person booked by a parallel request: that booking stands.
            return Reservation.objects.filter(session=locked, person=person).exclude(
                status=ReservationStatus.CANCELLED
            )[0]
    if actor is not None:
        record_seen(actor, [Seen("person", person.pk, basis)], action="create")
    return reservation


@transaction.atomic
def reservation_cancel(*, actor: Membership | None, reservation: Reservation) -> Reservation | None:
    """Cancel; a freed seat goes to the first on the waiting list, who is returned."""
    session = (
        Session.objects.select_for_update(of=("self",))
        .select_related("place")
        .get(pk=reservation.session_id)
    )
    held_seat = reservation.status == ReservationStatus.RESERVED
    reservation.status = ReservationStatus.CANCELLED
    reservation.save(update_fields=["status"])
    if not held_seat:
        return None
    capacity = session.place.capacity if session.place else None
    if capacity is not None and seats_taken(session) >= capacity:
        return None
    first = (
        Reservation.objects.filter(session=session, status=ReservationStatus.WAITING)
        .order_by("created_at", "pk")
        .first()
    )
    if first is not None:
        first.status = ReservationStatus.RESERVED
        first.save(update_fields=["status"])
    return first


def slots(session: Session) -> list[tuple[time, time]]:
    """The bookable slots of a consultation day: `slot_minutes` each from the session's start
    (none for other places)."""
    place = session.place
    if place is None or place.kind != PlaceKind.CONSULTATION:
        return []
    step = timedelta(minutes=place.slot_minutes)
    at = datetime.combine(session.date, session.start)
    end = datetime.combine(session.date, session.end)
    found = []
    while at + step <= end:
        found.append((at.time(), (at + step).time()))
        at += step
    return found


def booking_create(
    *,
    actor: Membership | None,
    session: Session,
    start: time,
    case: TenantModel,
    professional: Membership,
    basis: str = "role",
) -> Booking:
    """Book the slot of a consultation day that starts at `start` for `case` with a visiting
    professional. `SlotTaken` when it is booked already: the database keeps one booking per
    slot, so of two requests for it exactly one wins."""
    if case.municipality_id != session.municipality_id:
        raise ValueError("case of another municipality")
    if session.place is None or session.place.kind != PlaceKind.CONSULTATION:
        raise NotBookable(_("This is not a consultation day."))
    if session.is_cancelled:
        raise NotBookable(_("This session is cancelled."))
    slot = next((s for s in slots(session) if s[0] == start), None)
    if slot is None:
        raise ValidationError({"start": _("Choose a slot within the consultation day.")})
    if not (
        professional.municipality_id == session.municipality_id
        and has_permission(professional, BOOKED_CASES_ONLY)
    ):
        raise ValidationError({"professional_id": _("Choose a visiting professional.")})
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                municipality_id=session.municipality_id,
                session=session,
                start=slot[0],
                end=slot[1],
                case_id=case.pk,
                professional=professional,
                created_by=actor,
            )
    except IntegrityError as exc:
        raise SlotTaken(_("This slot is booked already.")) from exc
    if actor is not None:
        record_seen(actor, [Seen("case", case.pk, basis)], action="create")
    return booking


def booking_cancel(*, actor: Membership | None, booking: Booking) -> Booking:
    """Cancel a booking: the slot is free again and the professional no longer sees the case."""
    if booking.cancelled_at is None:
        booking.cancelled_at = timezone.now()
        booking.save(update_fields=["cancelled_at"])
    return booking


def _first_visit(place_id: int | None, person: Person, session: Session) -> bool:
    earlier = Attendance.objects.filter(person=person).exclude(session=session)
    if place_id is not None:
        earlier = earlier.filter(session__place_id=place_id)
    return not earlier.filter(session__date__lte=session.date).exists()


@transaction.atomic
def attendance_record(
    *,
    actor: Membership | None,
    session: Session,
    person: Person | None = None,
    anonymous: int | None = None,
    basis: str = "role",
) -> Attendance:
    """One named person present (again: the same row), or an anonymous head count."""
    if (person is None) == (anonymous is None):
        raise ValueError("give a person or an anonymous count")
    if session.is_cancelled:
        raise ValidationError({"session": _("This session is cancelled.")})
    if anonymous is not None:
        if anonymous < 1:
            raise ValidationError({"anonymous": _("Enter at least 1.")})
        return Attendance.objects.create(
            municipality_id=session.municipality_id,
            session=session,
            count=anonymous,
            recorded_by=actor,
        )
    assert person is not None
    if person.municipality_id != session.municipality_id:
        raise ValueError("person of another municipality")
    attendance, _created = Attendance.objects.get_or_create(
        session=session,
        person=person,
        defaults={
            "municipality_id": session.municipality_id,
            "recorded_by": actor,
            "first_visit": _first_visit(session.place_id, person, session),
        },
    )
    if actor is not None:
        record_seen(actor, [Seen("person", person.pk, basis)], action="create")
    return attendance


@transaction.atomic
def attendance_remove(*, actor: Membership | None, attendance: Attendance) -> None:
    """Undo a tap made by mistake."""
    attendance.delete()


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feed_create(*, member: Membership) -> str:
    """A new secret for the member's own calendar feed (an older one stops working)."""
    token = secrets.token_urlsafe(32)
    CalendarFeed.objects.filter(membership=member).delete()
    CalendarFeed.objects.create(
        municipality_id=member.municipality_id, membership=member, token_digest=_digest(token)
    )
    return token


def feed_revoke(*, member: Membership) -> bool:
    return CalendarFeed.objects.filter(membership=member).delete()[0] > 0


def feed_member(token: str) -> Membership | None:
    """The active member whose feed `token` opens, or None."""
    if not 20 <= len(token) <= 100:
        return None
    feed = (
        CalendarFeed.objects.filter(token_digest=_digest(token))
        .select_related("membership__municipality", "membership__user")
        .first()
    )
    if feed is None or not (feed.membership.is_active and feed.membership.user.is_active):
        return None
    return feed.membership
