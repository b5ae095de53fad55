"""The API of places and sessions: /api/v1/m/{code}/places, /sessions, /stats/places."""

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from ninja import Router, Status
from ninja.errors import HttpError, ValidationError
from ninja.params.functions import Query

from tsunagu.api.auth import in_municipality
from tsunagu.api.common import (
    ERRORS,
    CodePath,
    Error,
    django_errors_to_422,
    json_body,
    page_bounds,
    parse_body,
)
from tsunagu.core import schedules
from tsunagu.people.models import Person
from tsunagu.places import selectors, services
from tsunagu.places.models import Booking, Place, Session
from tsunagu.places.schemas import (
    AttendanceIn,
    AttendanceOut,
    BookingIn,
    BookingList,
    BookingOut,
    PlaceIn,
    PlaceList,
    PlaceOut,
    PlacePatch,
    PlaceStatisticsOut,
    ReservationIn,
    ReservationOut,
    ScheduleIO,
    SessionList,
    SlotList,
    parse_hhmm,
)
from tsunagu.places.statistics import place_statistics_for
from tsunagu.policy import bases_of, one, visible
from tsunagu.policy.places import bookable_case, show_booked_cases
from tsunagu.reports.forms import PeriodForm
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import (
    BOOK_SESSIONS,
    MANAGE_PLACES,
    TAKE_ATTENDANCE,
    VIEW_PERSONS,
    VIEW_PLACES,
    VIEW_STATISTICS,
)
from tsunagu.tenancy.requests import ApiRequest

router = Router(tags=["places"])
sessions_router = Router(tags=["places"])
stats_router = Router(tags=["places"])
bookings_router = Router(tags=["places"])

MAX_SESSION_DAYS = 400


def _hhmm(value: Any) -> str:
    return str(value.strftime("%H:%M"))


def place_out(place: Place) -> dict[str, Any]:
    rules = services.rules_in_force(place)
    return {
        "id": place.pk,
        "name": place.name,
        "kind": place.kind,
        "access": place.access,
        "capacity": place.capacity,
        "public": place.public,
        "schedules": [
            {
                "rrule": r.rrule,
                "start": _hhmm(r.start),
                "end": _hhmm(r.end),
                "holidays": r.holidays,
                "description": schedules.describe(r.as_schedule()),
            }
            for r in rules
        ],
        "closed_dates": place.closed,
        "organization": place.organization,
        "address": place.address,
        "activities": place.activities,
        "slot_minutes": place.slot_minutes,
    }


def _rules(items: list[ScheduleIO]) -> list[services.RuleIn]:
    return [
        services.RuleIn(i.rrule, parse_hhmm(i.start), parse_hhmm(i.end), i.holidays) for i in items
    ]


