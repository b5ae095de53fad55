"""The API of referrals (つなぎ): /api/v1/m/{code}/referrals and stats/referrals."""

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
    query_id,
)
from tsunagu.cases.models import Case
from tsunagu.core.eras import fiscal_year_dates
from tsunagu.network import selectors, services
from tsunagu.network.codes import ReferralStatus
from tsunagu.network.models import Referral, SupportMeeting
from tsunagu.network.schemas import (
    ReferralIn,
    ReferralList,
    ReferralOut,
    ReferralPatch,
    ReferralStatisticsOut,
)
from tsunagu.people.models import Consent
from tsunagu.policy import record, require, shown, visible
from tsunagu.policy.network import receives, sees_shared
from tsunagu.reports.disclosure import referral_statistics_for
from tsunagu.reports.forms import EARLIEST_FISCAL_YEAR, LATEST_FISCAL_YEAR
from tsunagu.tenancy.models import Membership, Organization
from tsunagu.tenancy.policy import EDIT_CASES, VIEW_PERSONS, VIEW_STATISTICS
from tsunagu.tenancy.requests import ApiRequest

router = Router(tags=["referrals"])
stats_router = Router(tags=["reports"])


def referral_out(member: Membership, referral: Referral) -> dict[str, Any]:
    """A referral as this member may read it: the receiver without a sharing basis gets the
    fact of the referral only."""
    open_ = sees_shared(member, referral)
    if open_:
        record(member, Case, [referral.case_id])  # the answer names the case
    return {
        "id": referral.pk,
        "case_id": referral.case_id if open_ else None,
        "destination": referral.destination,
        "organization_id": referral.organization_id,
        "purpose": (referral.purpose or "") if open_ else "",
        "shared": (referral.shared or "") if open_ else "",
        "status": referral.status,
        "consent_id": referral.consent_id,
        "meeting_id": referral.meeting_id,
        "requested_on": referral.requested_on,
        "status_changed_at": referral.status_changed_at,
        "history": [
            {
                "at": e.at,
                "by": e.by.user.username if e.by else None,
                "from_status": e.from_status,
                "status": e.to_status,
                "note": (e.note or "") if open_ else "",
                "on_behalf": e.on_behalf,
            }
            for e in referral.events.select_related("by__user")
        ],
    }


class ListParams(Schema):
    status: str = ""
    case: int | None = query_id()
    limit: int = 50
    offset: int = 0


@router.get("", response={200: ReferralList, **ERRORS}, summary="Referrals the caller may see")
@in_municipality(VIEW_PERSONS)
def referral_list(request: ApiRequest, code: CodePath, params: Query[ListParams]) -> Any:
    member = request.auth
    limit, offset = page_bounds(params.limit, params.offset)
    if params.status and params.status not in ReferralStatus.values:
        raise ValidationError([{"loc": ("query", "status"), "msg": "unknown status"}])
    rows = selectors.referral_list(member, status=params.status, case=params.case)
    page = list(rows[offset : offset + limit])
    shown(member, Referral, page)
    return {"items": [referral_out(member, r) for r in page], "count": rows.count()}


def _invalid(field: str, message: str) -> ValidationError:
    return ValidationError([{"loc": ("body", field), "msg": message}])


@router.post(
    "",
    response={201: ReferralOut, **ERRORS},
    summary="Refer a case (つなぎ)",
    openapi_extra=json_body(ReferralIn),
)
@in_municipality(EDIT_CASES)
def referral_create(request: ApiRequest, code: CodePath) -> Status[Any]:
    member = request.auth
    payload = parse_body(request, ReferralIn)
    # An id the caller may not see answers like one that does not exist.
    case = visible(member, Case).filter(pk=payload.case_id).first()
    if case is None:
        raise _invalid("case_id", "no such case")
    organization = consent = meeting = None
    if payload.organization_id is not None:
        organization = Organization.objects.filter(
            municipality_id=member.municipality_id, pk=payload.organization_id
        ).first()
        if organization is None:
            raise _invalid("organization_id", "no such organization")
    if payload.consent_id is not None:
        consent = Consent.objects.filter(
            municipality_id=member.municipality_id, pk=payload.consent_id, person=case.person_id
        ).first()
        if consent is None:
            raise _invalid("consent_id", "no such consent of the case's person")
    if payload.meeting_id is not None:
        meeting = SupportMeeting.objects.filter(
            municipality_id=member.municipality_id, pk=payload.meeting_id
        ).first()
        if meeting is None:
            raise _invalid("meeting_id", "no such support meeting")
    try:
        referral = services.referral_create(
            actor=member,
            case=case,
            destination=payload.destination.value,
            organization=organization,
            purpose=payload.purpose,
            shared=payload.shared,
            consent=consent,
            meeting=meeting,
            requested_on=payload.requested_on,
        )
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    return Status(201, referral_out(member, referral))


@router.get("/{int:referral_id}", response={200: ReferralOut, **ERRORS}, summary="One referral")
@in_municipality(VIEW_PERSONS)
def referral_detail(request: ApiRequest, code: CodePath, referral_id: int) -> Any:
    member = request.auth
    return referral_out(member, selectors.referral_for(member, referral_id))


@router.patch(
    "/{int:referral_id}",
    response={200: ReferralOut, **ERRORS},
    summary="Move a referral or record the receiver's feedback",
    description=(
        "`status` moves requested → accepted → in_support → completed, or to declined before "
        "support starts; any other move is a 422 naming `status`. The receiving organization's "
        "staff answer themselves; the center's staff record an answer given to them."
    ),
    openapi_extra=json_body(ReferralPatch),
)
@in_municipality(VIEW_PERSONS)
def referral_update(request: ApiRequest, code: CodePath, referral_id: int) -> Any:
    member = request.auth
    referral = selectors.referral_for(member, referral_id)
    on_behalf = not (receives(member) and referral.organization_id == member.organization_id)
    if on_behalf:
        require(member, EDIT_CASES)
    payload = parse_body(request, ReferralPatch)
    try:
        services.referral_answer(
            actor=member,
            referral=referral,
            status=payload.status.value if payload.status else "",
            note=payload.note,
            on_behalf=on_behalf,
        )
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    referral.refresh_from_db()
    return referral_out(member, referral)


@stats_router.get(
    "",
    response={200: ReferralStatisticsOut, **ERRORS},
    by_alias=True,
    summary="Referrals of a fiscal year by destination",
    description=(
        "Every destination code appears, zeros included. Outside the center (a committee "
        "member) a count that could single someone out is null, and so are the counts it "
        "could be worked out from."
    ),
)
@in_municipality(VIEW_STATISTICS)
def referral_statistics(
    request: ApiRequest, code: CodePath, fiscal_year: str | None = None
) -> dict[str, Any]:
    member = request.auth
    try:
        year = int(fiscal_year or "")
    except ValueError:
        year = 0
    if not EARLIEST_FISCAL_YEAR <= year <= LATEST_FISCAL_YEAR:
        raise ValidationError([{"loc": ("query", "fiscal_year"), "msg": "give a fiscal year"}])
    start, end = fiscal_year_dates(year)
    by_destination, total = referral_statistics_for(member, start=start, end=end)
    return {
        "from": start,
        "to": end,
        "fiscal_year": year,
        "total": total,
        "by_destination": by_destination,
    }
