"""Staff screens that change a recorded consultation: 訂正, linking a person later, deletion."""

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from tsunagu.consultations import selectors, services
from tsunagu.consultations.access import (
    consultation_for_correction,
    consultation_for_deletion,
    consultation_for_link,
)
from tsunagu.consultations.forms import (
    ConsultationCorrectionForm,
    ConsultationDeleteForm,
    ConsultationLinkForm,
)
from tsunagu.consultations.models import Consultation
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.requests import StaffRequest


def _member(request: StaffRequest) -> Membership:
    return request.membership


def _refused(form: Form, exc: ValidationError) -> None:
    """Put the service's refusal on the form, so the page shows it beside what was typed."""
    if not hasattr(exc, "error_dict"):
        form.add_error(None, exc)
        return
    for field, errors in exc.message_dict.items():
        for error in errors:
            form.add_error(field if field in form.fields else None, error)


def _saved(request: StaffRequest, code: str, consultation: Consultation, text: str) -> HttpResponse:
    messages.success(request, text)
    return redirect("staff:consultation_detail", code=code, pk=consultation.pk)


@require_http_methods(["GET", "POST"])
def consultation_correct(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = _member(request)
    consultation = consultation_for_correction(membership=member, pk=pk)
    form = ConsultationCorrectionForm(
        request.POST or None, initial=ConsultationCorrectionForm.initial_of(consultation)
    )
    if request.method == "POST" and form.is_valid():
        data: dict[str, Any] = dict(form.cleaned_data)
        reason = data.pop("reason")
        try:
            services.consultation_correct(
                actor=member, consultation=consultation, reason=reason, **data
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _saved(request, code, consultation, _("Corrected the consultation."))
    return render(
        request,
        "consultations/consultation_correct.html",
        {"consultation": consultation, "form": form},
    )


@require_http_methods(["GET", "POST"])
def consultation_link(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = _member(request)
    consultation = consultation_for_link(membership=member, pk=pk)
    form = ConsultationLinkForm(request.POST or None, member=member)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        person = data["person"] or data["case"].person
        try:
            services.consultation_correct(
                actor=member,
                consultation=consultation,
                reason=data["reason"],
                person=person,
                case=data["case"],
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _saved(request, code, consultation, _("Linked the consultation."))
    person = form.cleaned_data.get("person") if form.is_bound and form.is_valid() else None
    if person is None and form.is_bound:
        raw = str(form.data.get("person", ""))
        person = selectors.visible_person(viewer=member, pk=raw)
    return render(
        request,
        "consultations/consultation_link.html",
        {
            "consultation": consultation,
            "form": form,
            "chosen_person": person,
            "cases": selectors.cases_of_person(viewer=member, person=person),
            "chosen_case": str(form.data.get("case", "")) if form.is_bound else "",
        },
    )


@require_http_methods(["GET", "POST"])
def consultation_delete(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = _member(request)
    consultation = consultation_for_deletion(membership=member, pk=pk)
    form = ConsultationDeleteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.consultation_delete(
                actor=member, consultation=consultation, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _refused(form, exc)
        else:
            return _saved(request, code, consultation, _("Deleted the consultation."))
    return render(
        request,
        "consultations/consultation_delete.html",
        {"consultation": consultation, "form": form},
    )
