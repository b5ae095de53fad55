"""The API of programmes: /api/v1/m/{code}/programmes and their enrolments."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Router, Status
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
from tsunagu.people.models import FamilyMember, Person
from tsunagu.places.models import Place
from tsunagu.places.schemas import parse_hhmm
from tsunagu.policy import one, visible, visible_through
from tsunagu.programmes import selectors, services
from tsunagu.programmes.codes import EnrolmentStatus
from tsunagu.programmes.models import Enrolment, Programme
from tsunagu.programmes.schemas import (
    EnrolmentIn,
    EnrolmentOut,
    ProgrammeIn,
    ProgrammeList,
    ProgrammeOut,
)
from tsunagu.tenancy.policy import ENROL, MANAGE_PROGRAMMES, VIEW_PLACES
from tsunagu.tenancy.requests import ApiRequest

router = Router(tags=["programmes"])


def programme_out(programme: Programme) -> dict[str, Any]:
    meetings = sorted(programme.meetings.all(), key=lambda m: m.number)
    return {
        "id": programme.pk,
        "name": programme.name,
        "kind": programme.kind,
        "sessions": [
            {
                "id": m.session.pk,
                "date": m.session.date,
                "start": m.session.start.strftime("%H:%M"),
                "end": m.session.end.strftime("%H:%M"),
                "status": m.session.status,
                "reason": m.session.reason,
                "number": m.number,
                "title": m.title,
            }
            for m in meetings
        ],
        "min_sessions_to_complete": programme.min_sessions_to_complete,
        "capacity": programme.capacity,
        "place_id": programme.place_id,
        "public": programme.public,
        "enrolled": programme.enrolments.filter(status=EnrolmentStatus.ENROLLED).count(),
    }


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError([{"loc": ("body", field), "msg": message}])


@router.get("", response={200: ProgrammeList, **ERRORS}, summary="Programmes the caller sees")
@in_municipality(VIEW_PLACES)
def programme_list(
    request: ApiRequest, code: CodePath, limit: int = 50, offset: int = 0
) -> dict[str, Any]:
    member = request.auth
    limit, offset = page_bounds(limit, offset)
    rows = selectors.programme_list(member)
    return {
        "items": [programme_out(p) for p in rows[offset : offset + limit]],
        "count": rows.count(),
    }


@router.post(
    "",
    response={201: ProgrammeOut, **ERRORS},
    summary="Create a programme with its sessions",
    openapi_extra=json_body(ProgrammeIn),
)
@in_municipality(MANAGE_PROGRAMMES)
def programme_create(request: ApiRequest, code: CodePath) -> Status[Any]:
    member = request.auth
    payload = parse_body(request, ProgrammeIn)
    place = None
    if payload.place_id is not None:
        place = visible(member, Place).filter(pk=payload.place_id).first()
        if place is None:
            raise _invalid("place_id", "no such place")
    meetings = [
        services.MeetingIn(m.date, parse_hhmm(m.start), parse_hhmm(m.end), m.title)
        for m in payload.sessions
    ]
    try:
        programme = services.programme_create(
            actor=member,
            municipality_id=member.municipality_id,
            name=payload.name,
            kind=payload.kind,
            meetings=meetings,
            min_sessions_to_complete=payload.min_sessions_to_complete,
            capacity=payload.capacity,
            place=place,
            public=payload.public,
            description=payload.description,
        )
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    return Status(201, programme_out(programme))


@router.get("/{int:programme_id}", response={200: ProgrammeOut, **ERRORS}, summary="One programme")
@in_municipality(VIEW_PLACES)
def programme_get(request: ApiRequest, code: CodePath, programme_id: int) -> dict[str, Any]:
    member = request.auth
    rows = selectors.with_meetings(Programme.objects.all(), member.municipality_id)
    return programme_out(
        one(member, Programme, programme_id, permission=VIEW_PLACES, queryset=rows)
    )


def enrolment_out(enrolment: Enrolment) -> dict[str, Any]:
    return {
        "id": enrolment.pk,
        "programme": enrolment.programme_id,
        "person_id": enrolment.person_id,
        "family_member_id": enrolment.family_member_id,
        "status": enrolment.status,
        "attended": enrolment.attended.count(),
        "completed": enrolment.completed_on is not None,
        "completed_on": enrolment.completed_on,
    }


@router.post(
    "/{int:programme_id}/enrolments",
    response={201: EnrolmentOut, 409: Error, **ERRORS},
    summary="Enrol a person, a family member or a citizen (409 when full)",
    openapi_extra=json_body(EnrolmentIn),
)
@in_municipality(ENROL)
def enrolment_create(request: ApiRequest, code: CodePath, programme_id: int) -> Status[Any]:
    member = request.auth
    programme = one(member, Programme, programme_id, permission=ENROL)
    payload = parse_body(request, EnrolmentIn)
    person = family = None
    if payload.person_id is not None:
        person = visible(member, Person).filter(pk=payload.person_id).first()
        if person is None:
            raise _invalid("person_id", "no such person")
    if payload.family_member_id is not None:
        family = (
            FamilyMember.objects.filter(
                visible_through(member, Person, "person"),
                pk=payload.family_member_id,
            )
            .select_related("person")
            .first()
        )
        if family is None:
            raise _invalid("family_member_id", "no such family member")
    try:
        enrolment = services.enrolment_create(
            actor=member,
            programme=programme,
            person=person,
            family_member=family,
            name=payload.name,
            contact=payload.contact,
        )
    except services.Full as exc:
        raise HttpError(409, str(exc)) from exc
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    return Status(201, enrolment_out(enrolment))
