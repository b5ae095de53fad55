"""The API of needs surveys (実態把握): /api/v1/m/{code}/surveys (CONTRACT.md, "Community")."""

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Field, Query, Router, Schema, Status
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
from tsunagu.policy import one
from tsunagu.surveys import selectors, services
from tsunagu.surveys.models import District, Survey
from tsunagu.tenancy.policy import MANAGE_SURVEYS, VIEW_SURVEYS
from tsunagu.tenancy.requests import ApiRequest

router = Router(tags=["surveys"])


class DistrictCount(Schema):
    name: str
    count: int
    responded: bool


class SurveyOut(Schema):
    id: int
    name: str
    conducted_on: date
    districts: list[DistrictCount]
    total: int


class SurveyList(Schema):
    items: list[SurveyOut]
    count: int


class SurveyIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    conducted_on: date
    districts: list[str] | None = Field(
        None, description="District names; default: every district of the municipality"
    )


class Page(Schema):
    limit: int = 50
    offset: int = 0


def survey_out(survey: Survey) -> dict[str, Any]:
    answers = selectors.answers_of(survey)
    return {
        "id": survey.pk,
        "name": survey.name,
        "conducted_on": survey.conducted_on,
        "districts": [
            {"name": a.district.name, "count": a.total, "responded": a.responded} for a in answers
        ],
        "total": sum(a.total for a in answers),
    }


@router.get("", response={200: SurveyList, **ERRORS}, summary="Needs surveys")
@in_municipality(VIEW_SURVEYS)
def survey_list(request: ApiRequest, code: CodePath, page: Query[Page]) -> dict[str, Any]:
    member = request.auth
    limit, offset = page_bounds(page.limit, page.offset)
    surveys = selectors.survey_list(viewer=member)
    items = [survey_out(s) for s in surveys[offset : offset + limit]]
    return {"items": items, "count": surveys.count()}


@router.post(
    "",
    response={201: SurveyOut, **ERRORS},
    summary="Start a survey round over the districts",
    openapi_extra=json_body(SurveyIn),
)
@in_municipality(MANAGE_SURVEYS)
def survey_create(request: ApiRequest, code: CodePath) -> Status[Any]:
    member = request.auth
    payload = parse_body(request, SurveyIn)
    districts = None
    if payload.districts is not None:
        found = {
            d.name: d
            for d in District.objects.filter(
                municipality_id=member.municipality_id, name__in=payload.districts
            )
        }
        unknown = [name for name in payload.districts if name not in found]
        if unknown:
            raise ValidationError(
                [{"loc": ("body", "districts"), "msg": f"unknown district: {unknown[0]}"}]
            )
        districts = [found[name] for name in dict.fromkeys(payload.districts)]
    try:
        survey = services.survey_create(
            actor=member, name=payload.name, conducted_on=payload.conducted_on, districts=districts
        )
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc) from exc
    return Status(201, survey_out(survey))


@router.get("/{int:survey_id}", response={200: SurveyOut, **ERRORS}, summary="One survey round")
@in_municipality(VIEW_SURVEYS)
def survey_detail(request: ApiRequest, code: CodePath, survey_id: int) -> dict[str, Any]:
    member = request.auth
    return survey_out(one(member, Survey, survey_id, permission=VIEW_SURVEYS))
