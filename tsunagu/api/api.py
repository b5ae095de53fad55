"""The /api/v1 root: authentication, the error format of CONTRACT.md, and the routers."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError

from tsunagu.api.auth import TokenAuth
from tsunagu.api.common import Error
from tsunagu.tenancy.models import Municipality
from tsunagu.tenancy.policy import confined
from tsunagu.tenancy.requests import ApiRequest

api = NinjaAPI(
    title="Tsunagu API",
    version="1",
    description="Hikikomori support casework for Japanese municipalities.",
    auth=TokenAuth(),
    urls_namespace="api",
)


def error_response(
    request: ApiRequest, status: int, detail: str, errors: list[dict[str, str]] | None = None
) -> HttpResponse:
    return api.create_response(request, {"detail": detail, "errors": errors or []}, status=status)


@api.exception_handler(AuthenticationError)
def on_authentication_error(request: ApiRequest, exc: Exception) -> HttpResponse:
    response = error_response(request, 401, _("A valid API token is required."))
    response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(Http404)
def on_not_found(request: ApiRequest, exc: Exception) -> HttpResponse:
    return error_response(request, 404, _("Not found."))


@api.exception_handler(PermissionDenied)
def on_permission_denied(request: ApiRequest, exc: Exception) -> HttpResponse:
    if confined(getattr(request, "membership", None)):  # a supporter learns nothing exists
        return on_not_found(request, exc)
    return error_response(request, 403, _("Your role may not do this."))


@api.exception_handler(ValidationError)
def on_validation_error(request: ApiRequest, exc: ValidationError) -> HttpResponse:
    errors = []
    for error in exc.errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body", "query", "path")]
        errors.append({"field": ".".join(loc) or "-", "message": str(error.get("msg", ""))})
    return error_response(request, 422, _("The request is not valid."), errors)


@api.exception_handler(HttpError)
def on_http_error(request: ApiRequest, exc: HttpError) -> HttpResponse:
    return error_response(request, exc.status_code, str(exc))


class MunicipalityOut(Schema):
    code: str
    name: str
    prefecture: str
    population: int | None
    population_as_of: date | None


@api.get(
    "/municipalities",
    response={200: list[MunicipalityOut], 401: Error},
    summary="Municipalities the caller belongs to",
    tags=["tenancy"],
)
def municipality_list(request: ApiRequest) -> list[Municipality]:
    membership = request.auth
    return [membership.municipality]


# Every router below lives under /m/{code}/ and enters the caller's municipality through
# tsunagu.api.auth.in_municipality (404 for another code).
def _add_routers() -> None:
    from tsunagu.cases.api import router as cases
    from tsunagu.consultations.api import router as consultations
    from tsunagu.network.api import router as referrals
    from tsunagu.network.api import stats_router as referral_statistics
    from tsunagu.people.api import router as persons
    from tsunagu.places.api import bookings_router, sessions_router, stats_router
    from tsunagu.places.api import router as places
    from tsunagu.programmes.api import router as programmes
    from tsunagu.reports.api import router as statistics
    from tsunagu.supporters import api as supporters
    from tsunagu.surveys.api import router as surveys

    api.add_router("/m/{code}/persons", persons)
    api.add_router("/m/{code}/cases", cases)
    api.add_router("/m/{code}/consultations", consultations)
    api.add_router("/m/{code}/stats", statistics)
    api.add_router("/m/{code}/referrals", referrals)
    api.add_router("/m/{code}/stats/referrals", referral_statistics)
    api.add_router("/m/{code}/places", places)
    api.add_router("/m/{code}/sessions", sessions_router)
    api.add_router("/m/{code}/stats/places", stats_router)
    api.add_router("/m/{code}/bookings", bookings_router)
    api.add_router("/m/{code}/programmes", programmes)
    api.add_router("/m/{code}/supporters", supporters.supporters)
    api.add_router("/m/{code}/dispatch-requests", supporters.dispatch_requests)
    api.add_router("/m/{code}/matching", supporters.matching)
    api.add_router("/m/{code}/dispatches", supporters.dispatches)
    api.add_router("/m/{code}/surveys", surveys)


_add_routers()
