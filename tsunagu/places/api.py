"""The API of places and sessions: /api/v1/m/{code}/places, /sessions, /stats/places."""

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Query, Router, Status
from ninja.errors import HttpError, ValidationError

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
from tsunagu.people.models import Person
from tsunagu.places import schedules, selectors, services
from tsunagu.places.models import Place, Session
from tsunagu.places.schemas import (
    AttendanceIn,
    AttendanceOut,
    PlaceIn,
    PlaceList,
    PlaceOut,
    PlacePatch,
    PlaceStatisticsOut,
    ReservationIn,
    ReservationOut,
    ScheduleIO,
    SessionList,
    parse_hhmm,
)
from tsunagu.policy import bases_of, one, visible
from tsunagu.reports.forms import PeriodForm
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import (
    BOOK_SESSIONS,
    MANAGE_PLACES,
    TAKE_ATTENDANCE,
    VIEW_PLACES,
    VIEW_STATISTICS,
)

router = Router(tags=["places"])
sessions_router = Router(tags=["places"])
stats_router = Router(tags=["places"])

MAX_SESSION_DAYS = 400


def _hhmm(value: Any) -> str:
    return value.strftime("%H:%M")


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
    }


def _rules(items: list[ScheduleIO]) -> list[services.RuleIn]:
    return [
        services.RuleIn(i.rrule, parse_hhmm(i.start), parse_hhmm(i.end), i.holidays) for i in items
    ]


@router.get("", response={200: PlaceList, **ERRORS}, summary="Places the caller may see")
@in_municipality(VIEW_PLACES)
def place_list(
    request: HttpRequest, code: CodePath, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    member = request.auth  # type: ignore[attr-defined]
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
def place_create(request: HttpRequest, code: CodePath) -> Status:
    member = request.auth  # type: ignore[attr-defined]
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
def place_get(request: HttpRequest, code: CodePath, place_id: int) -> dict[str, Any]:
    return place_out(_place(request.auth, place_id))  # type: ignore[attr-defined]


@router.patch(
    "/{int:place_id}",
    response={200: PlaceOut, **ERRORS},
    summary="Change a place; new schedules apply from today on",
    openapi_extra=json_body(PlacePatch),
)
@in_municipality(MANAGE_PLACES)
def place_patch(request: HttpRequest, code: CodePath, place_id: int) -> dict[str, Any]:
    member = request.auth  # type: ignore[attr-defined]
    place = _place(member, place_id, MANAGE_PLACES)
    payload = parse_body(request, PlacePatch)
    given = payload.model_dump(exclude_unset=True)
    rules = _rules(payload.schedules) if payload.schedules is not None else None
    closed = payload.closed_dates if "closed_dates" in given else None
    fields = {k: v for k, v in given.items() if k not in ("schedules", "closed_dates")}
    if "capacity" not in given:
        fields.pop("capacity", None)
    for required in ("name", "kind", "access", "public"):
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
    request: HttpRequest,
    code: CodePath,
    place_id: int,
    from_: str | None = Query(None, alias="from", description="YYYY-MM-DD; default today"),
    to: str | None = Query(None, description="YYYY-MM-DD; default 30 days after from"),
) -> dict[str, Any]:
    place = _place(request.auth, place_id)  # type: ignore[attr-defined]
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
def reservation_create(request: HttpRequest, code: CodePath, session_id: int) -> Status:
    member = request.auth  # type: ignore[attr-defined]
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
def attendance_create(request: HttpRequest, code: CodePath, session_id: int) -> Status:
    member = request.auth  # type: ignore[attr-defined]
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


@stats_router.get(
    "",
    response={200: PlaceStatisticsOut, **ERRORS},
    by_alias=True,
    summary="Sessions held, 延べ visits, 実人数 and new people per place",
)
@in_municipality(VIEW_STATISTICS)
def place_statistics(
    request: HttpRequest,
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
    member = request.auth  # type: ignore[attr-defined]
    figures = selectors.place_statistics(
        municipality_id=member.municipality_id, start=period.start, end=period.end
    )
    return {"from": period.start, "to": period.end, "places": [vars(f) for f in figures]}