@router.get("", response={200: PlaceList, **ERRORS}, summary="Places the caller may see")
@in_municipality(VIEW_PLACES)
def place_list(
    request: ApiRequest, code: CodePath, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    member = request.auth
    limit, offset = page_bounds(limit, offset)
    places = selectors.place_list(member)
    return {
        "items": [place_out(p) for p in places[offset : offset + limit]],
        "count": places.count(),
    }


@router.post(
    "",
    response={201: PlaceOut, **ERRORS},
    summary="Create a place with its schedules",
    openapi_extra=json_body(PlaceIn),
)
@in_municipality(MANAGE_PLACES)
def place_create(request: ApiRequest, code: CodePath) -> Status[Any]:
    member = request.auth
    payload = parse_body(request, PlaceIn)
    try:
        place = services.place_create(
            actor=member,
            municipality_id=member.municipality_id,
            name=payload.name,
            kind=payload.kind,
            access=payload.access,
            capacity=payload.capacity,
            public=payload.public,
            organization=payload.organization,
            address=payload.address,
            activities=payload.activities,
            slot_minutes=payload.slot_minutes,
            closed_dates=payload.closed_dates,
            rules=_rules(payload.schedules),
        )
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    return Status(201, place_out(place))


def _place(member: Membership, pk: int, permission: str = VIEW_PLACES) -> Place:
    return one(member, Place, pk, permission=permission)


@router.get("/{int:place_id}", response={200: PlaceOut, **ERRORS}, summary="One place")
@in_municipality(VIEW_PLACES)
def place_get(request: ApiRequest, code: CodePath, place_id: int) -> dict[str, Any]:
    return place_out(_place(request.auth, place_id))


@router.patch(
    "/{int:place_id}",
    response={200: PlaceOut, **ERRORS},
    summary="Change a place; new schedules apply from today on",
    openapi_extra=json_body(PlacePatch),
)
@in_municipality(MANAGE_PLACES)
def place_patch(request: ApiRequest, code: CodePath, place_id: int) -> dict[str, Any]:
    member = request.auth
    place = _place(member, place_id, MANAGE_PLACES)
    payload = parse_body(request, PlacePatch)
    given = payload.model_dump(exclude_unset=True)
    rules = _rules(payload.schedules) if payload.schedules is not None else None
    closed = payload.closed_dates if "closed_dates" in given else None
    fields = {k: v for k, v in given.items() if k not in ("schedules", "closed_dates")}
    if "capacity" not in given:
        fields.pop("capacity", None)
    for required in ("name", "kind", "access", "public", "slot_minutes"):
        if required in fields and fields[required] is None:
            raise ValidationError([{"loc": ("body", required), "msg": "must not be null"}])
    for text in ("organization", "address", "activities"):
        if text in fields and fields[text] is None:
            fields[text] = ""  # null clears a text, as an empty string does
    try:
        place = services.place_update(
            actor=member, place=place, rules=rules, closed_dates=closed, **fields
        )
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    return place_out(place)


def _day(field: str, value: str | None, default: date) -> date:
    if value in (None, ""):
        return default
    assert value is not None
    try:
        day = date.fromisoformat(value)
    except ValueError as exc:
        raise ValidationError([{"loc": ("query", field), "msg": "must be YYYY-MM-DD"}]) from exc
    if len(value) != 10 or not 1873 <= day.year <= 2999:
        raise ValidationError(
            [{"loc": ("query", field), "msg": "must be a date between 1873 and 2999"}]
        )
    return day


@router.get(
    "/{int:place_id}/sessions",
    response={200: SessionList, **ERRORS},
    summary="Sessions of a place in a period (inclusive, at most 400 days)",
)
@in_municipality(VIEW_PLACES)
def place_sessions(
    request: ApiRequest,
    code: CodePath,
    place_id: int,
    from_: str | None = Query(None, alias="from", description="YYYY-MM-DD; default today"),
    to: str | None = Query(None, description="YYYY-MM-DD; default 30 days after from"),
) -> dict[str, Any]:
    place = _place(request.auth, place_id)
    first = _day("from", from_, timezone.localdate())
    last = _day("to", to, first + timedelta(days=30))
    if last < first:
        raise ValidationError([{"loc": ("query", "to"), "msg": "must not be before from"}])
    if (last - first).days + 1 > MAX_SESSION_DAYS:
        raise ValidationError([{"loc": ("query", "to"), "msg": "at most 400 days"}])
    rows = list(selectors.sessions_between(place, first, last))
    return {
        "items": [
            {
                "id": s.pk,
                "date": s.date,
                "start": _hhmm(s.start),
                "end": _hhmm(s.end),
                "status": s.status,
                "reason": s.reason,
            }
            for s in rows
        ],
        "count": len(rows),
    }


def _person(member: Membership, person_id: int) -> tuple[Person, str]:
    """A person the member sees, with the basis; 422 naming person_id otherwise (no leak)."""
    person = visible(member, Person).filter(pk=person_id).first()
    if person is None:
        raise ValidationError([{"loc": ("body", "person_id"), "msg": "no such person"}])
    return person, bases_of(member, Person, [person.pk]).get(person.pk, "none")


@sessions_router.post(
    "/{int:session_id}/reservations",
    response={201: ReservationOut, 409: Error, **ERRORS},
    summary="Reserve a seat for a person (409 when full or not bookable)",
    openapi_extra=json_body(ReservationIn),
)
@in_municipality(BOOK_SESSIONS)
def reservation_create(request: ApiRequest, code: CodePath, session_id: int) -> Status[Any]:
    member = request.auth
    session = one(member, Session, session_id, permission=BOOK_SESSIONS)
    payload = parse_body(request, ReservationIn)
    person, basis = _person(member, payload.person_id)
    try:
        reservation = services.reservation_create(
            actor=member, session=session, person=person, wait=payload.wait, basis=basis
        )
    except (services.Full, services.NotBookable) as exc:
        raise HttpError(409, str(exc)) from exc
    return Status(
        201,
        {
            "id": reservation.pk,
            "session": session.pk,
            "person_id": person.pk,
            "status": reservation.status,
        },
    )


@sessions_router.post(
    "/{int:session_id}/attendance",
    response={201: AttendanceOut, **ERRORS},
    summary="Record a person present, or an anonymous head count",
    openapi_extra=json_body(AttendanceIn),
)
@in_municipality(TAKE_ATTENDANCE)
def attendance_create(request: ApiRequest, code: CodePath, session_id: int) -> Status[Any]:
    member = request.auth
    session = one(member, Session, session_id, permission=TAKE_ATTENDANCE)
    payload = parse_body(request, AttendanceIn)
    if (payload.person_id is None) == (payload.anonymous is None):
        raise ValidationError(
            [{"loc": ("body", "person_id"), "msg": "give person_id or anonymous, not both"}]
        )
    try:
        if payload.person_id is not None:
            from tsunagu.programmes.services import attendance_at_session

            person, basis = _person(member, payload.person_id)
            # A programme's session also counts towards the person's completion.
            found = attendance_at_session(actor=member, session=session, person=person)
            row = found or services.attendance_record(
                actor=member, session=session, person=person, basis=basis
            )
        else:
            row = services.attendance_record(
                actor=member, session=session, anonymous=payload.anonymous
            )
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    return Status(
        201,
        {
            "id": row.pk,
            "session": session.pk,
            "person_id": row.person_id,
            "anonymous": None if row.person_id else row.count,
            "first_visit": row.first_visit,
        },
    )


# --- consultation days (相談日): slots and bookings ------------------------------------------


def booking_out(booking: Booking) -> dict[str, Any]:
    return {
        "id": booking.pk,
        "session_id": booking.session_id,
        "place_id": booking.session.place_id,
        "date": booking.session.date,
        "start": _hhmm(booking.start),
        "end": _hhmm(booking.end),
        "case_id": booking.case_id,
        "professional_id": booking.professional_id,
        "status": "cancelled" if booking.is_cancelled else "booked",
    }


def _consultation_day(member: Membership, pk: int, permission: str) -> Session:
    return one(
        member, Session, pk, permission=permission, queryset=Session.objects.select_related("place")
    )


@sessions_router.get(
    "/{int:session_id}/slots",
    response={200: SlotList, **ERRORS},
    summary="The slots of a consultation day, free or booked",
)
@in_municipality(VIEW_PLACES)
def session_slots(request: ApiRequest, code: CodePath, session_id: int) -> dict[str, Any]:
    member = request.auth
    session = _consultation_day(member, session_id, VIEW_PLACES)
    return {
        "items": [
            {
                "start": _hhmm(slot.start),
                "end": _hhmm(slot.end),
                "booked": slot.taken,
                "booking": booking_out(slot.booking) if slot.booking else None,
            }
            for slot in selectors.session_slots(member, session)
        ]
    }


@sessions_router.post(
    "/{int:session_id}/bookings",
    response={201: BookingOut, 409: Error, **ERRORS},
    summary="Book a slot of a consultation day for a case with a visiting professional "
    "(409 when the slot is taken)",
    openapi_extra=json_body(BookingIn),
)
@in_municipality(BOOK_SESSIONS)
def booking_create(request: ApiRequest, code: CodePath, session_id: int) -> Status[Any]:
    member = request.auth
    session = _consultation_day(member, session_id, BOOK_SESSIONS)
    payload = parse_body(request, BookingIn)
    case = bookable_case(member, payload.case_id)
    if case is None:
        raise ValidationError([{"loc": ("body", "case_id"), "msg": "no such case"}])
    professional = (
        selectors.professionals(member.municipality_id).filter(pk=payload.professional_id).first()
    )
    if professional is None:
        raise ValidationError(
            [{"loc": ("body", "professional_id"), "msg": "no such visiting professional"}]
        )
    try:
        booking = services.booking_create(
            actor=member,
            session=session,
            start=parse_hhmm(payload.start),
            case=case,
            professional=professional,
            basis=bases_of(member, type(case), [case.pk]).get(case.pk, "none"),
        )
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    except (services.SlotTaken, services.NotBookable) as exc:
        raise HttpError(409, str(exc)) from exc
    return Status(201, booking_out(booking))


@bookings_router.get(
    "",
    response={200: BookingList, **ERRORS},
    by_alias=True,
    summary="Consultation-day bookings the caller sees (a professional: those with them)",
)
@in_municipality(VIEW_PERSONS)
def booking_list(
    request: ApiRequest,
    code: CodePath,
    from_: str | None = Query(None, alias="from", description="YYYY-MM-DD, default today"),
    to: str | None = Query(None, description="YYYY-MM-DD, default a year on"),
) -> dict[str, Any]:
    today = timezone.localdate()
    first = _day("from", from_, today)
    last = _day("to", to, first + timedelta(days=366))
    rows = selectors.booking_list(request.auth, first=first, last=last)
    return {"items": [booking_out(b) for b in rows], "count": len(rows)}


@bookings_router.get(
    "/{int:booking_id}", response={200: BookingOut, **ERRORS}, summary="One booking"
)
@in_municipality(VIEW_PERSONS)
def booking_get(request: ApiRequest, code: CodePath, booking_id: int) -> dict[str, Any]:
    return booking_out(_booking(request.auth, booking_id, VIEW_PERSONS))


def _booking(member: Membership, pk: int, permission: str) -> Booking:
    """One booking the member sees (404 otherwise); its case is logged as shown."""
    queryset = Booking.objects.select_related("session", "case")
    booking = one(member, Booking, pk, permission=permission, queryset=queryset)
    show_booked_cases(member, [booking])
    return booking


@bookings_router.post(
    "/{int:booking_id}/cancel",
    response={200: BookingOut, **ERRORS},
    summary="Cancel a booking: the slot is free again",
)
@in_municipality(BOOK_SESSIONS)
def booking_cancel(request: ApiRequest, code: CodePath, booking_id: int) -> dict[str, Any]:
    member = request.auth
    booking = services.booking_cancel(
        actor=member, booking=_booking(member, booking_id, BOOK_SESSIONS)
    )
    return booking_out(booking)


@stats_router.get(
    "",
    response={200: PlaceStatisticsOut, **ERRORS},
    by_alias=True,
    summary="Sessions held, 延べ visits, 実人数 and new people per place",
)
@in_municipality(VIEW_STATISTICS)
def place_statistics(
    request: ApiRequest,
    code: CodePath,
    from_: str | None = Query(None, alias="from", description="YYYY-MM-DD"),
    to: str | None = Query(None, description="YYYY-MM-DD"),
    fiscal_year: str | None = Query(None, description="e.g. 2025 for 2025-04-01..2026-03-31"),
) -> dict[str, Any]:
    given = {"from": from_, "to": to, "fiscal_year": fiscal_year}
    form = PeriodForm({k: v for k, v in given.items() if v not in (None, "")})
    if not form.is_valid():
        raise ValidationError(
            [{"loc": ("query", e["field"]), "msg": e["message"]} for e in form.error_list()]
        )
    period = form.period
    member = request.auth
    try:
        stats = place_statistics_for(member, start=period.start, end=period.end)
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc, location="query") from exc
    return {
        "from": period.start,
        "to": period.end,
        "places": [
            {
                "id": r.id,
                "name": r.name,
                "sessions": r.sessions,
                "visits": r.visits,
                "people": r.people,
                "new_people": r.new_people,
            }
            for r in stats.places
        ],
        "visits_total": stats.visits_total,
    }
