"""Screens of places: list, place page with a month calendar, schedule form, session page
with reservations and one-tap attendance (phone-sized), and the public iCalendar feed."""

import calendar
from datetime import date, datetime, timedelta
from typing import Any

import jpholiday
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope

from tsunagu.people.models import Person
from tsunagu.places import schedules, selectors, services
from tsunagu.places.access import place_for, session_for
from tsunagu.places.codes import ReservationStatus
from tsunagu.places.forms import SCHEDULE_ROWS, PlaceForm, ScheduleForm, SessionChangeForm
from tsunagu.places.ical import place_calendar
from tsunagu.places.models import Attendance, Place, Reservation
from tsunagu.policy import bases_of, can, require, visible
from tsunagu.tenancy.models import Municipality
from tsunagu.tenancy.policy import (
    BOOK_SESSIONS,
    MANAGE_PLACES,
    TAKE_ATTENDANCE,
    VIEW_PLACES,
)


def place_list(request: HttpRequest, code: str) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
    require(member, VIEW_PLACES)
    places = list(selectors.place_list(member))
    rows = [(p, [str(r) for r in services.rules_in_force(p)]) for p in places]
    return render(
        request,
        "places/place_list.html",
        {"rows": rows, "manage": can(member, MANAGE_PLACES)},
    )


def _schedule_forms(request: HttpRequest, place: Place | None) -> list[ScheduleForm]:
    rules = services.rules_in_force(place) if place is not None else []
    forms = []
    for i in range(max(SCHEDULE_ROWS, len(rules) + 1)):
        initial = ScheduleForm.initial_for(rules[i]) if i < len(rules) else {}
        forms.append(ScheduleForm(request.POST or None, prefix=f"s{i}", initial=initial))
    return forms


