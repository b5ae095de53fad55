"""Staff screens of the public side: the web inquiry inbox and the page's text editor."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tsunagu.consultations.access import may_link
from tsunagu.consultations.models import Consultation
from tsunagu.policy import can, require, shown
from tsunagu.public import selectors, services, throttle
from tsunagu.public.access import inquiry_for
from tsunagu.public.forms import NewCaseForm, PublicPageForm
from tsunagu.public.services import PAGE_FIELDS
from tsunagu.tenancy.policy import EDIT_CASES, EDIT_PUBLIC_PAGE, RECORD_CONSULTATIONS
from tsunagu.tenancy.requests import StaffRequest


def _inbox(
    request: StaffRequest, code: str, refused: tuple[int, NewCaseForm] | None = None
) -> HttpResponse:
    member = request.membership
    inquiries = selectors.inbox(member)
    shown(member, Consultation, [i.consultation for i in inquiries])
    opens_cases = can(member, EDIT_CASES)
    rows = [
        (
            i,
            may_link(member, i.consultation),
            refused[1] if refused and refused[0] == i.pk else NewCaseForm(prefix=f"inquiry{i.pk}"),
        )
        for i in inquiries
    ]
    return render(
        request,
        "public/inquiry_list.html",
        {
            "rows": rows,
            "opens_cases": opens_cases,
            "refused_today": throttle.refused_today(code),
        },
        status=422 if refused else 200,
    )


def inquiry_list(request: StaffRequest, code: str) -> HttpResponse:
    """Web inquiries, unanswered first: each is a consultation (channel web) to link later,
    to a known person or case, or in one step to a new case."""
    require(request.membership, RECORD_CONSULTATIONS)
    return _inbox(request, code)


@require_POST
def inquiry_new_case(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    """Open a new case (and its person) from the inquiry, its consultation linked to it."""
    member = request.membership
    require(member, EDIT_CASES)
    inquiry = inquiry_for(member, pk, RECORD_CONSULTATIONS)
    if not may_link(member, inquiry.consultation):
        raise PermissionDenied("consultation.correct")
    form = NewCaseForm(request.POST, prefix=f"inquiry{inquiry.pk}")
    if form.is_valid():
        try:
            case = services.inquiry_open_case(
                actor=member, inquiry=inquiry, name=form.cleaned_data["name"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Opened a new case from %(receipt)s.") % {"receipt": inquiry.receipt},
            )
            return redirect("staff:case_detail", code=code, pk=case.pk)
    return _inbox(request, code, refused=(inquiry.pk, form))


@require_POST
def inquiry_answered(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    inquiry = inquiry_for(member, pk, RECORD_CONSULTATIONS)
    services.inquiry_mark_answered(actor=member, inquiry=inquiry)
    messages.success(request, _("Marked %(receipt)s as answered.") % {"receipt": inquiry.receipt})
    return redirect("staff:web_inquiry_list", code=code)


def page_edit(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require(member, EDIT_PUBLIC_PAGE)
    page = selectors.page_of(member.municipality)
    initial = {f: getattr(page, f) for f in PAGE_FIELDS} if page else {}
    form = PublicPageForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        services.page_save(actor=member, **form.cleaned_data)
        messages.success(request, _("Saved the public page."))
        return redirect("staff:public_page_edit", code=code)
    return render(request, "public/page_edit.html", {"form": form})
