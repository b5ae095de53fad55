"""Reads of places: visible places, sessions of a period, attendees by name, statistics."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone

from tsunagu.people.models import Person
from tsunagu.places import services
from tsunagu.places.codes import ReservationStatus, SessionStatus
from tsunagu.places.models import Attendance, Booking, Place, Reservation, Session
from tsunagu.policy import shown, visible, visible_through
from tsunagu.policy.places import show_booked_cases
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import BOOKED_CASES_ONLY, roles_with


def place_list(member: Membership) -> QuerySet[Place]:
    return visible(member, Place).prefetch_related("rules")


def sessions_between(place: Place, first: date, last: date) -> QuerySet[Session]:
    """Sessions of `place` from `first` to `last` inclusive, made first when not yet there."""
    services.sessions_ensure(place, last)
    return Session.objects.filter(place=place, date__gte=first, date__lte=last).order_by(
        "date", "start", "pk"
    )


def municipality_sessions(member: Membership, first: date, last: date) -> QuerySet[Session]:
    """Sessions of every place the member sees, for the calendar of the municipality."""
    places = list(visible(member, Place))
    services.sessions_ensure_many(places, last)
    return (
        Session.objects.filter(place__in=places, date__gte=first, date__lte=last)
        .select_related("place")
        .order_by("date", "start", "pk")
    )


@dataclass
class Attendee:
    person: Person | None
    reserved: Reservation | None
    attended: Attendance | None
    waiting: bool = False


def session_people(member: Membership, session: Session) -> list[Attendee]:
    """Who booked or came, by name as far as the member may see them (logged as shown)."""
    reservations = list(
        Reservation.objects.filter(session=session)
        .exclude(status=ReservationStatus.CANCELLED)
        .order_by("created_at", "pk")
    )
    attended = list(Attendance.objects.filter(session=session, person__isnull=False))
    ids = {r.person_id for r in reservations} | {a.person_id for a in attended if a.person_id}
    persons = {p.pk: p for p in visible(member, Person).filter(pk__in=ids)}
    shown(member, Person, list(persons.values()))
    by_person: dict[int, Attendee] = {}
    for r in reservations:
        if r.person_id in persons:
            by_person[r.person_id] = Attendee(
                persons[r.person_id], r, None, r.status == ReservationStatus.WAITING
            )
    for a in attended:
        if a.person_id in persons:
            row = by_person.setdefault(a.person_id, Attendee(persons[a.person_id], None, None))
            row.attended = a
    return sorted(by_person.values(), key=lambda r: (r.waiting, r.person.pk if r.person else 0))


def anonymous_count(session: Session) -> int:
    total = Attendance.objects.filter(session=session, person__isnull=True).aggregate(
        n=Sum("count")
    )["n"]
    return int(total or 0)


def named_count(session: Session) -> int:
    return Attendance.objects.filter(session=session, person__isnull=False).count()


@dataclass
class PlaceFigures:
    id: int
    name: str
    sessions: int = 0
    visits: int = 0
    people: int = 0
    new_people: int = 0


def place_statistics(*, municipality_id: int, start: date, end: date) -> list[PlaceFigures]:
    """Per place: sessions held, 延べ visits (anonymous included), 実人数, new people.

    Counts only, never names: committee members see these.
    """
    figures = {
        pk: PlaceFigures(pk, name)
        for pk, name in Place.objects.filter(municipality_id=municipality_id)
        .order_by("name", "pk")
        .values_list("pk", "name")
    }
    held = (
        Session.objects.filter(
            municipality_id=municipality_id,
            place__isnull=False,
            date__gte=start,
            date__lte=end,
            status=SessionStatus.SCHEDULED,
        )
        .filter(Q(attendance__isnull=False) | Q(date__lte=timezone.localdate()))
        .values("place_id")
        .annotate(n=Count("pk", distinct=True))
    )
    for place_id, n in held.values_list("place_id", "n"):
        figures[place_id].sessions = n
    in_period = Attendance.objects.filter(
        municipality_id=municipality_id,
        session__place__isnull=False,
        session__date__gte=start,
        session__date__lte=end,
    )
    by_place = in_period.values("session__place_id").annotate(
        visits=Sum("count"), people=Count("person", distinct=True)
    )
    for place_id, visits, people in by_place.values_list("session__place_id", "visits", "people"):
        figures[place_id].visits, figures[place_id].people = int(visits or 0), people
    firsts = (
        Attendance.objects.filter(
            municipality_id=municipality_id, session__place__isnull=False, person__isnull=False
        )
        .values("session__place_id", "person_id")
        .annotate(first=Min("session__date"))
    )
    new: dict[int, int] = defaultdict(int)
    for place_id, _person, first in firsts.values_list("session__place_id", "person_id", "first"):
        if start <= first <= end:
            new[place_id] += 1
    for pk, n in new.items():
        figures[pk].new_people = n
    return list(figures.values())


@dataclass
class CalendarEntry:
    """One line of a calendar: a place's session, or a programme's (第n回). Plain values,
    read without a model instance per session (a month holds hundreds)."""

    session_id: int
    start: str  # "HH:MM"
    end: str
    cancelled: bool
    label: str
    programme_id: int | None = None
    number: int | None = None
    url: str = ""


def calendar_entries(
    member: Membership, first: date, last: date, *, place: Place | None = None
) -> dict[date, list[CalendarEntry]]:
    """By day, every session the member sees from `first` to `last`: the places (相談日
    included) and the programmes' sessions; only `place`'s when given. Names no person."""
    from tsunagu.programmes.models import Programme, ProgrammeSession

    # Every statement names the municipality (a distributed database routes on it).
    municipality_id = member.municipality_id
    places = (
        [place]
        if place is not None
        else list(visible(member, Place).only("pk", "municipality_id", "name", "sessions_until"))
    )
    services.sessions_ensure_many(places, last)
    names = {p.pk: p.name for p in places}
    # Programme meetings of the period: (programme, 第n回, name) by session, in one query.
    meetings = {
        session_id: (programme_id, number, name)
        for session_id, programme_id, number, name in ProgrammeSession.objects.filter(
            visible_through(member, Programme, "programme"),
            municipality_id=municipality_id,
            session__date__gte=first,
            session__date__lte=last,
        ).values_list("session_id", "programme_id", "number", "programme__name")
    }
    wanted = Q(place__in=list(names))
    if place is None:
        wanted |= Q(pk__in=list(meetings))
    sessions = (
        Session.objects.filter(
            wanted, municipality_id=municipality_id, date__gte=first, date__lte=last
        )
        .order_by("date", "start", "pk")
        .values_list("pk", "place_id", "date", "start", "end", "status")
    )
    cancelled = SessionStatus.CANCELLED.value
    by_day: dict[date, list[CalendarEntry]] = defaultdict(list)
    for pk, place_id, day, start, end, status in sessions:
        meeting = meetings.get(pk)
        label, programme_id, number = (
            (meeting[2], meeting[0], meeting[1])
            if meeting is not None
            else (names.get(place_id or 0, ""), None, None)
        )
        by_day[day].append(
            CalendarEntry(
                pk,
                f"{start:%H:%M}",
                f"{end:%H:%M}",
                status == cancelled,
                label,
                programme_id,
                number,
            )
        )
    return by_day


def today_schedule(member: Membership, today: date | None = None) -> list[CalendarEntry]:
    """Today's sessions for the staff home page; empty for a role that sees no places."""
    from tsunagu.policy import can
    from tsunagu.tenancy.policy import VIEW_PLACES

    if not can(member, VIEW_PLACES):
        return []
    today = today or timezone.localdate()
    return calendar_entries(member, today, today).get(today, [])


