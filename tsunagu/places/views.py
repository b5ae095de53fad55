"""Screens of places: list, place page with a month calendar, schedule form, session page
with reservations and one-tap attendance (phone-sized), and the public iCalendar feed."""

import calendar
from datetime import date, datetime, time, timedelta
from typing import Any

import jpholiday
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from tsunagu.core import schedules
from tsunagu.core.ids import parse_id
from tsunagu.core.schedule_forms import OccurrenceChangeForm, ScheduleForm
from tsunagu.core.templatetags.wareki import wareki
from tsunagu.people.models import Person
from tsunagu.places import selectors, services
from tsunagu.places.access import place_for, session_for
from tsunagu.places.codes import PlaceKind, ReservationStatus
from tsunagu.places.forms import SCHEDULE_ROWS, BookingForm, PlaceForm
from tsunagu.places.ical import own_calendar as own_calendar_ics
from tsunagu.places.ical import place_calendar
from tsunagu.places.models import Attendance, CalendarFeed, Place, Reservation, Session
from tsunagu.policy import bases_of, can, require, visible
from tsunagu.policy.places import bookable_case
from tsunagu.tenancy.models import Municipality
from tsunagu.tenancy.policy import (
    BOOK_SESSIONS,
    MANAGE_PLACES,
    TAKE_ATTENDANCE,
    VIEW_PERSONS,
    VIEW_PLACES,
    VIEW_STATISTICS,
)
from tsunagu.tenancy.requests import StaffRequest


