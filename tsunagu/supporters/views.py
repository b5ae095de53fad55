"""Screens of supporters: the registry, dispatch requests, matching and approval, and the
supporter's own phone view of their dispatches and activity logs."""

from datetime import date, timedelta

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tsunagu.audit.services import Seen
from tsunagu.cases.models import Case
from tsunagu.core.eras import fiscal_year, fiscal_year_dates, fiscal_year_label
from tsunagu.core.ids import parse_id
from tsunagu.policy import can, one, record, record_seen, require, visible
from tsunagu.programmes.models import Enrolment
from tsunagu.supporters import selectors, services
from tsunagu.supporters.access import dispatch_for_activity, supporter_for_manager
from tsunagu.supporters.codes import RequestStatus
from tsunagu.supporters.forms import (
    ActivityLogForm,
    ApprovalForm,
    DispatchRequestForm,
    SupporterForm,
    SupporterMeetingForm,
)
from tsunagu.supporters.models import DispatchRequest, Supporter
from tsunagu.supporters.services import WeeklySlot
from tsunagu.tenancy.forms import validation_error_to_form
from tsunagu.tenancy.policy import (
    MANAGE_SUPPORTERS,
    OWN_DISPATCHES,
    REQUEST_DISPATCH,
    VIEW_SUPPORTERS,
)
from tsunagu.tenancy.requests import StaffRequest


