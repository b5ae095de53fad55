"""The bases of places: which places and sessions a member sees, and whose names.

- role: a member who sees every place (`VIEW_ALL_PLACES`: lead, counselor, admin) sees every
  place of the municipality and its sessions;
- place:<id>: place staff (`RUN_PLACES`) see the places they run and their sessions;
- booking:<id> / attendance:<id>: place staff see, by name, the persons who booked or
  attended sessions of the places they run (names only: a person page needs `VIEW_PERSONS`).
- programmes: the same two bases (role, place:<id> for programmes held at a place one runs);
  enrolments (participants, citizens included) by role only for those who see persons
  (`VIEW_PERSONS`), else place staff of the programme's place.
Partners and committee members get no basis here: they never see attendee names.
"""

from django.db.models import Exists, OuterRef, Q

from tsunagu.people.models import Person
from tsunagu.places.codes import ReservationStatus
from tsunagu.places.models import Attendance, Place, Reservation, Session
from tsunagu.policy.registry import EVERY_ROW, Grant, register, subject
from tsunagu.programmes.models import Enrolment, Programme
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import (
    RUN_PLACES,
    VIEW_ALL_PLACES,
    VIEW_PERSONS,
    VIEW_PLACES,
    has_permission,
)

subject(Enrolment, "enrolment")


def _runs(member: Membership) -> bool:
    return has_permission(member, VIEW_PLACES) and has_permission(member, RUN_PLACES)


def _sees_all(member: Membership) -> bool:
    return has_permission(member, VIEW_PLACES) and has_permission(member, VIEW_ALL_PLACES)


def _first(pairs: list[tuple[int, int]], prefix: str) -> dict[int, str]:
    first: dict[int, int] = {}
    for key, value in pairs:
        if key not in first or value < first[key]:
            first[key] = value
    return {key: f"{prefix}:{value}" for key, value in first.items()}


# --- places and sessions -------------------------------------------------------------------


@register(Place, "role")
def _place_role(member: Membership) -> Grant:
    return EVERY_ROW if _sees_all(member) else None


def _place_labels(member: Membership, ids: list[int]) -> dict[int, str]:
    run = member.places_run.filter(pk__in=ids).values_list("pk", flat=True)
    return {pk: f"place:{pk}" for pk in run}


@register(Place, "place", label=_place_labels)
def _place_staff(member: Membership) -> Grant:
    return Q(staff=member) if _runs(member) else None


@register(Session, "role")
def _session_role(member: Membership) -> Grant:
    return EVERY_ROW if _sees_all(member) else None


def _session_labels(member: Membership, ids: list[int]) -> dict[int, str]:
    pairs = Session.objects.filter(pk__in=ids, place__staff=member).values_list("pk", "place_id")
    return {pk: f"place:{place}" for pk, place in pairs}


@register(Session, "place", label=_session_labels)
def _session_staff(member: Membership) -> Grant:
    return Q(place__staff=member) if _runs(member) else None


# --- persons by name at the places one runs ---------------------------------------------


def _bookings(member: Membership) -> "Q":
    return Q(session__place__staff=member) & ~Q(status=ReservationStatus.CANCELLED)


def _booking_labels(member: Membership, ids: list[int]) -> dict[int, str]:
    pairs = Reservation.objects.filter(_bookings(member), person_id__in=ids).values_list(
        "person_id", "pk"
    )
    return _first(list(pairs), "booking")


@register(Person, "booking", label=_booking_labels)
def _person_booking(member: Membership) -> Grant:
    if not _runs(member):
        return None
    return Q(Exists(Reservation.objects.filter(_bookings(member), person=OuterRef("pk"))))


def _attendance_labels(member: Membership, ids: list[int]) -> dict[int, str]:
    pairs = Attendance.objects.filter(session__place__staff=member, person_id__in=ids).values_list(
        "person_id", "pk"
    )
    return _first(list(pairs), "attendance")


@register(Person, "attendance", label=_attendance_labels)
def _person_attendance(member: Membership) -> Grant:
    if not _runs(member):
        return None
    attended = Attendance.objects.filter(session__place__staff=member, person=OuterRef("pk"))
    return Q(Exists(attended))


# --- programmes and their participants ---------------------------------------------------


@register(Programme, "role")
def _programme_role(member: Membership) -> Grant:
    return EVERY_ROW if _sees_all(member) else None


def _programme_labels(member: Membership, ids: list[int]) -> dict[int, str]:
    pairs = Programme.objects.filter(pk__in=ids, place__staff=member).values_list("pk", "place_id")
    return {pk: f"place:{place}" for pk, place in pairs}


@register(Programme, "place", label=_programme_labels)
def _programme_staff(member: Membership) -> Grant:
    return Q(place__staff=member) if _runs(member) else None


@register(Enrolment, "role")
def _enrolment_role(member: Membership) -> Grant:
    return EVERY_ROW if _sees_all(member) and has_permission(member, VIEW_PERSONS) else None


def _enrolment_labels(member: Membership, ids: list[int]) -> dict[int, str]:
    pairs = Enrolment.objects.filter(pk__in=ids, programme__place__staff=member).values_list(
        "pk", "programme__place_id"
    )
    return {pk: f"place:{place}" for pk, place in pairs}


@register(Enrolment, "place", label=_enrolment_labels)
def _enrolment_staff(member: Membership) -> Grant:
    return Q(programme__place__staff=member) if _runs(member) else None
