"""The API of consultations: /api/v1/m/{code}/consultations; every read is access-logged."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.errors import ValidationError
from ninja.responses import Status

from tsunagu.api.auth import in_municipality
from tsunagu.api.common import ERRORS, CodePath, json_body, parse_body
from tsunagu.audit.models import AccessAction
from tsunagu.audit.services import access_record
from tsunagu.cases.policy import visible_cases, visible_persons
from tsunagu.cases.selectors import assignable_members
from tsunagu.consultations import selectors
from tsunagu.consultations.codes import Channel, Consulter
from tsunagu.consultations.models import Consultation
from tsunagu.consultations.schemas import ConsultationIn, ConsultationList, ConsultationOut
from tsunagu.consultations.services import consultation_record
from tsunagu.core.eras import TOKYO, EraDateError, parse_date
from tsunagu.people.codes import Relation
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import RECORD_CONSULTATIONS, VIEW_PERSONS

router = Router(tags=["consultations"])

MAX_LIMIT = 1000


def consultation_out(c: Consultation) -> dict[str, Any]:
    return {
        "id": c.pk,
        "occurred_at": timezone.localtime(c.occurred_at, TOKYO),
        "channel": c.channel,
        "consulter": c.consulter,
        "consulter_relation": c.consulter_relation,
        "staff": c.staff.user.username if c.staff_id and c.staff else None,
        "minutes": c.minutes,
        "summary": c.summary or "",
        "next_action": c.next_action or "",
        "next_action_on": c.next_action_on,
        "person": c.person_id,
        "case": c.case_id,
    }


def _invalid(field: str, message: str, where: str = "body") -> dict[str, Any]:
    return {"loc": (where, field), "msg": message}


def _query_date(name: str, value: str | None, problems: list[dict[str, Any]]) -> date | None:
    if not value:
        return None
    try:
        return parse_date(value)
    except EraDateError as exc:
        problems.append(_invalid(name, exc.args[0], "query"))
        return None


@router.get(
    "", response={200: ConsultationList, **ERRORS}, summary="Consultations the caller may see"
)
@in_municipality(VIEW_PERSONS)
def consultation_list(
    request: HttpRequest,
    code: CodePath,
    from_: str | None = Query(None, alias="from", description="YYYY-MM-DD, inclusive"),
    to: str | None = Query(None, description="YYYY-MM-DD, inclusive"),
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    member: Membership = request.auth  # type: ignore[attr-defined]
    problems: list[dict[str, Any]] = []
    start = _query_date("from", from_, problems)
    end = _query_date("to", to, problems)
    if start and end and end < start:
        problems.append(_invalid("to", _("The end is before the start."), "query"))
    if not 1 <= limit <= MAX_LIMIT:
        problems.append(_invalid("limit", _("Must be between 1 and 1000."), "query"))
    if offset < 0:
        problems.append(_invalid("offset", _("Must not be negative."), "query"))
    if problems:
        raise ValidationError(problems)
    consultations = selectors.consultation_list(viewer=member, date_from=start, date_to=end)
    shown = list(consultations[offset : offset + limit])
    access_record(
        membership=member,
        action=AccessAction.LIST,
        seen=selectors.consultation_seen(member, shown),
        request=request,
        channel="api",
    )
    return {"items": [consultation_out(c) for c in shown], "count": consultations.count()}


@router.post(
    "",
    response={201: ConsultationOut, **ERRORS},
    summary="Record a consultation",
    openapi_extra=json_body(ConsultationIn),
)
@in_municipality(RECORD_CONSULTATIONS)
def consultation_create(request: HttpRequest, code: CodePath) -> Status[dict[str, Any]]:
    member: Membership = request.auth  # type: ignore[attr-defined]
    payload = parse_body(request, ConsultationIn)
    problems: list[dict[str, Any]] = []
    if payload.channel not in Channel.values:
        problems.append(_invalid("channel", _("Not a channel code.")))
    if payload.consulter not in Consulter.values:
        problems.append(_invalid("consulter", _("Not a consulter code.")))
    if payload.consulter_relation and payload.consulter_relation not in Relation.values:
        problems.append(_invalid("consulter_relation", _("Not a relation code.")))
    staff = member
    if payload.staff:
        found = (
            assignable_members(municipality_id=member.municipality_id)
            .filter(user__username=payload.staff)
            .first()
        )
        if found is None:
            problems.append(_invalid("staff", _("No member with this username.")))
        else:
            staff = found
    # Anything the caller may not see is "not found", never "forbidden": existence must not leak.
    person = None
    if payload.person is not None:
        person = visible_persons(member).filter(pk=payload.person).first()
        if person is None:
            problems.append(_invalid("person", _("No such person.")))
    case = None
    if payload.case is not None:
        case = visible_cases(member).filter(pk=payload.case).first()
        if case is None:
            problems.append(_invalid("case", _("No such case.")))
        elif person is not None and case.person_id != person.pk:
            problems.append(_invalid("case", _("The case belongs to another person.")))
    if problems:
        raise ValidationError(problems)
    occurred_at = payload.occurred_at or timezone.now()
    if timezone.is_naive(occurred_at):
        occurred_at = occurred_at.replace(tzinfo=TOKYO)
    try:
        consultation = consultation_record(
            actor=member,
            municipality=member.municipality,
            occurred_at=occurred_at,
            channel=payload.channel,
            consulter=payload.consulter,
            consulter_relation=payload.consulter_relation,
            staff=staff,
            minutes=payload.minutes,
            summary=payload.summary,
            next_action=payload.next_action,
            next_action_on=payload.next_action_on,
            person=person,
            case=case,
        )
    except DjangoValidationError as exc:
        raise ValidationError(
            [_invalid(field, " ".join(messages)) for field, messages in exc.message_dict.items()]
        ) from exc
    return Status(201, consultation_out(consultation))