def place_list(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require(member, VIEW_PLACES)
    places = list(selectors.place_list(member))
    rows = [(p, [str(r) for r in services.rules_in_force(p)]) for p in places]
    return render(
        request,
        "places/place_list.html",
        {"rows": rows, "manage": can(member, MANAGE_PLACES)},
    )


def _schedule_forms(request: StaffRequest, place: Place | None) -> list[ScheduleForm]:
    rules = services.rules_in_force(place) if place is not None else []
    forms = []
    for i in range(max(SCHEDULE_ROWS, len(rules) + 1)):
        initial = ScheduleForm.initial_for(rules[i]) if i < len(rules) else {}
        forms.append(ScheduleForm(request.POST or None, prefix=f"s{i}", initial=initial))
    return forms


def _place_edit(request: StaffRequest, code: str, place: Place | None) -> HttpResponse:
    member = request.membership
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


def place_new(request: StaffRequest, code: str) -> HttpResponse:
    require(request.membership, MANAGE_PLACES)
    return _place_edit(request, code, None)


def place_edit(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    place = place_for(request.membership, pk, MANAGE_PLACES)
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


def place_detail(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
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


def _record(request: StaffRequest, session: Any) -> str | None:
    """One attendance action from the session page; the message to show, or None."""
    member = request.membership
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
        row = Attendance.objects.filter(
            session=session, pk=parse_id(request.POST.get("attendance")) or 0
        )
        found = row.first()
        if found is not None:
            services.attendance_remove(actor=member, attendance=found)
        return None
    if action in ("attend", "reserve"):
        people = visible(member, Person)
        number = request.POST.get("number", "").strip()
        if number:
            person_number = parse_id(number)
            if person_number is None:
                return _("Enter the person number in digits.")
            person = people.filter(number=person_number).first()
        else:
            person = people.filter(pk=parse_id(request.POST.get("person")) or 0).first()
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


def _book(request: StaffRequest, session: Session, form: BookingForm) -> bool:
    """Book a slot from the session page; False with the problems next to the fields."""
    member = request.membership
    if not form.is_valid():
        return False
    case = bookable_case(member, form.cleaned_data["case"])
    if case is None:
        form.add_error("case", _("No such case."))
        return False
    professional = selectors.professionals(member.municipality_id).get(
        pk=form.cleaned_data["professional"]
    )
    try:
        services.booking_create(
            actor=member,
            session=session,
            start=time.fromisoformat(form.cleaned_data["slot"]),
            case=case,
            professional=professional,
            basis=bases_of(member, type(case), [case.pk]).get(case.pk, "none"),
        )
    except ValidationError as exc:
        fields = {"start": "slot", "professional_id": "professional"}
        for field, problems in exc.message_dict.items():
            form.add_error(fields.get(field), problems)
        return False
    except (services.SlotTaken, services.NotBookable) as exc:
        form.add_error("slot", str(exc))
        return False
    return True


def session_detail(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    session = session_for(member, pk)
    action = request.POST.get("action", "")
    consultation = session.place is not None and session.place.kind == PlaceKind.CONSULTATION
    book_slots = consultation and can(member, BOOK_SESSIONS) and can(member, VIEW_PERSONS)
    booking_form = None
    if request.method == "POST" and action in ("book", "cancel_booking"):
        require(member, BOOK_SESSIONS)
        if action == "cancel_booking":
            booking = selectors.booking_of_session(
                member, session, parse_id(request.POST.get("booking")) or 0
            )
            if booking is not None:
                services.booking_cancel(actor=member, booking=booking)
            return redirect("staff:session_detail", code=code, pk=session.pk)
    elif request.method == "POST":
        require(member, TAKE_ATTENDANCE)
        try:
            problem = _record(request, session)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
        if problem:
            messages.error(request, problem)
        return redirect("staff:session_detail", code=code, pk=session.pk)
    slots = selectors.session_slots(member, session) if consultation else []
    if book_slots:
        booking_form = BookingForm(
            request.POST if action == "book" else None,
            free=[(s.start, s.end) for s in slots if not s.taken],
            professionals=list(selectors.professionals(member.municipality_id)),
        )
        if action == "book" and _book(request, session, booking_form):
            messages.success(request, _("The slot is booked."))
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
            "slots": slots,
            "booking_form": booking_form,
        },
    )


def session_change(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    session = session_for(member, pk, TAKE_ATTENDANCE)
    form = OccurrenceChangeForm(
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


def place_ics(request: StaffRequest, code: str, pk: int) -> HttpResponse:
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


def _day_param(value: str | None) -> date:
    try:
        day = date.fromisoformat(value or "")
    except ValueError:
        return timezone.localdate()
    return day if 1873 <= day.year <= 2999 and day.year < 2999 else timezone.localdate()


def _holiday(day: date) -> str:
    return jpholiday.is_holiday_name(day) or (
        _("Year-end closure") if schedules.is_year_end_closure(day) else ""
    )


def municipality_calendar(request: StaffRequest, code: str) -> HttpResponse:
    """Week or month of every place, consultation day and programme session (or of one place)."""
    member = request.membership
    require(member, VIEW_PLACES)
    view = "week" if request.GET.get("view") == "week" else "month"
    place = None
    if request.GET.get("place", "").isdigit() and len(request.GET["place"]) < 10:
        place = place_for(member, int(request.GET["place"]))
    today = timezone.localdate()
    if view == "week":
        anchor = _day_param(request.GET.get("date"))
        first = anchor - timedelta(days=(anchor.weekday() + 1) % 7)  # weeks start on Sunday
        days_of_weeks = [[first + timedelta(days=i) for i in range(7)]]
        previous, following = first - timedelta(days=7), first + timedelta(days=7)
        in_period = days_of_weeks[0]
        title = _("Week of %(day)s") % {"day": wareki(first)}
    else:
        month = _month(request.GET.get("month") or (request.GET.get("date") or "")[:7])
        days_of_weeks = calendar.Calendar(firstweekday=6).monthdatescalendar(
            month.year, month.month
        )
        previous = (month - timedelta(days=1)).replace(day=1)
        following = (month + timedelta(days=32)).replace(day=1)
        in_period = [d for week in days_of_weeks for d in week if d.month == month.month]
        title = _("%(year)s-%(month)s") % {"year": month.year, "month": month.month}
    entries = selectors.calendar_entries(
        member, days_of_weeks[0][0], days_of_weeks[-1][-1], place=place
    )
    # Links made from two reversed patterns, not one {% url %} per entry (hundreds a month).
    session_url = reverse("staff:session_detail", kwargs={"code": code, "pk": 1})[:-2]
    meeting_url = reverse("staff:programme_list", kwargs={"code": code})
    for day_entries in entries.values():
        for entry in day_entries:
            if entry.programme_id:
                entry.url = f"{meeting_url}{entry.programme_id}/sessions/{entry.number}/"
            else:
                entry.url = f"{session_url}{entry.session_id}/"
    weeks = [
        [
            {
                "iso": day.isoformat(),
                "label": f"{day.month}/{day.day}" if view == "week" else str(day.day),
                "in_period": day in in_period,
                "today": day == today,
                "holiday": _holiday(day),
                "entries": entries.get(day, ()),
            }
            for day in week
        ]
        for week in days_of_weeks
    ]
    return render(
        request,
        "places/calendar.html",
        {
            "view": view,
            "place": place,
            "weeks": weeks,
            "title": title,
            "previous": previous.isoformat(),
            "following": following.isoformat(),
            "weekday_names": [schedules.DAY_NAMES[(6 + i) % 7] for i in range(7)],
        },
    )


def my_feed(request: StaffRequest, code: str) -> HttpResponse:
    """Create (again) or revoke the secret URL of one's own calendar feed."""
    member = request.membership
    require(member, VIEW_PLACES)
    url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            services.feed_revoke(member=member)
            messages.success(request, _("The calendar URL no longer works."))
            return redirect("staff:my_feed", code=code)
        token = services.feed_create(member=member)
        url = request.build_absolute_uri(reverse("own_calendar", kwargs={"token": token}))
    active = CalendarFeed.objects.filter(membership=member).first()
    return render(request, "places/my_feed.html", {"url": url, "active": active})


def own_calendar(request: StaffRequest, token: str) -> HttpResponse:
    """A member's own schedule as iCalendar, for whoever holds the secret URL (no names)."""
    with scopes_disabled():
        member = services.feed_member(token)
    if member is None:
        raise Http404
    with scope(municipality=member.municipality):
        body = own_calendar_ics(member, _("My schedule (Tsunagu)"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="my-schedule.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


def places_statistics(request: StaffRequest, code: str) -> HttpResponse:
    from tsunagu.core.eras import fiscal_year
    from tsunagu.places.statistics import place_statistics_for
    from tsunagu.reports.forms import PeriodForm

    member = request.membership
    require(member, VIEW_STATISTICS)
    form = PeriodForm(request.GET or None, default_fiscal_year=fiscal_year(timezone.localdate()))
    stats, problem = None, ""
    if not form.is_bound or form.is_valid():
        try:
            stats = place_statistics_for(member, start=form.period.start, end=form.period.end)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
    else:
        problem = " ".join(e["message"] for e in form.error_list())
    return render(
        request,
        "places/statistics.html",
        {"form": form, "stats": stats, "problem": problem, "query": request.GET.urlencode()},
    )
