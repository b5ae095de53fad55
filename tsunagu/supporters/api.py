"""The API of supporters and dispatch: /api/v1/m/{code}/supporters, dispatch-requests,
matching and dispatches. A supporter's token sees only its own dispatches."""

from datetime import time
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
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
)
from tsunagu.audit.services import Seen
from tsunagu.cases.models import Case
from tsunagu.policy import can, one, record, record_seen, require, visible
from tsunagu.supporters import selectors, services
from tsunagu.supporters.models import Dispatch, DispatchRequest, Supporter
from tsunagu.supporters.schemas import (
    DispatchList,
    DispatchRequestIn,
    DispatchRequestList,
    DispatchRequestOut,
    MatchingIn,
    MatchingOut,
    SlotIO,
    SupporterIn,
    SupporterList,
    SupporterOut,
)
from tsunagu.tenancy.policy import (
    MANAGE_SUPPORTERS,
    OWN_DISPATCHES,
    REQUEST_DISPATCH,
    VIEW_SUPPORTERS,
)
from tsunagu.tenancy.requests import ApiRequest

supporters = Router(tags=["supporters"])
dispatch_requests = Router(tags=["supporters"])
matching = Router(tags=["supporters"])
dispatches = Router(tags=["supporters"])


class Page(Schema):
    limit: int = 50
    offset: int = 0


def _slots(raw: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"weekday": s["weekday"], "start": s["start"], "end": s["end"]} for s in raw]


def supporter_out(s: Supporter) -> dict[str, Any]:
    return {
        "id": s.pk,
        "name": s.name,
        "background": s.background,
        "areas": s.areas,
        "skills": s.skills,
        "availability": [
            {"weekday": a.weekday, "start": f"{a.start:%H:%M}", "end": f"{a.end:%H:%M}"}
            for a in s.availability.all()
        ],
        "max_active": s.max_active,
        "status": s.status,
        "peer": s.peer,
        "pledged_on": s.pledged_on,
        "person_id": s.person_id,
    }


def request_out(r: DispatchRequest) -> dict[str, Any]:
    wants = r.wants or {}
    return {
        "id": r.pk,
        "case_id": r.case_id,
        "purpose": r.purpose or "",
        "area": r.area,
        "when": _slots(r.when),
        "wants": {
            "gender": wants.get("gender"),
            "peer": wants.get("peer"),
            "skills": wants.get("skills") or [],
        },
        "refused_supporters": sorted(s.pk for s in r.refused.all()),
        "status": r.status,
    }


def _weekly(slots: list[SlotIO]) -> list[services.WeeklySlot]:
    return [
        services.WeeklySlot(s.weekday, time.fromisoformat(s.start), time.fromisoformat(s.end))
        for s in slots
    ]


@supporters.get("", response={200: SupporterList, **ERRORS}, summary="Supporters")
@in_municipality(None)
def supporter_list(request: ApiRequest, code: CodePath, page: Query[Page]) -> dict[str, Any]:
    member = request.auth
    if not can(member, OWN_DISPATCHES):  # a supporter sees their own record only
        require(member, VIEW_SUPPORTERS)
    limit, offset = page_bounds(page.limit, page.offset)
    rows = selectors.supporter_list(viewer=member)
    return {
        "items": [supporter_out(s) for s in rows[offset : offset + limit]],
        "count": rows.count(),
    }


@supporters.post(
    "",
    response={201: SupporterOut, **ERRORS},
    summary="Register a supporter",
    openapi_extra=json_body(SupporterIn),
)
@in_municipality(MANAGE_SUPPORTERS)
def supporter_create(request: ApiRequest, code: CodePath) -> Status[Any]:
    member = request.auth
    payload = parse_body(request, SupporterIn)
    try:
        supporter = services.supporter_save(
            actor=member,
            name=payload.name,
            background=payload.background,
            areas=payload.areas,
            skills=payload.skills,
            availability=_weekly(payload.availability),
            max_active=payload.max_active,
            status=payload.status,
            peer=payload.peer,
            pledged_on=payload.pledged_on,
            gender=payload.gender,
            person_id=payload.person_id,
        )
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    return Status(201, supporter_out(supporter))


