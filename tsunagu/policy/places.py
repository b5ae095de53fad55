"""The bases of places: which places and sessions a member sees, and whose names.

- role: a member who sees every place (`VIEW_ALL_PLACES`: lead, counselor, admin) sees every
  place of the municipality and its sessions;
- place:<id>: place staff (`RUN_PLACES`) see the places they run and their sessions;
- booking:<id> / attendance:<id>: place staff see, by name, the persons who booked or
  attended sessions of the places they run (names only: a person page needs `VIEW_PERSONS`).
- programmes: the same two bases (role, place:<id> for programmes held at a place one runs);
  enrolments (participants, citizens included) by role only for those who see persons
  (`VIEW_PERSONS`), else place staff of the programme's place.
- booking:<id> of a consultation day (相談日): a visiting professional (`BOOKED_CASES_ONLY`) sees
  exactly the cases booked with them, their persons and those bookings, while not cancelled;
  anyone else sees a booking when they see its case.
Partners and committee members get no basis here: they never see attendee names.
"""

from collections.abc import Sequence

from django.db.models import Exists, OuterRef, Q

from tsunagu.cases.models import Case
from tsunagu.people.models import Person
from tsunagu.places.codes import ReservationStatus
from tsunagu.places.models import Attendance, Booking, Place, Reservation, Session
from tsunagu.policy.recording import record
from tsunagu.policy.registry import (
    EVERY_ROW,
    Grant,
    register,
    shown,
    subject,
    visible,
    visible_through,
)
from tsunagu.programmes.models import Enrolment, Programme
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import (
    BOOKED_CASES_ONLY,
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


# --- consultation days: the cases booked with a visiting professional ---------------------


def _booked_only(member: Membership) -> bool:
    return has_permission(member, VIEW_PERSONS) and has_permission(member, BOOKED_CASES_ONLY)


def _booked_with(member: Membership) -> "Q":
    return Q(municipality_id=member.municipality_id, professional=member, cancelled_at__isnull=True)


def _booked_labels(member: Membership, field: str, ids: list[int]) -> dict[int, str]:
    pairs = Booking.objects.filter(_booked_with(member), **{f"{field}__in": ids}).values_list(
        field, "pk"
    )
    return _first(list(pairs), "booking")


@register(Case, "booking", label=lambda member, ids: _booked_labels(member, "case_id", ids))
def _case_booking(member: Membership) -> Grant:
    if not _booked_only(member):
        return None
    return Q(Exists(Booking.objects.filter(_booked_with(member), case=OuterRef("pk"))))


@register(
    Person, "booked_case", label=lambda member, ids: _booked_labels(member, "case__person_id", ids)
)
def _person_booked_case(member: Membership) -> Grant:
    if not _booked_only(member):
        return None
    return Q(Exists(Booking.objects.filter(_booked_with(member), case__person=OuterRef("pk"))))


@register(Booking, "booking", label=lambda member, ids: _booked_labels(member, "pk", ids))
def _booking_own(member: Membership) -> Grant:
    return _booked_with(member) if _booked_only(member) else None


@register(Booking, "case")
def _booking_case(member: Membership) -> Grant:
    if _booked_only(member) or not has_permission(member, VIEW_PERSONS):
        return None
    return visible_through(member, Case, "case")


def bookable_case(member: Membership, case_id: object) -> Case | None:
    """A case the member sees, for booking a consultation slot (None when it sees none such):
    the places app names cases only through here, so it imports no casework."""
    try:
        return visible(member, Case).filter(pk=int(str(case_id))).first()
    except ValueError:
        return None


def show_booked_cases(
    member: Membership, bookings: Sequence[Booking], *, persons: bool = False
) -> None:
    """Record that the cases of `bookings` were shown, and their persons (by name) when
    `persons`."""
    cases = list({b.case_id: b.case for b in bookings}.values())
    if cases:
        shown(member, Case, cases)
        if persons:
            record(member, Person, [c.person_id for c in cases])
