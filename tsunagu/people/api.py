"""The API of persons: /api/v1/m/{code}/persons; every read is written to the access log."""

import json
from enum import Enum
from typing import Annotated, Any, TypeVar

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils import timezone
from ninja import Path, Query, Router, Schema, Status
from ninja.errors import ValidationError
from pydantic import ValidationError as PydanticValidationError

from tsunagu.api.auth import in_municipality
from tsunagu.audit.models import AccessAction
from tsunagu.audit.services import Seen, access_record
from tsunagu.cases.policy import person_basis, seen_persons
from tsunagu.people import selectors, services
from tsunagu.people.access import person_for_editor, person_for_viewer
from tsunagu.people.codes import Gender
from tsunagu.people.models import Person
from tsunagu.people.schemas import ApiError, PersonIn, PersonList, PersonOut, PersonPatch
from tsunagu.tenancy.policy import EDIT_PERSONS, VIEW_PERSONS

# Marked explicitly: ninja sees only the operation's own path, not the router's prefix.
CodePath = Annotated[str, Path(description="全国地方公共団体コード, 6 digits")]

S = TypeVar("S", bound=Schema)

router = Router(tags=["people"])

ERRORS: dict[int, Any] = {401: ApiError, 403: ApiError, 404: ApiError, 422: ApiError}


class ListParams(Schema):
    q: str = ""
    limit: int = 50
    offset: int = 0


def page_bounds(limit: int, offset: int) -> tuple[int, int]:
    """limit and offset as CONTRACT.md says (limit 1..1000); 422 with field names otherwise."""
    problems = []
    if not 1 <= limit <= 1000:
        problems.append({"loc": ("query", "limit"), "msg": "must be between 1 and 1000"})
    if offset < 0:
        problems.append({"loc": ("query", "offset"), "msg": "must not be negative"})
    if problems:
        raise ValidationError(problems)
    return limit, offset


def django_errors_to_422(exc: DjangoValidationError) -> ValidationError:
    """A service's ValidationError as the API's 422, field by field."""
    if hasattr(exc, "error_dict"):
        return ValidationError(
            [
                {"loc": ("body", field), "msg": " ".join(str(m) for e in errs for m in e.messages)}
                for field, errs in exc.error_dict.items()
            ]
        )
    return ValidationError([{"loc": ("body",), "msg": " ".join(exc.messages)}])


def _inline_refs(node: Any, defs: dict[str, Any]) -> Any:
    if isinstance(node, dict):
        if "$ref" in node:
            return _inline_refs(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
        return {k: _inline_refs(v, defs) for k, v in node.items() if k != "$defs"}
    if isinstance(node, list):
        return [_inline_refs(v, defs) for v in node]
    return node


def json_body(schema: type[Schema]) -> dict[str, Any]:
    """openapi_extra documenting a body that the operation parses itself (see parse_body)."""
    raw = schema.model_json_schema()
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": _inline_refs(raw, raw.get("$defs", {}))}},
        }
    }


def parse_body(request: HttpRequest, schema: type[S]) -> S:
    """Validate the JSON body inside the operation, so that 404 and 403 come before 422 and
    errors name the field itself ("birth_date", "backgrounds.0")."""
    try:
        data = json.loads(request.body or b"{}")
    except ValueError as exc:
        raise ValidationError([{"loc": ("body",), "msg": "the body is not JSON"}]) from exc
    try:
        return schema.model_validate(data)
    except PydanticValidationError as exc:
        raise ValidationError(
            [{"loc": ("body", *e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        ) from exc


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
def person_list(request: HttpRequest, code: CodePath, params: Query[ListParams]) -> dict[str, Any]:
    member = request.auth  # type: ignore[attr-defined]
    limit, offset = page_bounds(params.limit, params.offset)
    persons = selectors.person_search(viewer=member, query=params.q.strip()[:100])
    shown = list(persons[offset : offset + limit])
    access_record(
        membership=member,
        action=AccessAction.SEARCH if params.q.strip() else AccessAction.LIST,
        seen=seen_persons(member, [p.pk for p in shown]),
        request=request,
        channel="api",
    )
    return {"items": [person_out(p) for p in shown], "count": persons.count()}


@router.post(
    "",
    response={201: PersonOut, **ERRORS},
    summary="Register a person",
    openapi_extra=json_body(PersonIn),
)
@in_municipality(EDIT_PERSONS)
def person_create(request: HttpRequest, code: CodePath) -> Status:
    member = request.auth  # type: ignore[attr-defined]
    payload = parse_body(request, PersonIn)
    try:
        person = services.person_create(
            actor=member, municipality=member.municipality, **_fields(payload, exclude_unset=False)
        )
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    return Status(201, person_out(person))


@router.get("/{int:person_id}", response={200: PersonOut, **ERRORS}, summary="One person")
@in_municipality(VIEW_PERSONS)
def person_detail(request: HttpRequest, code: CodePath, person_id: int) -> dict[str, Any]:
    member = request.auth  # type: ignore[attr-defined]
    person = person_for_viewer(membership=member, pk=person_id)
    access_record(
        membership=member,
        action=AccessAction.VIEW,
        seen=[Seen("person", person.pk, person_basis(member, person))],
        request=request,
        channel="api",
    )
    return person_out(person)


@router.patch(
    "/{int:person_id}",
    response={200: PersonOut, **ERRORS},
    summary="Change a person",
    openapi_extra=json_body(PersonPatch),
)
@in_municipality(EDIT_PERSONS)
def person_update(request: HttpRequest, code: CodePath, person_id: int) -> dict[str, Any]:
    member = request.auth  # type: ignore[attr-defined]
    person = person_for_editor(membership=member, pk=person_id)
    payload = parse_body(request, PersonPatch)
    try:
        person = services.person_update(
            actor=member, person=person, **_fields(payload, exclude_unset=True)
        )
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    return person_out(person)