@dispatch_requests.get(
    "", response={200: DispatchRequestList, **ERRORS}, summary="Dispatch requests"
)
@in_municipality(REQUEST_DISPATCH)
def dispatch_request_list(request: ApiRequest, code: CodePath, page: Query[Page]) -> dict[str, Any]:
    member = request.auth
    limit, offset = page_bounds(page.limit, page.offset)
    rows = selectors.dispatch_request_list(viewer=member)
    page_rows = list(rows[offset : offset + limit])
    record(member, Case, [r.case_id for r in page_rows], action="list")
    return {"items": [request_out(r) for r in page_rows], "count": rows.count()}


@dispatch_requests.post(
    "",
    response={201: DispatchRequestOut, **ERRORS},
    summary="Ask for a supporter for a case",
    openapi_extra=json_body(DispatchRequestIn),
)
@in_municipality(REQUEST_DISPATCH)
def dispatch_request_create(request: ApiRequest, code: CodePath) -> Status[Any]:
    member = request.auth
    payload = parse_body(request, DispatchRequestIn)
    case = one(member, Case, payload.case_id, permission=REQUEST_DISPATCH, action="create")
    refused = list(visible(member, Supporter).filter(pk__in=payload.refused_supporters))
    if len(refused) != len(set(payload.refused_supporters)):
        raise ValidationError(
            [{"loc": ("body", "refused_supporters"), "msg": "not a supporter of this municipality"}]
        )
    try:
        created = services.dispatch_request_create(
            actor=member,
            case=case,
            purpose=payload.purpose,
            area=payload.area,
            when=_weekly(payload.when),
            wants=payload.wants.model_dump(exclude_none=True),
            refused=refused,
        )
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    return Status(201, request_out(created))


@matching.post(
    "",
    response={200: MatchingOut, **ERRORS},
    summary="Propose supporters for open requests",
    openapi_extra=json_body(MatchingIn),
)
@in_municipality(MANAGE_SUPPORTERS)
def matching_run(request: ApiRequest, code: CodePath) -> dict[str, Any]:
    member = request.auth
    payload = parse_body(request, MatchingIn)
    result = selectors.matching_run(
        viewer=member, request_ids=payload.request_ids, supporter_ids=payload.supporter_ids
    )
    return {
        "proposals": [
            {
                "request_id": p.request_id,
                "supporter_id": p.supporter_id,
                "score": p.score,
                "reasons": list(p.reasons),
            }
            for p in result.proposals
        ],
        "unmatched": [{"request_id": r, "why": why} for r, why in result.unmatched],
    }


@dispatches.get("", response={200: DispatchList, **ERRORS}, summary="Dispatches")
@in_municipality(None)
def dispatch_list(request: ApiRequest, code: CodePath, page: Query[Page]) -> dict[str, Any]:
    member = request.auth
    supporter = can(member, OWN_DISPATCHES)
    if not supporter:
        require(member, REQUEST_DISPATCH)
    limit, offset = page_bounds(page.limit, page.offset)
    rows = selectors.dispatch_list(viewer=member)
    page_rows: list[Dispatch] = list(rows[offset : offset + limit])
    if supporter:
        # The briefing is case information the lead released: logged on the dispatch's basis.
        record_seen(
            member,
            [Seen("case", d.request.case_id, f"dispatch:{d.pk}") for d in page_rows],
            action="list",
        )
    else:
        record(member, Case, [d.request.case_id for d in page_rows], action="list")
    return {
        "items": [
            {
                "id": d.pk,
                "request_id": d.request_id,
                "supporter_id": d.supporter_id,
                "status": d.status,
                "area": d.request.area,
                "when": _slots(d.request.when),
                "briefing": d.briefing or "",
            }
            for d in page_rows
        ],
        "count": rows.count(),
    }
