"""The public pages of a municipality under /p/<code>/: no login, no personal data.

Each view reads only published rows inside the municipality named by the URL (an unknown
code is 404). Forms carry a CSRF token, a honeypot and a signed form token; what a citizen
wrote is never echoed back, and nothing personal is logged.
"""

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_scopes import scope

from tsunagu.consultations.codes import Channel, Consulter
from tsunagu.programmes.selectors import waiting_position
from tsunagu.programmes.services import Full
from tsunagu.public import selectors, services, throttle
from tsunagu.public.forms import InquiryForm, ProtectedForm, SignupForm
from tsunagu.tenancy.models import Municipality

PAGE_SECONDS = 60  # a change by staff shows on the public page within this time


def _public(response: HttpResponse, seconds: int = PAGE_SECONDS) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=seconds)
    return response


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, no_store=True, private=True)
    return response


def _cached_page(
    request: HttpRequest, key: str, build: Callable[[], dict[str, Any]], template: str
) -> HttpResponse:
    """A page built from live data, kept rendered for PAGE_SECONDS per language."""
    cache_key = f"public:page:{key}:{get_language()}"
    body = cache.get(cache_key)
    if body is None:
        body = render_to_string(template, build(), request=request)
        cache.set(cache_key, body, PAGE_SECONDS)
    return _public(HttpResponse(body))


def index(request: HttpRequest, code: str) -> HttpResponse:
    municipality = selectors.municipality_or_404(code)

    def build() -> dict[str, Any]:
        today = timezone.localdate()
        with scope(municipality=municipality):
            return {
                "public_municipality": municipality,
                "page": selectors.page_of(municipality),
                "places": selectors.public_places(municipality, today=today),
                "events": [
                    (e, selectors.seats_left(e))
                    for e in selectors.upcoming_events(municipality, today=today)
                ],
                "today": today,
            }

    return _cached_page(request, f"index:{code}", build, "public/index.html")


def statistics(request: HttpRequest, code: str) -> HttpResponse:
    municipality = selectors.municipality_or_404(code)
    year = selectors.last_whole_fiscal_year(timezone.localdate())

    def build() -> dict[str, Any]:
        with scope(municipality=municipality):
            stats = selectors.public_statistics(municipality, year=year)
        channels = dict(Channel.choices)
        consulters = dict(Consulter.choices)
        return {
            "public_municipality": municipality,
            "stats": stats,
            "year": year,
            "by_channel": [(channels.get(c, c), n) for c, n in stats.by_channel.items()],
            "by_consulter": [(consulters.get(c, c), n) for c, n in stats.by_consulter.items()],
            "page": selectors.page_of(municipality),
        }

    return _cached_page(request, f"statistics:{code}:{year}", build, "public/statistics.html")


def _refusal(
    request: HttpRequest, municipality: Municipality, form: str, reason: str, status: int
) -> HttpResponse:
    throttle.refused(municipality.code, form, reason)
    message = (
        _(
            "Too many messages were sent from this connection."
            " Please try again in an hour, or call us."
        )
        if reason == "rate_limit"
        else _("We could not accept this message. Please try again, or call us.")
    )
    response = render(
        request,
        "public/refused.html",
        {
            "public_municipality": municipality,
            "message": message,
            "page": selectors.page_of(municipality),
        },
        status=status,
    )
    return _private(response)


def _screen(request: HttpRequest, form: ProtectedForm, name: str) -> str | None:
    """Why a bound form is refused before it is read (None: go on)."""
    if form.is_bot:
        return "honeypot"
    token = throttle.read_token(str(request.POST.get("form_token", "")))
    if token is None:
        return "token"
    if throttle.over_limit(request, name, str(token.get("k", ""))):
        return "rate_limit"
    elapsed = timezone.now().timestamp() - float(token.get("t", 0))  # type: ignore[arg-type]
    if elapsed < throttle.min_seconds():
        return "too_fast"
    return None


