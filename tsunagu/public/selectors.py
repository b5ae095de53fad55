"""Reads of the public side. Public reads run inside the municipality named by the URL and
return only what is published: public places and programmes, counts through disclosure."""

from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import Count, F, Min, Q, QuerySet
from django.http import Http404
from django_scopes import scope

from tsunagu.consultations.models import Consultation
from tsunagu.core.eras import fiscal_year, fiscal_year_dates
from tsunagu.places import selectors as place_selectors
from tsunagu.places.codes import SessionStatus
from tsunagu.places.models import Place, Session
from tsunagu.policy import visible_through
from tsunagu.programmes.codes import EnrolmentStatus
from tsunagu.programmes.models import Programme
from tsunagu.public.models import EventSignup, PublicPage, WebInquiry
from tsunagu.reports.disclosure import (
    protect_consultation_statistics,
    require_disclosable_period,
)
from tsunagu.reports.selectors import ConsultationStatistics, consultation_statistics
from tsunagu.tenancy.models import Membership, Municipality

SESSIONS_AHEAD_DAYS = 28
SESSIONS_PER_PLACE = 3


def municipality_or_404(code: str) -> Municipality:
    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        raise Http404
    return municipality


def page_of(municipality: Municipality) -> PublicPage | None:
    with scope(municipality=municipality):
        return PublicPage.objects.filter(municipality=municipality).first()


@dataclass
class PublicPlace:
    place: Place
    sessions: list[Session] = field(default_factory=list)


def public_places(municipality: Municipality, *, today: date) -> list[PublicPlace]:
    """Public places with their next sessions (cancelled ones shown as such)."""
    places = Place.objects.filter(municipality=municipality, public=True).order_by("name", "pk")
    result = []
    for place in places:
        sessions = place_selectors.sessions_between(
            place, today, today + timedelta(days=SESSIONS_AHEAD_DAYS)
        ).filter(programme_meeting__isnull=True)
        result.append(PublicPlace(place, list(sessions[:SESSIONS_PER_PLACE])))
    return result


def _programmes(municipality: Municipality) -> QuerySet[Programme]:
    return Programme.objects.filter(municipality=municipality, public=True).annotate(
        taken=Count("enrolments", filter=Q(enrolments__status=EnrolmentStatus.ENROLLED))
    )


def upcoming_events(municipality: Municipality, *, today: date) -> list[Programme]:
    """Public programmes with a meeting still to come, soonest first, with seats taken."""
    rows = (
        _programmes(municipality)
        .annotate(
            next_date=Min(
                "meetings__session__date",
                filter=Q(meetings__session__date__gte=today)
                & ~Q(meetings__session__status=SessionStatus.CANCELLED),
            )
        )
        .filter(next_date__isnull=False)
        .select_related("place")
        .order_by("next_date", "name", "pk")
    )
    return list(rows)


def public_event(municipality: Municipality, pk: int) -> Programme:
    programme = _programmes(municipality).select_related("place").filter(pk=pk).first()
    if programme is None:
        raise Http404
    return programme


def event_meetings(programme: Programme, *, today: date) -> list[Session]:
    return list(
        Session.objects.filter(programme_meeting__programme=programme, date__gte=today).order_by(
            "date", "start", "pk"
        )
    )


def seats_left(programme: Programme) -> int | None:
    if programme.capacity is None:
        return None
    taken = getattr(programme, "taken", None)
    if taken is None:
        taken = programme.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()
    return max(programme.capacity - taken, 0)


def signup_by_token(municipality: Municipality, token_hash: str) -> EventSignup:
    signup = (
        EventSignup.objects.filter(municipality=municipality, token_hash=token_hash)
        .select_related("enrolment__programme")
        .first()
    )
    if signup is None:
        raise Http404
    return signup


def last_whole_fiscal_year(today: date) -> int:
    return fiscal_year(today) - 1


def public_statistics(municipality: Municipality, *, year: int) -> ConsultationStatistics:
    """Consultations of one whole fiscal year, disclosure-protected: no count of 1–4, and no
    withheld count that the totals would give away."""
    start, end = fiscal_year_dates(year)
    require_disclosable_period(start, end)
    stats = consultation_statistics(municipality=municipality, start=start, end=end)
    return protect_consultation_statistics(stats)


# Staff side --------------------------------------------------------------------------------


def inbox(member: Membership) -> list[WebInquiry]:
    """Web inquiries whose consultation the member sees: unanswered first, newest first."""
    return list(
        WebInquiry.objects.filter(visible_through(member, Consultation, "consultation"))
        .select_related("consultation", "answered_by__user")
        .order_by(F("answered_at").asc(nulls_first=True), "-received_at", "-pk")
    )


def unanswered_count(member: Membership) -> int:
    return WebInquiry.objects.filter(
        visible_through(member, Consultation, "consultation"), answered_at__isnull=True
    ).count()
