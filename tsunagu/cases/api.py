"""The API of cases: /api/v1/m/{code}/cases; every read is written to the access log."""

from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.utils import timezone
from ninja import Query, Router, Schema, Status
from ninja.errors import ValidationError

from tsunagu.api.auth import in_municipality
from tsunagu.api.common import (
    ERRORS,
    CodePath,
    django_errors_to_422,
    json_body,
    page_bounds,
    parse_body,
    query_id,
)
from tsunagu.audit.models import AccessAction
from tsunagu.cases import selectors, services
from tsunagu.cases.access import case_for_editor, case_for_viewer
from tsunagu.cases.codes import Stage
from tsunagu.cases.models import Case
from tsunagu.cases.schemas import CaseIn, CaseList, CaseOut, CasePatch
from tsunagu.people.models import Person
from tsunagu.policy import record, require, shown
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import EDIT_CASES, VIEW_ALL_CASES, VIEW_PERSONS
from tsunagu.tenancy.requests import ApiRequest

router = Router(tags=["cases"])


class ListParams(Schema):
    stage: str = ""
    person: int | None = query_id()
    mine: bool = False
    limit: int = 50
    offset: int = 0


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError([{"loc": ("body", field), "msg": message}])


def case_out(case: Case) -> dict[str, Any]:
    assignments = list(case.assignments.all())
    primary = next((a for a in assignments if a.is_primary), None)
    return {
        "id": case.pk,
        "person": case.person_id,
        "opened_on": case.opened_on,
        "referral_source": case.referral_source,
        "stage": case.stage,
        "goal": case.goal or "",
        "is_shared": case.is_shared,
        "assigned": [a.membership.user.username for a in assignments],
        "primary": primary.membership.user.username if primary else None,
        "closed_on": case.closed_on,
        "closure_reason": case.closure_reason,
    }


@router.get("", response={200: CaseList, **ERRORS}, summary="Cases the caller may see")
@in_municipality(VIEW_PERSONS)
def case_list(request: ApiRequest, code: CodePath, params: Query[ListParams]) -> dict[str, Any]:
    member = request.auth
    limit, offset = page_bounds(params.limit, params.offset)
    if params.stage and params.stage not in (*Stage.values, "open", "all"):
        raise ValidationError([{"loc": ("query", "stage"), "msg": "unknown stage"}])
    cases = selectors.case_list(
        viewer=member,
        stage=params.stage or "all",
        mine=params.mine,
        person_id=params.person,
    )
    rows = shown(member, Case, list(cases[offset : offset + limit]), action=AccessAction.LIST)
    # Each case names its person (`person_id`): the person is seen with it.
    record(member, Person, sorted({c.person_id for c in rows}), action=AccessAction.LIST)
    return {"items": [case_out(c) for c in rows], "count": cases.count()}


def _member_by_username(member: Membership, username: str, field: str) -> Membership:
    found = selectors.assignable_by_username(
        municipality_id=member.municipality_id, username=username
    )
    if found is None:
        raise _invalid(field, f"no staff member {username!r} who can be assigned")
    return found


@router.post(
    "",
    response={201: CaseOut, **ERRORS},
    summary="Open a case",
    openapi_extra=json_body(CaseIn),
)
@in_municipality(EDIT_CASES)
def case_open(request: ApiRequest, code: CodePath) -> Status[Any]:
    member = request.auth
    payload = parse_body(request, CaseIn)
    person = None
    if payload.person is not None:
        # An id the caller may not see answers like one that does not exist.
        person = selectors.intake_person(viewer=member, pk=payload.person)
        if person is None:
            raise _invalid("person", "no such person")
    primary = _member_by_username(member, payload.primary, "primary") if payload.primary else None
    others = [_member_by_username(member, u, "others") for u in payload.others]
    try:
        case = services.case_intake(
            actor=member,
            person=person,
            new_person=payload.new_person,
            opened_on=payload.opened_on,
            referral_source=payload.referral_source.value,
            goal=payload.goal,
            is_shared=payload.is_shared,
            primary=primary,
            others=others,
        )
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    return Status(201, case_out(_reload(case)))


def _reload(case: Case) -> Case:
    return selectors.case_for_page(case)


@router.get("/{int:case_id}", response={200: CaseOut, **ERRORS}, summary="One case")
@in_municipality(VIEW_PERSONS)
def case_detail(request: ApiRequest, code: CodePath, case_id: int) -> dict[str, Any]:
    member = request.auth
    case = _reload(case_for_viewer(membership=member, pk=case_id))
    record(member, Person, [case.person_id])  # the answer names the case's person
    return case_out(case)


@router.patch(
    "/{int:case_id}",
    response={200: CaseOut, **ERRORS},
    summary="Change a case",
    openapi_extra=json_body(CasePatch),
)
@in_municipality(EDIT_CASES)
def case_update(request: ApiRequest, code: CodePath, case_id: int) -> dict[str, Any]:
    """Goal, referral source and sharing change in place; the stage moves through its
    services: to a support stage with a reason, to "closed" with a closure reason."""
    member = request.auth
    # The answer carries the whole case: logged as an update even when nothing changes.
    case = case_for_editor(membership=member, pk=case_id, action=AccessAction.UPDATE)
    payload = parse_body(request, CasePatch)
    data = payload.dict(exclude_unset=True)
    if data.get("is_shared") is not None and data["is_shared"] != case.is_shared:
        require(member, VIEW_ALL_CASES)
    try:
        with transaction.atomic():
            services.case_update(
                actor=member,
                case=case,
                goal=data.get("goal"),
                referral_source=(
                    payload.referral_source.value if payload.referral_source else None
                ),
                is_shared=data.get("is_shared"),
            )
            if payload.stage is not None and payload.stage != case.stage:
                _move(member, case, payload)
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    return case_out(_reload(case))


def _move(member: Membership, case: Case, payload: CasePatch) -> None:
    stage = payload.stage
    if stage == Stage.CLOSED:
        if payload.closure_reason is None:
            raise _invalid("closure_reason", "needed to close a case")
        services.case_close(
            actor=member,
            case=case,
            reason=payload.closure_reason.value,
            closed_on=payload.closed_on or timezone.localdate(),
            note=payload.reason or "",
        )
        return
    if not (payload.reason or "").strip():
        raise _invalid("reason", "say why the stage changes")
    assert stage is not None
    if case.is_closed:
        services.case_reopen(actor=member, case=case, reason=payload.reason or "", stage=stage)
    else:
        services.case_change_stage(
            actor=member, case=case, to_stage=stage.value, reason=payload.reason or ""
        )
