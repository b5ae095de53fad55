"""The API of persons: /api/v1/m/{code}/persons; every read is written to the access log."""

from enum import Enum
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from ninja import Query, Router, Schema, Status

from tsunagu.api.auth import in_municipality
from tsunagu.api.common import (
    ERRORS,
    CodePath,
    django_errors_to_422,
    json_body,
    page_bounds,
    parse_body,
)
from tsunagu.audit.models import AccessAction
from tsunagu.people import selectors, services
from tsunagu.people.access import person_for_editor, person_for_viewer
from tsunagu.people.codes import Gender
from tsunagu.people.models import Person
from tsunagu.people.schemas import PersonCreated, PersonIn, PersonList, PersonOut, PersonPatch
from tsunagu.policy import shown
from tsunagu.tenancy.policy import EDIT_PERSONS, VIEW_PERSONS
from tsunagu.tenancy.requests import ApiRequest

router = Router(tags=["people"])


class ListParams(Schema):
    q: str = ""
    limit: int = 50
    offset: int = 0


def person_out(person: Person) -> dict[str, Any]:
    today = timezone.localdate()
    return {
        "id": person.pk,
        "number": person.number,
        "name": person.name,
        "name_kana": person.name_kana,
        "birth_date": person.birth_date,
        "age_band": person.age_band,
        "current_age_band": person.age_band_on(today),
        "gender": person.gender,
        "district": person.district,
        "household": person.household or "",
        "withdrawal_since_year": person.withdrawal_since_year,
        "withdrawal_since_month": person.withdrawal_since_month,
        "withdrawal_months": person.withdrawal_months_on(today),
        "backgrounds": list(person.backgrounds or []),
        "background_note": person.background_note or "",
        "guideline_axes": dict(person.guideline_axes or {}),
        "created_at": person.created_at,
        "updated_at": person.updated_at,
    }


def _plain(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value


def _fields(payload: Schema, *, exclude_unset: bool) -> dict[str, Any]:
    """The payload as keyword arguments of the person services (null text means empty)."""
    data = {k: _plain(v) for k, v in payload.dict(exclude_unset=exclude_unset).items()}
    for key in ("name", "name_kana", "district", "household", "background_note", "age_band"):
        if key in data and data[key] is None:
            data[key] = ""
    if "gender" in data and data["gender"] is None:
        data["gender"] = Gender.UNKNOWN.value
    if "backgrounds" in data:
        data["backgrounds"] = data["backgrounds"] or []
    if "guideline_axes" in data:
        data["guideline_axes"] = {k: v for k, v in (data["guideline_axes"] or {}).items() if v}
    return data


@router.get("", response={200: PersonList, **ERRORS}, summary="Persons the caller may see")
@in_municipality(VIEW_PERSONS)
def person_list(request: ApiRequest, code: CodePath, params: Query[ListParams]) -> dict[str, Any]:
    member = request.auth
    limit, offset = page_bounds(params.limit, params.offset)
    persons = selectors.person_search(viewer=member, query=params.q.strip()[:100])
    rows = shown(
        member,
        Person,
        list(persons[offset : offset + limit]),
        action=AccessAction.SEARCH if params.q.strip() else AccessAction.LIST,
    )
    return {"items": [person_out(p) for p in rows], "count": persons.count()}


@router.post(
    "",
    response={201: PersonCreated, **ERRORS},
    summary="Register a person; answers with the likely duplicates the caller may see",
    openapi_extra=json_body(PersonIn),
)
@in_municipality(EDIT_PERSONS)
def person_create(request: ApiRequest, code: CodePath) -> Status[Any]:
    member = request.auth
    payload = parse_body(request, PersonIn)
    try:
        person = services.person_create(
            actor=member, municipality=member.municipality, **_fields(payload, exclude_unset=False)
        )
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    duplicates = selectors.possible_duplicates(viewer=member, person=person)
    shown(member, Person, duplicates)
    return Status(
        201,
        {
            **person_out(person),
            "possible_duplicates": [{"id": p.pk, "number": p.number} for p in duplicates],
        },
    )


@router.get("/{int:person_id}", response={200: PersonOut, **ERRORS}, summary="One person")
@in_municipality(VIEW_PERSONS)
def person_detail(request: ApiRequest, code: CodePath, person_id: int) -> dict[str, Any]:
    member = request.auth
    return person_out(person_for_viewer(membership=member, pk=person_id))


@router.patch(
    "/{int:person_id}",
    response={200: PersonOut, **ERRORS},
    summary="Change a person",
    openapi_extra=json_body(PersonPatch),
)
@in_municipality(EDIT_PERSONS)
def person_update(request: ApiRequest, code: CodePath, person_id: int) -> dict[str, Any]:
    member = request.auth
    # The answer carries the whole person: logged as an update even when nothing changes.
    person = person_for_editor(membership=member, pk=person_id, action=AccessAction.UPDATE)
    payload = parse_body(request, PersonPatch)
    try:
        person = services.person_update(
            actor=member, person=person, **_fields(payload, exclude_unset=True)
        )
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    return person_out(person)