def _place_edit(request: HttpRequest, code: str, place: Place | None) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
    initial: dict[str, Any] = {}
    if place is not None:
        initial = {
            f: getattr(place, f)
            for f in (
                "name",
                "kind",
                "access",
                "capacity",
                "organization",
                "address",
                "activities",
                "public",
            )
        }
        initial["closed_dates"] = "\n".join(place.closed_dates)
    form = PlaceForm(request.POST or None, initial=initial)
    schedule_forms = _schedule_forms(request, place)
    if request.method == "POST" and form.is_valid() and all(f.is_valid() for f in schedule_forms):
        rules = [
            services.RuleIn(
                f.cleaned_data["rrule"],
                f.cleaned_data["start"],
                f.cleaned_data["end"],
                f.cleaned_data["holidays"],
            )
            for f in schedule_forms
            if f.cleaned_data.get("pattern")
        ]
        data = dict(form.cleaned_data)
        closed = data.pop("closed_dates")
        try:
            if place is None:
                place = services.place_create(
                    actor=member,
                    municipality_id=member.municipality_id,
                    rules=rules,
                    closed_dates=closed,
                    **data,
                )
            else:
                place = services.place_update(
                    actor=member, place=place, rules=rules, closed_dates=closed, **data
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved the place."))
            return redirect("staff:place_detail", code=code, pk=place.pk)
    return render(
        request,
        "places/place_form.html",
        {"form": form, "schedule_forms": schedule_forms, "place": place},
    )


def place_new(request: HttpRequest, code: str) -> HttpResponse:
    require(request.membership, MANAGE_PLACES)  # type: ignore[attr-defined]
    return _place_edit(request, code, None)


def place_edit(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    place = place_for(request.membership, pk, MANAGE_PLACES)  # type: ignore[attr-defined]
    return _place_edit(request, code, place)


def _month(value: str | None) -> date:
    today = timezone.localdate()
    if value:
        try:
            month = datetime.strptime(value, "%Y-%m").date()  # noqa: DTZ007 (a calendar month)
        except ValueError:
            return today.replace(day=1)
        if 1873 <= month.year <= 2999:
            return month
    return today.replace(day=1)


def place_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
    place = place_for(member, pk)
    month = _month(request.GET.get("month"))
    weeks_of_days = calendar.Calendar(firstweekday=6).monthdatescalendar(month.year, month.month)
    first, last = weeks_of_days[0][0], weeks_of_days[-1][-1]
    by_day: dict[date, list[Any]] = {}
    for session in selectors.sessions_between(place, first, last):
        by_day.setdefault(session.date, []).append(session)
    today = timezone.localdate()
    weeks = [
        [
            {
                "date": day,
                "in_month": day.month == month.month,
                "today": day == today,
                "holiday": jpholiday.is_holiday_name(day)
                or (_("Year-end closure") if schedules.is_year_end_closure(day) else ""),
                "sessions": by_day.get(day, []),
            }
            for day in week
        ]
        for week in weeks_of_days
    ]
    previous = (month - timedelta(days=1)).replace(day=1)
    following = (month + timedelta(days=32)).replace(day=1)
    return render(
        request,
        "places/place_detail.html",
        {
            "place": place,
            "rules": [str(r) for r in services.rules_in_force(place)],
            "weeks": weeks,
            "month": month,
            "previous": previous.strftime("%Y-%m"),
            "following": following.strftime("%Y-%m"),
            "weekday_names": [schedules.DAY_NAMES[(6 + i) % 7] for i in range(7)],
            "manage": can(member, MANAGE_PLACES),
        },
    )


def _record(request: HttpRequest, session: Any) -> str | None:
    """One attendance action from the session page; the message to show, or None."""
    member = request.membership  # type: ignore[attr-defined]
    action = request.POST.get("action", "")
    if action == "anonymous":
        try:
            count = int(request.POST.get("count", ""))
        except ValueError:
            return _("Enter how many people came.")
        if not 1 <= count <= 1000:
            return _("Enter a number from 1 to 1000.")
        services.attendance_record(actor=member, session=session, anonymous=count)
        return None
    if action == "undo":
        row = Attendance.objects.filter(session=session, pk=request.POST.get("attendance") or 0)
        found = row.first()
        if found is not None:
            services.attendance_remove(actor=member, attendance=found)
        return None
    if action in ("attend", "reserve"):
        people = visible(member, Person)
        number = request.POST.get("number", "").strip()
        if number:
            if not number.isdigit():
                return _("Enter the person number in digits.")
            person = people.filter(number=int(number)).first()
        else:
            person = people.filter(pk=request.POST.get("person") or 0).first()
        if person is None:
            return _("No such person.")
        basis = bases_of(member, Person, [person.pk]).get(person.pk, "none")
        if action == "attend":
            services.attendance_record(actor=member, session=session, person=person, basis=basis)
            return None
        require(member, BOOK_SESSIONS)
        try:
            services.reservation_create(
                actor=member,
                session=session,
                person=person,
                wait=bool(request.POST.get("wait")),
                basis=basis,
            )
        except (services.Full, services.NotBookable) as exc:
            return str(exc)
        return None
    if action == "cancel_reservation":
        reservation = Reservation.objects.filter(
            session=session, pk=request.POST.get("reservation") or 0
        ).exclude(status=ReservationStatus.CANCELLED)
        found_r = reservation.first()
        if found_r is not None:
            promoted = services.reservation_cancel(actor=member, reservation=found_r)
            if promoted is not None:
                messages.info(request, _("The first on the waiting list got the seat."))
        return None
    return _("Unknown action.")


def session_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
    session = session_for(member, pk)
    if request.method == "POST":
        require(member, TAKE_ATTENDANCE)
        try:
            problem = _record(request, session)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
        if problem:
            messages.error(request, problem)
        return redirect("staff:session_detail", code=code, pk=session.pk)
    people = selectors.session_people(member, session)
    return render(
        request,
        "places/session_detail.html",
        {
            "session": session,
            "place": session.place,
            "people": people,
            "anonymous": selectors.anonymous_count(session),
            "named": selectors.named_count(session),
            "reserved": sum(1 for p in people if p.reserved and not p.waiting),
            "take": can(member, TAKE_ATTENDANCE),
            "book": can(member, BOOK_SESSIONS),
        },
    )


def session_change(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
    session = session_for(member, pk, TAKE_ATTENDANCE)
    form = SessionChangeForm(
        request.POST or None,
        initial={"date": session.date, "start": session.start, "end": session.end},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "cancel":
                services.session_cancel(actor=member, session=session, reason=data["reason"])
            else:
                services.session_move(
                    actor=member,
                    session=session,
                    date=data["date"],
                    start=data["start"],
                    end=data["end"],
                    reason=data["reason"],
                )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved the change."))
            return redirect("staff:session_detail", code=code, pk=session.pk)
    return render(request, "places/session_change.html", {"form": form, "session": session})


def place_ics(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    """The public calendar of a place marked public: no login, no personal data."""
    municipality = Municipality.objects.filter(code=code).first()
    if municipality is None:
        raise Http404
    with scope(municipality=municipality):
        place = Place.objects.filter(municipality=municipality, pk=pk, public=True).first()
        if place is None:
            raise Http404
        body = place_calendar(place)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="place-{place.pk}.ics"'
    return response
