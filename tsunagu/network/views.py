"""Screens of 支援会議: the lead lists cases and members; members acknowledge secrecy."""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tsunagu.audit.models import AccessAction
from tsunagu.audit.services import Seen, access_record
from tsunagu.cases.models import Case
from tsunagu.network import selectors, services
from tsunagu.network.access import meeting_for
from tsunagu.network.forms import SupportMeetingForm, SupportMeetingListingForm
from tsunagu.network.models import SupportMeetingMember
from tsunagu.tenancy.policy import VIEW_ALL_CASES, VIEW_PERSONS, has_permission, require_permission


def meeting_list(request: HttpRequest, code: str) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
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


def meeting_detail(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
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
        listed = Case.objects.filter(municipality=member.municipality).values_list("pk", flat=True)
        access_record(
            membership=member,
            action=AccessAction.LIST,
            seen=[Seen("case", pk, "role") for pk in listed],
            request=request,
        )
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
def meeting_acknowledge(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
    meeting = meeting_for(membership=member, pk=pk)
    services.support_meeting_acknowledge(actor=member, meeting=meeting)
    messages.success(request, _("You acknowledged the duty of secrecy for this meeting."))
    return redirect("staff:meeting_detail", code=code, pk=meeting.pk)