def own_sessions(member: Membership, first: date, last: date) -> QuerySet[Session]:
    """One's own schedule: sessions of the places one runs and those one was present at."""
    places = list(Place.objects.filter(municipality_id=member.municipality_id, staff=member))
    services.sessions_ensure_many(places, last)
    return (
        Session.objects.filter(
            Q(place__in=[p.pk for p in places]) | Q(staff_present=member),
            municipality_id=member.municipality_id,
            date__gte=first,
            date__lte=last,
        )
        .select_related("place")
        .distinct()
        .order_by("date", "start", "pk")
    )


def person_place_events(person_id: int | None) -> list[tuple[datetime, object, str]]:
    """A person's attendance and reservations at places (相談日 included), for the case
    timeline: (when, row, "attended" | "reserved" | "waiting" | "cancelled")."""
    if person_id is None:
        return []
    events: list[tuple[datetime, object, str]] = []
    for row in Attendance.objects.filter(person_id=person_id).select_related("session__place"):
        events.append((_at(row.session), row, "attended"))
    reservations = Reservation.objects.filter(person_id=person_id).select_related("session__place")
    for booking in reservations:
        events.append((_at(booking.session), booking, booking.status))
    return events


def _at(session: Session) -> datetime:
    return datetime.combine(session.date, session.start, tzinfo=timezone.get_current_timezone())


