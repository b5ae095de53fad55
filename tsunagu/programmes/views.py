"""Staff screens of programmes: the list, a programme with its sessions and participants
(enrolment of persons, family members or citizens; 満席 when full), one-tap attendance per
session on a phone, and the completion certificate (修了証) as PDF."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from tsunagu.core.ids import parse_id
from tsunagu.people.models import FamilyMember, Person
from tsunagu.places.models import Place
from tsunagu.policy import can, one, require, shown, visible, visible_through
from tsunagu.programmes import selectors, services
from tsunagu.programmes.certificate import certificate_pdf
from tsunagu.programmes.forms import CitizenForm, ProgrammeForm
from tsunagu.programmes.models import Enrolment, Programme, ProgrammeSession
from tsunagu.tenancy.policy import ENROL, MANAGE_PROGRAMMES, TAKE_ATTENDANCE, VIEW_PLACES
from tsunagu.tenancy.requests import StaffRequest


def _member(request: StaffRequest) -> Any:
    return request.membership


def programme_list(request: StaffRequest, code: str) -> HttpResponse:
    member = _member(request)
    require(member, VIEW_PLACES)
    return render(
        request,
        "programmes/programme_list.html",
        {
            "programmes": list(selectors.programme_rows(member)),
            "manage": can(member, MANAGE_PROGRAMMES),
        },
    )


def programme_new(request: StaffRequest, code: str) -> HttpResponse:
    member = _member(request)
    require(member, MANAGE_PROGRAMMES)
    places = list(visible(member, Place))
    form = ProgrammeForm(request.POST or None, places=places)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        place = next((p for p in places if str(p.pk) == data.get("place")), None)
        try:
            programme = services.programme_create(
                actor=member,
                municipality_id=member.municipality_id,
                name=data["name"],
                kind=data["kind"],
                meetings=data["sessions"],
                min_sessions_to_complete=data["min_sessions_to_complete"],
                capacity=data["capacity"],
                place=place,
                public=data["public"],
                description=data["description"],
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Saved the programme."))
            return redirect("staff:programme_detail", code=code, pk=programme.pk)
    return render(request, "programmes/programme_form.html", {"form": form})


def _enrol(request: StaffRequest, programme: Programme) -> str | None:
    """One enrolment action; the problem to show, or None."""
    member = _member(request)
    action = request.POST.get("action", "")
    try:
        if action == "enrol_person":
            person = visible(member, Person).filter(pk=request.POST.get("person") or 0).first()
            if person is None:
                return _("No such person.")
            services.enrolment_create(actor=member, programme=programme, person=person)
        elif action == "enrol_family":
            family = FamilyMember.objects.filter(
                visible_through(member, Person, "person"),
                pk=request.POST.get("family_member") or 0,
            ).first()
            if family is None:
                return _("No such person.")
            services.enrolment_create(actor=member, programme=programme, family_member=family)
        elif action == "enrol_citizen":
            form = CitizenForm(request.POST)
            if not form.is_valid():
                return _("Enter the name.")
            services.enrolment_create(
                actor=member,
                programme=programme,
                name=form.cleaned_data["name"],
                contact=form.cleaned_data["contact"],
            )
        elif action == "withdraw":
            enrolment = (
                visible(member, Enrolment)
                .filter(programme=programme, pk=request.POST.get("enrolment") or 0)
                .first()
            )
            if enrolment is not None:
                services.enrolment_withdraw(actor=member, enrolment=enrolment)
        else:
            return _("Unknown action.")
    except services.Full:
        return _("Full (満席): this programme has no place left.")
    except ValidationError as exc:
        return " ".join(exc.messages)
    return None


def programme_detail(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = _member(request)
    programme = one(member, Programme, pk, permission=VIEW_PLACES)
    if request.method == "POST":
        require(member, ENROL)
        problem = _enrol(request, programme)
        if problem:
            messages.error(request, problem)
        else:
            messages.success(request, _("Saved."))
        return redirect("staff:programme_detail", code=code, pk=programme.pk)
    found: list[Person] = []
    number = request.GET.get("number", "").strip()
    if number and can(member, ENROL):
        person_number = parse_id(number)
        if person_number is not None and len(number) < 10:
            found = list(
                visible(member, Person)
                .filter(number=person_number)
                .prefetch_related("family_members")
            )
            shown(member, Person, found)
        if not found:
            messages.error(request, _("No such person."))
    enrolled = selectors.enrolled_count(programme)
    meetings = list(programme.meetings.select_related("session").order_by("number"))
    return render(
        request,
        "programmes/programme_detail.html",
        {
            "programme": programme,
            "meetings": meetings,
            "enrolments": selectors.enrolments_of(member, programme),
            "waiting": selectors.waiting_of(member, programme),
            "enrolled": enrolled,
            "full": programme.capacity is not None and enrolled >= programme.capacity,
            "found": found,
            "number": number,
            "citizen_form": CitizenForm(),
            "enrol": can(member, ENROL),
        },
    )


def meeting_detail(request: StaffRequest, code: str, pk: int, number: int) -> HttpResponse:
    """One session of a programme: every participant with a one-tap present button."""
    member = _member(request)
    programme = one(member, Programme, pk, permission=VIEW_PLACES)
    meeting = (
        ProgrammeSession.objects.filter(programme=programme, number=number)
        .select_related("session")
        .first()
    )
    if meeting is None:
        raise Http404
    if request.method == "POST":
        require(member, TAKE_ATTENDANCE)
        enrolment = (
            visible(member, Enrolment)
            .filter(programme=programme, pk=request.POST.get("enrolment") or 0)
            .select_related("programme", "person")
            .first()
        )
        if enrolment is not None:
            try:
                if request.POST.get("action") == "undo":
                    services.programme_attendance_remove(
                        actor=member, enrolment=enrolment, meeting=meeting
                    )
                else:
                    services.programme_attendance_record(
                        actor=member, enrolment=enrolment, meeting=meeting
                    )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
        return redirect("staff:programme_meeting", code=code, pk=programme.pk, number=number)
    enrolments = selectors.enrolments_of(member, programme)
    attended = selectors.meeting_attendance(programme)
    rows = [(e, attended.get((e.pk, meeting.pk))) for e in enrolments]
    return render(
        request,
        "programmes/meeting_detail.html",
        {
            "programme": programme,
            "meeting": meeting,
            "rows": rows,
            "present": sum(1 for _e, a in rows if a),
            "take": can(member, TAKE_ATTENDANCE),
        },
    )


def certificate(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    """The 修了証 of a completed enrolment, as PDF (only for one who may see the name)."""
    member = _member(request)
    require(member, ENROL)
    enrolment = one(
        member,
        Enrolment,
        pk,
        permission=ENROL,
        queryset=Enrolment.objects.select_related(
            "programme__municipality", "person", "family_member"
        ),
    )
    if enrolment.completed_on is None:
        raise Http404
    body = certificate_pdf(enrolment, attended=enrolment.attended.count())
    response = HttpResponse(body, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="certificate-{enrolment.pk}.pdf"'
    return response