def supporter_list(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require(member, VIEW_SUPPORTERS)
    supporters = list(selectors.supporter_list(viewer=member))
    load = selectors.current_load([s.pk for s in supporters])
    for s in supporters:
        s.current = load[s.pk]  # type: ignore[attr-defined]
    manage = can(member, MANAGE_SUPPORTERS)
    # Who completed a supporter course and is not registered yet: eligible (the lead's list).
    graduates = selectors.course_graduates(viewer=member) if manage else []
    return render(
        request,
        "supporters/supporter_list.html",
        {"supporters": supporters, "manage": manage, "graduates": graduates},
    )


def supporter_edit(request: StaffRequest, code: str, pk: int | None = None) -> HttpResponse:
    member = request.membership
    require(member, MANAGE_SUPPORTERS)
    supporter = supporter_for_manager(membership=member, pk=pk) if pk else None
    initial = {}
    slots: list[WeeklySlot] = []
    if supporter is not None:
        initial = {
            "name": supporter.name,
            "background": supporter.background,
            "qualification": supporter.qualification,
            "gender": supporter.gender,
            "age_band": supporter.age_band,
            "peer": supporter.peer,
            "areas": "、".join(supporter.areas),
            "skills": "、".join(supporter.skills),
            "activities": supporter.activities,
            "external_training": supporter.external_training,
            "max_active": supporter.max_active,
            "pledged_on": supporter.pledged_on,
            "status": supporter.status,
            "person_id": supporter.person_id,
        }
        slots = [WeeklySlot(a.weekday, a.start, a.end) for a in supporter.availability.all()]
    course: Enrolment | None = None
    wanted_course = request.POST.get("course") or request.GET.get("course")
    if supporter is None and wanted_course:
        # Registering a course graduate: prefilled from what the course knows.
        pk = parse_id(wanted_course)
        course = selectors.course_graduate(viewer=member, pk=pk) if pk else None
        if course is None:
            raise Http404
        background = "resident"  # a citizen who took the course
        if course.family_member_id is not None:
            background = "family"
        elif course.person_id is not None:
            background = "peer"  # a former client (元当事者)
        initial = {
            "name": course.display_name,
            "course": course.pk,
            "peer": course.person_id is not None,
            "background": background,
        }
    form = SupporterForm(request.POST or None, initial=initial, slots=slots)
    history = selectors.training_history(viewer=member, supporter=supporter) if supporter else []
    if course is not None:
        history = [
            _("%(name)s, completed on %(day)s")
            % {"name": course.programme.name, "day": course.completed_on}
        ]
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.supporter_save(
                actor=member, supporter=supporter, course=course, **form.service_fields()
            )
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved the supporter %(name)s.") % {"name": saved.name})
            return redirect("staff:supporter_list", code=code)
    return render(
        request,
        "supporters/supporter_form.html",
        {"form": form, "supporter": supporter, "history": history},
    )


def dispatch_request_new(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    case = one(member, Case, pk, permission=REQUEST_DISPATCH)
    form = DispatchRequestForm(request.POST or None, supporters=visible(member, Supporter))
    if request.method == "POST" and form.is_valid():
        try:
            services.dispatch_request_create(actor=member, case=case, **form.service_fields())
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Asked for a supporter. The lead will match one."))
            return redirect("staff:case_detail", code=code, pk=case.pk)
    return render(request, "supporters/dispatch_request_form.html", {"form": form, "case": case})


def matching_page(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require(member, MANAGE_SUPPORTERS)
    result = selectors.matching_run(viewer=member)
    requests = {
        r.pk: r
        for r in selectors.dispatch_request_list(
            viewer=member, status=RequestStatus.OPEN
        ).select_related("case__person")
    }
    supporters = {s.pk: s for s in selectors.supporter_list(viewer=member)}
    rows = []
    for proposal in result.proposals:
        wanted = requests[proposal.request_id]
        rows.append(
            {
                "request": wanted,
                "proposal": proposal,
                "supporter": supporters[proposal.supporter_id],
                "choices": selectors.feasible_supporters(viewer=member, request=wanted),
            }
        )
    unmatched = [(requests[r], why) for r, why in result.unmatched]
    record(member, Case, [r.case_id for r in requests.values()], action="list")
    return render(
        request,
        "supporters/matching.html",
        {"rows": rows, "unmatched": unmatched, "approval": ApprovalForm()},
    )


@require_POST
def dispatch_approve(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require(member, MANAGE_SUPPORTERS)
    form = ApprovalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The approval was not complete; nothing was saved."))
        return redirect("staff:matching", code=code)
    wanted = one(
        member, DispatchRequest, form.cleaned_data["request"], permission=MANAGE_SUPPORTERS
    )
    supporter = one(member, Supporter, form.cleaned_data["supporter"], permission=MANAGE_SUPPORTERS)
    proposed = form.cleaned_data.get("proposed")
    proposal = None
    if proposed:
        result = selectors.matching_run(viewer=member, request_ids=[wanted.pk])
        proposal = next((p for p in result.proposals if p.supporter_id == proposed), None)
        if proposal is None:  # the proposal changed since the page was shown
            from tsunagu.supporters.matching import Proposal

            proposal = Proposal(wanted.pk, proposed, 0, ())
    try:
        dispatch = services.dispatch_approve(
            actor=member,
            request=wanted,
            supporter=supporter,
            briefing=form.cleaned_data["briefing"],
            override_reason=form.cleaned_data["override_reason"],
            proposal=proposal,
        )
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
        return redirect("staff:matching", code=code)
    # What the lead released is case information going to the supporter: in the access log.
    record_seen(member, [Seen("case", wanted.case_id, f"dispatch:{dispatch.pk}")], action="create")
    messages.success(
        request, _("%(name)s will go. The briefing was released.") % {"name": supporter.name}
    )
    return redirect("staff:matching", code=code)


def my_dispatches(request: StaffRequest, code: str) -> HttpResponse:
    """The supporter's phone view: upcoming dispatches with their briefing, and hours."""
    member = request.membership
    require(member, OWN_DISPATCHES)
    dispatches = list(selectors.dispatch_list(viewer=member).filter(status="active"))
    record_seen(
        member,
        [Seen("case", d.request.case_id, f"dispatch:{d.pk}") for d in dispatches],
        action="list",
    )
    today = timezone.localdate()
    work = selectors.month_of_work(viewer=member, month=today)
    meetings = list(
        selectors.supporter_meetings(viewer=member, since=today, until=today + timedelta(days=62))
    )
    return render(
        request,
        "supporters/my_dispatches.html",
        {"dispatches": dispatches, "work": work[0] if work else None, "meetings": meetings},
    )


def activity_log_new(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    dispatch = dispatch_for_activity(membership=member, pk=pk)
    form = ActivityLogForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.activity_log_create(actor=member, dispatch=dispatch, **form.cleaned_data)
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Logged the activity. Thank you."))
            if can(member, OWN_DISPATCHES):
                return redirect("staff:my_dispatches", code=code)
            return redirect("staff:case_detail", code=code, pk=dispatch.request.case_id)
    return render(request, "supporters/activity_form.html", {"form": form, "dispatch": dispatch})


def supporter_statistics(request: StaffRequest, code: str) -> HttpResponse:
    """Dispatches, hours and people reached in a fiscal year, and how long people waited."""
    member = request.membership
    require(member, VIEW_SUPPORTERS)
    try:
        year = int(request.GET.get("fiscal_year") or fiscal_year(timezone.localdate()))
    except ValueError:
        year = fiscal_year(timezone.localdate())
    if not 1873 <= year <= 2998:
        raise Http404
    start, end = fiscal_year_dates(year)
    stats = selectors.supporter_statistics(viewer=member, start=start, end=end)
    # The shape static/tsunagu/statistics.js draws (one dataset: hours by month).
    chart = {
        "labels": [row["month"] for row in stats.by_month],
        "datasets": [
            {
                "label": _("Hours of activity"),
                "code": "home_visit",
                "data": [row["hours"] for row in stats.by_month],
            }
        ],
        "yLabel": _("Hours"),
    }
    return render(
        request,
        "supporters/statistics.html",
        {
            "stats": stats,
            "fiscal_year": year,
            "chart": chart,
            "years": [(y, fiscal_year_label(y)) for y in range(year - 3, year + 2)],
        },
    )


def case_supporter_activity(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    """The case page's part on supporters: requests, who goes, and their activity logs."""
    member = request.membership
    case = one(member, Case, pk, permission=REQUEST_DISPATCH)
    requests = list(
        selectors.dispatch_request_list(viewer=member)
        .filter(case=case)
        .prefetch_related("dispatches__supporter", "dispatches__activities")
    )
    return render(request, "supporters/_case_activity.html", {"case": case, "requests": requests})


def supporter_meetings(request: StaffRequest, code: str) -> HttpResponse:
    """Supporter meetings (定例ミーティング) and follow-up trainings: add one, and who came."""
    member = request.membership
    require(member, MANAGE_SUPPORTERS)
    form = SupporterMeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        c = form.cleaned_data
        try:
            services.supporter_meeting_add(
                actor=member,
                kind=c["kind"],
                name=c["name"],
                day=c["day"],
                start=c["start"],
                end=c["end"],
                title=c["title"],
            )
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Added the meeting."))
            return redirect("staff:supporter_meetings", code=code)
    today = timezone.localdate()
    meetings = list(selectors.supporter_meetings(viewer=member, since=today - timedelta(days=90)))
    present = selectors.meeting_attendance(viewer=member, meetings=[m.pk for m in meetings])
    supporters = list(selectors.supporter_list(viewer=member).exclude(status="retired"))
    rows = [{"meeting": m, "present": present[m.pk]} for m in meetings]
    return render(
        request,
        "supporters/meetings.html",
        {"form": form, "rows": rows, "supporters": supporters, "today": today},
    )


@require_POST
def supporter_meeting_attendance(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    require(member, MANAGE_SUPPORTERS)
    today = timezone.localdate()
    meeting = (
        selectors.supporter_meetings(viewer=member, since=date(1873, 1, 1)).filter(pk=pk).first()
    )
    if meeting is None:
        raise Http404
    wanted = {s for x in request.POST.getlist("present") if (s := parse_id(x)) is not None}
    supporters = list(visible(member, Supporter).filter(pk__in=wanted))
    if meeting.session.date > today:
        messages.error(request, _("Attendance is recorded on or after the day."))
        return redirect("staff:supporter_meetings", code=code)
    try:
        services.meeting_attendance_set(actor=member, meeting=meeting, supporters=supporters)
    except ValidationError as exc:
        for text in exc.messages:
            messages.error(request, text)
    else:
        messages.success(request, _("Saved who came."))
    return redirect("staff:supporter_meetings", code=code)
