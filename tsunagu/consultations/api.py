"""The API of consultations: /api/v1/m/{code}/consultations; every read is access-logged."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import ValidationError
from ninja.params.functions import Query
from ninja.responses import Status

from tsunagu.api.auth import in_municipality
from tsunagu.api.common import ERRORS, CodePath, json_body, parse_body
from tsunagu.audit.models import AccessAction
from tsunagu.cases.selectors import assignable_by_username, intake_person
from tsunagu.consultations import selectors, services
from tsunagu.consultations.access import consultation_for_correction, consultation_for_link
from tsunagu.consultations.codes import Channel, Consulter, MainConcern
from tsunagu.consultations.models import Consultation
from tsunagu.consultations.schemas import (
    ConsultationDetail,
    ConsultationIn,
    ConsultationList,
    ConsultationOut,
    ConsultationPatch,
)
from tsunagu.consultations.services import consultation_record
from tsunagu.core.eras import TOKYO, EraDateError, parse_date
from tsunagu.people.codes import AgeBand, Gender, Relation
from tsunagu.policy import one
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import RECORD_CONSULTATIONS, VIEW_PERSONS
from tsunagu.tenancy.requests import ApiRequest

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
        "main_concern": c.main_concern,
        "subject_age_band": c.subject_age_band,
        "subject_gender": c.subject_gender,
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
    request: ApiRequest,
    code: CodePath,
    from_: str | None = Query(None, alias="from", description="YYYY-MM-DD, inclusive"),
    to: str | None = Query(None, description="YYYY-MM-DD, inclusive"),
    limit: int = 50,
    offset: int = 0,
) -> dict[str, Any]:
    member: Membership = request.auth
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
    rows = list(consultations[offset : offset + limit])
    selectors.consultations_shown(member, rows)
    return {"items": [consultation_out(c) for c in rows], "count": consultations.count()}


def _checked(member: Membership, data: dict[str, Any]) -> dict[str, Any]:
    """The body's fields with codes checked and ids resolved to rows the caller may see.

    Anything the caller may not see is "not found", never "forbidden": existence must not leak.
    """
    problems: list[dict[str, Any]] = []
    checked = dict(data)
    codes = {
        "channel": (Channel.values, _("Not a channel code.")),
        "consulter": (Consulter.values, _("Not a consulter code.")),
        "consulter_relation": (Relation.values, _("Not a relation code.")),
        "main_concern": (MainConcern.values, _("Not a main concern code.")),
        "subject_age_band": (AgeBand.values, _("Not an age band code.")),
        "subject_gender": (Gender.values, _("Not a gender code.")),
    }
    for field, (allowed, message) in codes.items():
        if field not in data:
            continue
        value = data[field]
        if field in ("channel", "consulter"):
            if value not in allowed:
                problems.append(_invalid(field, message))
        elif value is None:
            checked[field] = ""
        elif value and value not in allowed:
            problems.append(_invalid(field, message))
    if data.get("staff"):
        found = assignable_by_username(
            municipality_id=member.municipality_id, username=data["staff"]
        )
        if found is None:
            problems.append(_invalid("staff", _("No member with this username.")))
        checked["staff"] = found
    elif "staff" in data:
        checked["staff"] = None
    if data.get("person") is not None:
        checked["person"] = intake_person(viewer=member, pk=data["person"])
        if checked["person"] is None:
            problems.append(_invalid("person", _("No such person.")))
    if data.get("case") is not None:
        case = checked["case"] = selectors.visible_case(viewer=member, pk=data["case"])
        person = checked.get("person")
        if case is None:
            problems.append(_invalid("case", _("No such case.")))
        elif person is not None and case.person_id != person.pk:
            problems.append(_invalid("case", _("The case belongs to another person.")))
    if data.get("occurred_at") is not None and timezone.is_naive(data["occurred_at"]):
        checked["occurred_at"] = data["occurred_at"].replace(tzinfo=TOKYO)
    for text in ("summary", "next_action"):
        if text in data and data[text] is None:
            checked[text] = ""
    if problems:
        raise ValidationError(problems)
    return checked


def _as_422(exc: DjangoValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return ValidationError([_invalid("body", " ".join(exc.messages))])
    return ValidationError(
        [_invalid(field, " ".join(messages)) for field, messages in exc.message_dict.items()]
    )


@router.post(
    "",
    response={201: ConsultationOut, **ERRORS},
    summary="Record a consultation",
    openapi_extra=json_body(ConsultationIn),
)
@in_municipality(RECORD_CONSULTATIONS)
def consultation_create(request: ApiRequest, code: CodePath) -> Status[dict[str, Any]]:
    member: Membership = request.auth
    payload = parse_body(request, ConsultationIn)
    fields = _checked(member, payload.model_dump())
    fields["staff"] = fields["staff"] or member
    fields["occurred_at"] = fields["occurred_at"] or timezone.now()
    try:
        consultation = consultation_record(actor=member, municipality=member.municipality, **fields)
    except DjangoValidationError as exc:
        raise _as_422(exc) from exc
    return Status(201, consultation_out(consultation))


def _detail(consultation: Consultation) -> dict[str, Any]:
    corrections = selectors.correction_entries(consultation)
    return {**consultation_out(consultation), "corrections": corrections}


@router.get(
    "/{int:consultation_id}",
    response={200: ConsultationDetail, **ERRORS},
    summary="One consultation, with its corrections",
)
@in_municipality(VIEW_PERSONS)
def consultation_detail(
    request: ApiRequest, code: CodePath, consultation_id: int
) -> dict[str, Any]:
    member: Membership = request.auth
    consultation = one(member, Consultation, consultation_id, permission=VIEW_PERSONS)
    selectors.consultation_context_shown(member, consultation)
    return _detail(consultation)


@router.patch(
    "/{int:consultation_id}",
    response={200: ConsultationDetail, **ERRORS},
    summary="Correct (訂正) a consultation; the reason is required",
    openapi_extra=json_body(ConsultationPatch),
)
@in_municipality(RECORD_CONSULTATIONS)
def consultation_correct(
    request: ApiRequest, code: CodePath, consultation_id: int
) -> dict[str, Any]:
    member: Membership = request.auth
    payload = parse_body(request, ConsultationPatch)
    data = payload.model_dump(exclude_unset=True)
    reason = (data.pop("reason", None) or "").strip()
    only_linking = set(data) <= {"person", "case"}
    # The answer carries the whole record: logged as an update even when nothing changes.
    consultation = (
        consultation_for_link(membership=member, pk=consultation_id, action=AccessAction.UPDATE)
        if only_linking
        else consultation_for_correction(
            membership=member, pk=consultation_id, action=AccessAction.UPDATE
        )
    )
    if not reason:
        raise ValidationError([_invalid("reason", _("Say why the record is changed."))])
    fields = _checked(member, data)
    if "occurred_at" in fields and fields["occurred_at"] is None:
        raise ValidationError([_invalid("occurred_at", _("This field is required."))])
    try:
        services.consultation_correct(
            actor=member, consultation=consultation, reason=reason, **fields
        )
    except DjangoValidationError as exc:
        raise _as_422(exc) from exc
    return _detail(consultation)
