"""The API of reports: consultation statistics of one municipality (CONTRACT.md)."""

from dataclasses import asdict

from django.core.exceptions import ValidationError as DjangoValidationError
from ninja import Router
from ninja.errors import ValidationError
from ninja.params.functions import Query

from tsunagu.api.auth import in_municipality
from tsunagu.api.common import CodePath, Error, django_errors_to_422
from tsunagu.reports.disclosure import consultation_statistics_for
from tsunagu.reports.forms import PeriodForm
from tsunagu.reports.schemas import ConsultationStatisticsOut
from tsunagu.tenancy.policy import VIEW_STATISTICS
from tsunagu.tenancy.requests import ApiRequest

router = Router(tags=["reports"])


@router.get(
    "/consultations",
    response={200: ConsultationStatisticsOut, 401: Error, 403: Error, 404: Error, 422: Error},
    by_alias=True,
    summary="Consultation counts of a fiscal year or a date range",
    description=(
        "Give `fiscal_year=YYYY` (April to March) or `from` and `to` (YYYY-MM-DD, inclusive, "
        "Asia/Tokyo; at most five years). Every channel and consulter code appears, zeros "
        "included, and every month of the period appears in `by_month`. Outside the center "
        "(a committee member) only a fiscal year is given, and a figure that could single "
        "someone out is null (counts of 1–4 and the figures they could be worked out from)."
    ),
)
@in_municipality(VIEW_STATISTICS)
def consultation_statistics_get(
    request: ApiRequest,
    # Marked explicitly: ninja sees only the operation's own path, not the router's prefix.
    code: CodePath,
    # Strings, parsed below, so that 404 and 403 come before any complaint about the query.
    from_: str | None = Query(None, alias="from", description="YYYY-MM-DD"),
    to: str | None = Query(None, description="YYYY-MM-DD"),
    fiscal_year: str | None = Query(None, description="e.g. 2018 for 2018-04-01..2019-03-31"),
) -> dict[str, object]:
    given = {"from": from_, "to": to, "fiscal_year": fiscal_year}
    form = PeriodForm({k: v for k, v in given.items() if v not in (None, "")})
    if not form.is_valid():
        raise ValidationError(
            [{"loc": ("query", e["field"]), "msg": e["message"]} for e in form.error_list()]
        )
    period = form.period
    membership = request.auth
    try:
        stats = consultation_statistics_for(membership, start=period.start, end=period.end)
    except DjangoValidationError as exc:
        raise django_errors_to_422(exc, location="query") from exc
    body = asdict(stats)
    body["from"], body["to"] = body.pop("start"), body.pop("end")
    body["fiscal_year"] = period.fiscal_year
    return body