def _posted(
    request: HttpRequest,
    municipality: Municipality,
    form: ProtectedForm,
    name: str,
    save: Callable[[dict[str, Any]], HttpResponse | None],
) -> HttpResponse | None:
    """The one path of a posted public form: screened (robot, forged token, rate limit, too
    fast), checked, then `save`d with its cleaned data inside the municipality. A response
    when done or refused; None to show the form again, its errors next to the fields, what
    was typed kept, with a fresh form token."""
    reason = _screen(request, form, name)
    if reason in ("honeypot", "token"):
        return _refusal(request, municipality, name, reason, 400)
    if reason == "rate_limit":
        return _refusal(request, municipality, name, reason, 429)
    if reason == "too_fast":
        throttle.refused(municipality.code, name, reason)
        form.add_error(None, _("Please check your entry once more, then send it again."))
    elif form.is_valid():
        try:
            with scope(municipality=municipality):
                done = save(form.cleaned_data)
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                form.add_error(None, exc)
            for field, errors in getattr(exc, "error_dict", {}).items():
                form.add_error(field if field in form.fields else None, errors)
        else:
            if done is not None:
                return done
    data = request.POST.copy()
    data["form_token"] = throttle.form_token()
    form.data = data
    return None


@require_http_methods(["GET", "POST"])
def inquiry(request: HttpRequest, code: str) -> HttpResponse:
    municipality = selectors.municipality_or_404(code)
    context: dict[str, Any] = {
        "public_municipality": municipality,
        "page": selectors.page_of(municipality),
    }

    def save(data: dict[str, Any]) -> HttpResponse:
        received = services.inquiry_submit(
            municipality=municipality,
            writer=data["writer"],
            about=data["about"],
            reply_by=data["reply_by"],
            reply_to=data["reply_to"],
            text=data["text"],
        )
        context.update(receipt=received.receipt, reply_by=received.reply_by)
        return _private(render(request, "public/inquiry_done.html", context))

    if request.method == "POST":
        form = InquiryForm(request.POST)
        done = _posted(request, municipality, form, "inquiry", save)
        if done is not None:
            return done
    else:
        form = InquiryForm(initial={"form_token": throttle.form_token()})
    context["form"] = form
    return _private(render(request, "public/inquiry.html", context))


@require_http_methods(["GET", "POST"])
def event(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    municipality = selectors.municipality_or_404(code)
    today = timezone.localdate()
    with scope(municipality=municipality):
        programme = selectors.public_event(municipality, pk)
        meetings = selectors.event_meetings(programme, today=today)
    context: dict[str, Any] = {
        "public_municipality": municipality,
        "page": selectors.page_of(municipality),
        "programme": programme,
        "meetings": meetings,
        "seats_left": selectors.seats_left(programme),
    }

    def save(data: dict[str, Any]) -> HttpResponse | None:
        if not meetings:
            raise ValidationError(_("This event has no date left to sign up for."))
        try:
            signup, token = services.signup_create(
                programme=programme,
                name=data["name"],
                contact=data["contact"],
                waiting=data["waiting"],
            )
        except Full:
            form.add_error(
                None,
                _(
                    "Sorry, this event has just become full (満席)."
                    " You can put your name on the waiting list instead."
                ),
            )
            context["seats_left"] = 0
            return None
        cancel = request.build_absolute_uri(
            reverse("public:event_cancel", kwargs={"code": code, "token": token})
        )
        context.update(
            receipt=signup.receipt,
            cancel_url=cancel,
            waiting_number=waiting_position(signup.enrolment),
        )
        return _private(render(request, "public/event_done.html", context))

    if request.method == "POST":
        form = SignupForm(request.POST)
        done = _posted(request, municipality, form, "signup", save)
        if done is not None:
            return done
    else:
        form = SignupForm(initial={"form_token": throttle.form_token()})
    context["form"] = form
    return _private(render(request, "public/event.html", context))


@require_http_methods(["GET", "POST"])
def event_cancel(request: HttpRequest, code: str, token: str) -> HttpResponse:
    municipality = selectors.municipality_or_404(code)
    with scope(municipality=municipality):
        signup = selectors.signup_by_token(municipality, services.token_hash(token))
        if request.method == "POST":
            services.signup_cancel(signup=signup)
        context = {
            "public_municipality": municipality,
            "page": selectors.page_of(municipality),
            "signup": signup,
            "programme": signup.enrolment.programme,
            "done": signup.cancelled_at is not None,
            "waiting_number": waiting_position(signup.enrolment),
        }
    response = render(request, "public/event_cancel.html", context)
    response["Referrer-Policy"] = "no-referrer"  # the link is a secret
    return _private(response)
