"""Screens of the network: 支援会議, the partner directory, and referrals (つなぎ)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tsunagu.audit.models import AccessAction
from tsunagu.cases.access import case_for_editor
from tsunagu.cases.models import Case
from tsunagu.core.schedule_forms import OccurrenceChangeForm, ScheduleForm
from tsunagu.network import notifications, selectors, services
from tsunagu.network.access import meeting_for
from tsunagu.network.codes import ReferralStatus
from tsunagu.network.forms import (
    ActionItemForm,
    MailServerForm,
    MeetingForm,
    MeetingRecordForm,
    PartnerProfileForm,
    ReferralAnswerForm,
    ReferralForm,
    SeriesForm,
    SupportMeetingForm,
    SupportMeetingListingForm,
)
from tsunagu.network.models import (
    Meeting,
    MeetingSeries,
    PartnerProfile,
    Referral,
    SupportMeetingMember,
)
from tsunagu.people.models import Person
from tsunagu.policy import bases_of, can, one, record, require, shown, visible
from tsunagu.policy.network import receives, sees_shared
from tsunagu.tenancy.forms import validation_error_to_form
from tsunagu.tenancy.models import Organization
from tsunagu.tenancy.policy import (
    ATTEND_MEETINGS,
    EDIT_CASES,
    MANAGE_MEETINGS,
    MANAGE_PARTNERS,
    VIEW_ALL_CASES,
    VIEW_ALL_MEETINGS,
    VIEW_PERSONS,
    has_permission,
    require_permission,
)
from tsunagu.tenancy.requests import StaffRequest


def meeting_list(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require_permission(member, VIEW_PERSONS)
    manage = has_permission(member, VIEW_ALL_CASES)
    form = SupportMeetingForm(request.POST or None) if manage else None
    if request.method == "POST":
        require_permission(member, VIEW_ALL_CASES)
        assert form is not None
        if form.is_valid():
            meeting = services.support_meeting_create(actor=member, **form.cleaned_data)
            messages.success(request, _("Created the support meeting."))
            return redirect("staff:meeting_detail", code=code, pk=meeting.pk)
    meetings = selectors.meeting_list_for(member, manage=manage)
    return render(
        request,
        "network/meeting_list.html",
        {"meetings": meetings, "form": form, "manage": manage},
    )


def meeting_detail(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    manage = has_permission(member, VIEW_ALL_CASES)
    meeting = meeting_for(membership=member, pk=pk)
    form = None
    if manage:
        form = SupportMeetingListingForm(
            request.POST or None,
            municipality=member.municipality,
            initial={
                "cases": list(meeting.cases.values_list("pk", flat=True)),
                "members": list(meeting.members.values_list("membership_id", flat=True)),
            },
        )
        if request.method == "POST" and form.is_valid():
            services.support_meeting_update(
                actor=member,
                meeting=meeting,
                cases=list(form.cleaned_data["cases"]),
                members=list(form.cleaned_data["members"]),
            )
            messages.success(request, _("Saved the support meeting."))
            return redirect("staff:meeting_detail", code=code, pk=meeting.pk)
    elif request.method == "POST":
        require_permission(member, VIEW_ALL_CASES)
    if form is not None:
        # The lead's form names every case of the municipality with its person.
        listed = list(visible(member, Case).values_list("pk", "person_id"))
        record(member, Case, [case for case, _ in listed], action=AccessAction.LIST)
        record(member, Person, [person for _, person in listed], action=AccessAction.LIST)
    seat = SupportMeetingMember.objects.filter(meeting=meeting, membership=member).first()
    return render(
        request,
        "network/meeting_detail.html",
        {
            "meeting": meeting,
            "form": form,
            "seat": seat,
            "seats": meeting.members.select_related("membership__user", "membership__organization"),
        },
    )


@require_POST
def meeting_acknowledge(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    meeting = meeting_for(membership=member, pk=pk)
    services.support_meeting_acknowledge(actor=member, meeting=meeting)
    messages.success(request, _("You acknowledged the duty of secrecy for this meeting."))
    return redirect("staff:meeting_detail", code=code, pk=meeting.pk)


# --- partner directory -------------------------------------------------------------------


def partner_list(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    partners = list(selectors.partner_directory(member))
    manage = can(member, MANAGE_PARTNERS)
    return render(
        request,
        "network/partner_list.html",
        {
            "partners": partners,
            "manage": manage,
            "without_profile": selectors.organizations_without_profile(member) if manage else [],
        },
    )


def partner_edit(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    """The directory entry of one organization (created on first save)."""
    member = request.membership
    require(member, MANAGE_PARTNERS)
    organization: Organization = get_object_or_404(
        Organization.objects.filter(municipality_id=member.municipality_id), pk=pk
    )
    profile = PartnerProfile.objects.filter(organization=organization).first()
    initial = (
        {
            "destination": profile.destination,
            "contact": profile.contact,
            "address": profile.address,
            "offers": profile.offers,
            "opening_hours": profile.opening_hours,
        }
        if profile
        else {}
    )
    form = PartnerProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.partner_profile_save(
                actor=member, organization=organization, **form.cleaned_data
            )
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved %(name)s.") % {"name": organization.name})
            return redirect("staff:partner_list", code=code)
    return render(
        request,
        "network/partner_edit.html",
        {"organization": organization, "form": form, "profile": profile},
    )


# --- referrals ---------------------------------------------------------------------------


def referral_list(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    status = request.GET.get("status", "")
    if status not in ReferralStatus.values:
        status = ""
    referrals = list(selectors.referral_list(member, status=status)[:200])
    shown(member, Referral, referrals)
    waiting = list(selectors.referrals_awaiting_answer(member))
    shown(member, Referral, waiting)
    return render(
        request,
        "network/referral_list.html",
        {
            "referrals": referrals,
            "waiting": waiting,
            "reminder_days": selectors.REMINDER_DAYS,
            "status": status,
            "statuses": ReferralStatus.choices,
            "receiver": receives(member),
        },
    )


# The service names the API's fields; the form's are the same without "_id".
_FORM_FIELD = {"consent_id": "consent", "organization_id": "organization", "meeting_id": "meeting"}


def referral_new(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    """Refer the case `pk` (つなぎ)."""
    member = request.membership
    case = case_for_editor(membership=member, pk=pk)
    form = ReferralForm(
        request.POST or None, case=case, initial={"requested_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            referral = services.referral_create(actor=member, case=case, **form.cleaned_data)
        except ValidationError as exc:
            errors = {_FORM_FIELD.get(k, k): v for k, v in exc.message_dict.items()}
            validation_error_to_form(form, ValidationError(errors))
        else:
            messages.success(request, _("Referred the case."))
            return redirect("staff:referral_detail", code=code, pk=referral.pk)
    return render(request, "network/referral_new.html", {"case": case, "form": form})


def referral_detail(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    referral = selectors.referral_for(member, pk)
    as_receiver = receives(member) and referral.organization_id == member.organization_id
    may_answer = as_receiver or can(member, EDIT_CASES)
    form = ReferralAnswerForm(request.POST or None, referral=referral) if may_answer else None
    if request.method == "POST":
        if form is None:
            require(member, EDIT_CASES)
        assert form is not None
        if form.is_valid():
            try:
                services.referral_answer(
                    actor=member,
                    referral=referral,
                    status=form.cleaned_data["status"],
                    note=form.cleaned_data["note"],
                    on_behalf=not as_receiver,
                )
            except ValidationError as exc:
                validation_error_to_form(form, exc)
            else:
                messages.success(request, _("Saved the answer."))
                return redirect("staff:referral_detail", code=code, pk=referral.pk)
    open_ = sees_shared(member, referral)
    if can(member, EDIT_CASES):
        # The center's staff are shown the case (its number, a link to it).
        record(member, Case, [referral.case_id])
    person = None
    if open_:
        # The person's name only where a basis opens the person to this member.
        person_id = referral.case.person_id
        if bases_of(member, Person, [person_id]):
            person = one(member, Person, person_id, permission=VIEW_PERSONS)
    return render(
        request,
        "network/referral_detail.html",
        {
            "referral": referral,
            "open": open_,
            "person": person,
            "events": referral.events.select_related("by__user", "by__organization"),
            "form": form,
            "as_receiver": as_receiver,
            "staff": can(member, EDIT_CASES),
        },
    )


# --- meetings (huddles to the review committee) ------------------------------------------


def network_meeting_list(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    if not (can(member, VIEW_ALL_MEETINGS) or can(member, ATTEND_MEETINGS)):
        require(member, ATTEND_MEETINGS)
    manage = can(member, MANAGE_MEETINGS)
    form = MeetingForm(request.POST or None, municipality=member.municipality) if manage else None
    if request.method == "POST":
        require(member, MANAGE_MEETINGS)
        assert form is not None
        if form.is_valid():
            meeting = services.meeting_create(actor=member, **form.cleaned_data)
            messages.success(request, _("Created the meeting."))
            return redirect("staff:network_meeting_detail", code=code, pk=meeting.pk)
    return render(
        request,
        "network/network_meeting_list.html",
        {
            "ahead": list(selectors.meetings_ahead(member)[:30]),
            "meetings": list(selectors.meetings_held(member)[:200]),
            "form": form,
            "manage": manage,
        },
    )


def network_meeting_detail(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    meeting = selectors.meeting_for(member, pk)
    manage = can(member, MANAGE_MEETINGS)
    form = None
    if manage:
        form = MeetingRecordForm(
            request.POST or None,
            meeting=meeting,
            initial={
                "agenda": meeting.agenda,
                "minutes": meeting.minutes,
                "decisions": meeting.decisions,
                "present": [a.organization_id for a in meeting.attendance.all()],
            },
        )
        if request.method == "POST" and form.is_valid():
            services.meeting_record(
                actor=member,
                meeting=meeting,
                agenda=form.cleaned_data["agenda"],
                minutes=form.cleaned_data["minutes"],
                decisions=form.cleaned_data["decisions"],
                present=list(form.cleaned_data["present"]),
            )
            messages.success(request, _("Saved the minutes."))
            return redirect("staff:network_meeting_detail", code=code, pk=meeting.pk)
    elif request.method == "POST":
        require(member, MANAGE_MEETINGS)
    return _render_meeting(request, meeting, form=form, manage=manage)


def _render_meeting(
    request: StaffRequest,
    meeting: Meeting,
    *,
    form: MeetingRecordForm | None,
    manage: bool,
    action_form: ActionItemForm | None = None,
) -> HttpResponse:
    member = request.membership
    if manage and action_form is None:
        action_form = ActionItemForm(municipality=member.municipality, prefix="action")
    return render(
        request,
        "network/network_meeting_detail.html",
        {
            "meeting": meeting,
            "form": form,
            "manage": manage,
            "action_form": action_form,
            "carried": selectors.carried_action_items(meeting),
            "items": meeting.action_items.select_related("owner__user"),
            "attended": meeting.attendance.select_related("organization"),
            "series": meeting.series,
            "member_bodies": meeting.body.organizations.all() if meeting.body else [],
        },
    )


@require_POST
def action_item_add(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    require(member, MANAGE_MEETINGS)
    meeting = selectors.meeting_for(member, pk)
    form = ActionItemForm(request.POST, municipality=member.municipality, prefix="action")
    if form.is_valid():
        try:
            services.action_item_add(actor=member, meeting=meeting, **form.cleaned_data)
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Added the action item."))
            return redirect("staff:network_meeting_detail", code=code, pk=meeting.pk)
    return _render_meeting(request, meeting, form=None, manage=True, action_form=form)


@require_POST
def action_item_done(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    item = selectors.action_item_for(member, pk)
    try:
        services.action_item_done(actor=member, item=item)
    except ValidationError as exc:
        messages.warning(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Marked the action item as done."))
    # From the meeting page back to it; from the home page back home.
    if request.POST.get("back") == "meeting":
        return redirect("staff:network_meeting_detail", code=code, pk=item.meeting_id)
    return redirect("staff:home", code=code)


# --- notifications: every member's own notices --------------------------------------------


def notification_list(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    rows = list(notifications.notifications_of(member)[:100])
    return render(request, "network/notifications.html", {"notifications": rows})


@require_POST
def notification_read(request: StaffRequest, code: str) -> HttpResponse:
    """Mark one notice read and follow its link, or mark them all read."""
    member = request.membership
    raw = request.POST.get("id", "")
    if raw.isascii() and raw.isdigit() and len(raw) < 12:
        notice = get_object_or_404(notifications.notifications_of(member), pk=int(raw))
        notifications.mark_read(member, notice.pk)
        return redirect(notice.link)
    notifications.mark_read(member)
    return redirect("staff:notification_list", code=code)


def network_meeting_pdf(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    """The minutes as a PDF for print, to anyone who may open the meeting."""
    from tsunagu.network.minutes import minutes_pdf

    member = request.membership
    meeting = selectors.meeting_for(member, pk)
    response = HttpResponse(minutes_pdf(meeting), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="minutes-{meeting.pk}.pdf"'
    return response


# --- meeting series and one meeting's change ----------------------------------------------


def _series_forms(
    request: StaffRequest, series: MeetingSeries | None
) -> tuple[SeriesForm, ScheduleForm]:
    member = request.membership
    data = request.POST if request.method == "POST" else None
    initial: dict[str, object] = {"starts_on": timezone.localdate()}
    rule_initial: dict[str, object] = {"pattern": "weekly"}
    if series is not None:
        initial = {
            "title": series.title,
            "kind": series.kind,
            "body": series.body_id,
            "place": series.place,
            "starts_on": series.starts_on,
            "ends_on": series.ends_on,
        }
        rule_initial = ScheduleForm.initial_for(series)
    form = SeriesForm(data, municipality=member.municipality, initial=initial)
    rule = ScheduleForm(data, prefix="rule", initial=rule_initial)
    rule.fields["pattern"].required = True
    return form, rule


def _series_save(
    request: StaffRequest, series: MeetingSeries | None, form: SeriesForm, rule: ScheduleForm
) -> MeetingSeries | None:
    """Create or change the series from valid forms; None with the errors on the fields."""
    if not (form.is_valid() and rule.is_valid()):
        return None
    fields = {
        **form.cleaned_data,
        "rrule": rule.cleaned_data["rrule"],
        "start": rule.cleaned_data["start"],
        "end": rule.cleaned_data["end"],
        "holidays": rule.cleaned_data["holidays"],
    }
    try:
        if series is None:
            return services.series_create(actor=request.membership, **fields)
        return services.series_update(actor=request.membership, series=series, **fields)
    except ValidationError as exc:
        for field, errors in exc.message_dict.items():
            target = rule if field in ("rrule", "start", "end", "holidays") else form
            for error in errors:
                target.add_error(field if field in target.fields else None, error)
    return None


def series_list(request: StaffRequest, code: str) -> HttpResponse:
    """The series of meetings (毎週木曜の打ち合わせ, 隔月の検討委員会) and a new one."""
    rows = list(selectors.series_list(request.membership))
    form, rule = _series_forms(request, None)
    if request.method == "POST":
        series = _series_save(request, None, form, rule)
        if series is not None:
            messages.success(request, _("Created the series and its meetings."))
            return redirect("staff:network_series_edit", code=code, pk=series.pk)
    return render(request, "network/series_list.html", {"rows": rows, "form": form, "rule": rule})


def series_edit(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    """Change a series: its meetings from today on follow; past meetings stay as held."""
    series = selectors.series_for(request.membership, pk)
    form, rule = _series_forms(request, series)
    if request.method == "POST" and _series_save(request, series, form, rule) is not None:
        messages.success(request, _("Saved the series; meetings from today on follow it."))
        return redirect("staff:network_series_edit", code=code, pk=series.pk)
    return render(
        request,
        "network/series_edit.html",
        {
            "series": series,
            "form": form,
            "rule": rule,
            "ahead": list(selectors.meetings_ahead(request.membership, series=series)[:12]),
        },
    )


def network_meeting_change(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    """Cancel or move one meeting, with the reason."""
    member = request.membership
    require(member, MANAGE_MEETINGS)
    meeting = selectors.meeting_for(member, pk)
    form = OccurrenceChangeForm(
        request.POST or None,
        initial={"date": meeting.held_on, "start": meeting.start, "end": meeting.end},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if data["action"] == "cancel":
                services.meeting_cancel(actor=member, meeting=meeting, reason=data["reason"])
            else:
                services.meeting_move(
                    actor=member,
                    meeting=meeting,
                    date=data["date"],
                    start=data["start"],
                    end=data["end"],
                    reason=data["reason"],
                )
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved the change."))
            return redirect("staff:network_meeting_detail", code=code, pk=meeting.pk)
    return render(
        request, "network/network_meeting_change.html", {"form": form, "meeting": meeting}
    )


# --- the municipality's mail server (its administrator) ------------------------------------


def mail_server_edit(request: StaffRequest, code: str) -> HttpResponse:
    """Host, port, TLS, user, password (never shown back) and sender of notice mail."""
    member = request.membership
    server = selectors.mail_server_of(member)
    initial = (
        {
            "host": server.host,
            "port": server.port,
            "use_tls": server.use_tls,
            "username": server.username,
            "from_address": server.from_address,
        }
        if server
        else {}
    )
    form = MailServerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.mail_server_save(actor=member, **form.cleaned_data)
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Saved the mail server."))
            return redirect("staff:mail_server_edit", code=code)
    return render(
        request,
        "network/mail_server.html",
        {
            "form": form,
            "server": server,
            "has_password": bool(server and server.password),
            "pending": notifications.mail_pending_count(member.municipality_id),
        },
    )


@require_POST
def mail_server_test(request: StaffRequest, code: str) -> HttpResponse:
    """Send a test mail through the worker; the settings screen shows the result."""
    member = request.membership
    server = selectors.mail_server_of(member)
    if server is None:
        messages.warning(request, _("Save the mail server first."))
    else:
        try:
            services.mail_server_test(actor=member, server=server)
        except ValidationError as exc:
            messages.warning(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("The test mail is queued; reload this page to see the result.")
            )
    return redirect("staff:mail_server_edit", code=code)