@dataclass
class Slot:
    start: time
    end: time
    booking: Booking | None  # None: free
    taken: bool  # booked, also when the booking is not the member's to see


def session_slots(member: Membership, session: Session) -> list[Slot]:
    """The slots of a consultation day, each free or booked; the case and professional of a
    booking only where the member sees that booking (the cases shown are logged)."""
    booked = Booking.objects.filter(
        municipality_id=session.municipality_id, session=session, cancelled_at__isnull=True
    )
    seen = {
        b.start: b
        for b in (booked & visible(member, Booking)).select_related(
            "session", "case__person", "professional__user"
        )
    }
    taken = set(booked.values_list("start", flat=True))
    show_booked_cases(member, list(seen.values()), persons=True)
    return [
        Slot(start, end, seen.get(start), start in taken) for start, end in services.slots(session)
    ]


def professionals(municipality_id: int) -> QuerySet[Membership]:
    """The visiting professionals a consultation slot can be booked with."""
    return (
        Membership.objects.filter(
            municipality_id=municipality_id,
            is_active=True,
            role__in=roles_with(BOOKED_CASES_ONLY),
        )
        .select_related("user")
        .order_by("user__username", "pk")
    )


def booking_list(member: Membership, *, first: date, last: date) -> list[Booking]:
    """Bookings the member sees (a professional: their own, not cancelled) in a period, with
    the cases logged as shown."""
    rows = list(
        visible(member, Booking)
        .filter(session__date__gte=first, session__date__lte=last)
        .select_related("session", "case")
        .order_by("session__date", "start", "pk")
    )
    show_booked_cases(member, rows)
    return rows


def booking_of_session(member: Membership, session: Session, pk: int) -> Booking | None:
    """A booking of `session` the member sees and that is not cancelled (None otherwise)."""
    return (
        visible(member, Booking).filter(session=session, pk=pk, cancelled_at__isnull=True).first()
    )


def my_bookings(member: Membership, *, today: date) -> list[Booking]:
    """A visiting professional's bookings from today on (the cases are logged as shown)."""
    rows = list(
        visible(member, Booking)
        .filter(professional=member, session__date__gte=today)
        .select_related("session__place", "case__person")
        .order_by("session__date", "start", "pk")[:50]
    )
    show_booked_cases(member, rows, persons=True)
    return rows


def case_booking_events(
    *, municipality_id: int, case_id: int
) -> list[tuple[datetime, object, str]]:
    """A case's consultation-day bookings, for its timeline: (when, booking, "booked" |
    "booking_cancelled")."""
    rows = Booking.objects.filter(municipality_id=municipality_id, case_id=case_id).select_related(
        "session__place", "professional__user"
    )
    return [
        (
            datetime.combine(b.session.date, b.start, tzinfo=timezone.get_current_timezone()),
            b,
            "booking_cancelled" if b.is_cancelled else "booked",
        )
        for b in rows
    ]
