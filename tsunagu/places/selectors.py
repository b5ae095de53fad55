"""Reads of places: visible places, sessions of a period, attendees by name, statistics."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Count, Min, Q, QuerySet, Sum
from django.utils import timezone

from tsunagu.people.models import Person
from tsunagu.places import services
from tsunagu.places.codes import ReservationStatus, SessionStatus
from tsunagu.places.models import Attendance, Place, Reservation, Session
from tsunagu.policy import shown, visible
from tsunagu.tenancy.models import Membership


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
    for place in places:
        services.sessions_ensure(place, last)
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
