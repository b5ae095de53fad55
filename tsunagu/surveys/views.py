"""Screens of needs surveys: rounds, a round's table and chart by district, answers entered
from paper, two rounds compared, districts, and the XLSX export."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tsunagu.policy import can, one, require, visible
from tsunagu.surveys import selectors, services
from tsunagu.surveys.forms import AnswerForm, DistrictForm, SurveyForm
from tsunagu.surveys.models import District, DistrictAnswer, Survey
from tsunagu.tenancy.forms import validation_error_to_form
from tsunagu.tenancy.policy import MANAGE_SURVEYS, VIEW_SURVEYS
from tsunagu.tenancy.requests import StaffRequest


def survey_list(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require(member, VIEW_SURVEYS)
    manage = can(member, MANAGE_SURVEYS)
    form = SurveyForm(request.POST or None) if manage else None
    if request.method == "POST":
        require(member, MANAGE_SURVEYS)
        assert form is not None
        if form.is_valid():
            try:
                survey = services.survey_create(actor=member, **form.cleaned_data)
            except ValidationError as exc:
                validation_error_to_form(form, exc)
            else:
                messages.success(request, _("Started the survey round."))
                return redirect("staff:survey_detail", code=code, pk=survey.pk)
    surveys = list(selectors.survey_list(viewer=member))
    return render(
        request, "surveys/survey_list.html", {"surveys": surveys, "form": form, "manage": manage}
    )


def survey_detail(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    survey = one(member, Survey, pk, permission=VIEW_SURVEYS)
    answers = selectors.answers_of(survey)
    others = visible(member, Survey).exclude(pk=survey.pk)
    compare_with = None
    comparison = None
    if request.GET.get("compare"):
        try:
            compare_with = others.get(pk=int(request.GET["compare"]))
        except (ValueError, Survey.DoesNotExist):
            compare_with = None
        if compare_with is not None:
            before, after = sorted([compare_with, survey], key=lambda s: s.conducted_on)
            comparison = selectors.survey_compare(before=before, after=after)
            compare_with = before if before != survey else after
    # The shape static/tsunagu/statistics.js draws: people counted, by district.
    chart = {
        "labels": [a.district.name for a in answers],
        "datasets": [
            {"label": _("People counted"), "code": "phone", "data": [a.total for a in answers]}
        ],
        "yLabel": _("People"),
    }
    return render(
        request,
        "surveys/survey_detail.html",
        {
            "survey": survey,
            "answers": answers,
            "total": sum(a.total for a in answers),
            "known": sum(a.known_to_center for a in answers),
            "responded": sum(1 for a in answers if a.responded),
            "chart": chart,
            "others": others,
            "compare_with": compare_with,
            "comparison": comparison,
            "manage": can(member, MANAGE_SURVEYS),
        },
    )


def answer_edit(request: StaffRequest, code: str, pk: int, answer_pk: int) -> HttpResponse:
    member = request.membership
    survey = one(member, Survey, pk, permission=MANAGE_SURVEYS)
    answers = DistrictAnswer.objects.filter(survey=survey).select_related("district")
    answer: DistrictAnswer = get_object_or_404(answers, pk=answer_pk)
    initial = AnswerForm.initial_from(answer)
    initial.setdefault("answered_on", answer.answered_on or timezone.localdate())
    form = AnswerForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.answer_record(actor=member, answer=answer, **form.service_fields())
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(
                request, _("Saved the answer of %(district)s.") % {"district": answer.district.name}
            )
            return redirect("staff:survey_detail", code=code, pk=survey.pk)
    return render(
        request, "surveys/answer_form.html", {"survey": survey, "answer": answer, "form": form}
    )


@require_POST
def answer_remind(request: StaffRequest, code: str, pk: int, answer_pk: int) -> HttpResponse:
    member = request.membership
    survey = one(member, Survey, pk, permission=MANAGE_SURVEYS)
    answer: DistrictAnswer = get_object_or_404(
        DistrictAnswer.objects.filter(survey=survey), pk=answer_pk
    )
    services.answer_remind(actor=member, answer=answer, on=timezone.localdate())
    messages.success(
        request, _("Noted the reminder to %(district)s.") % {"district": answer.district.name}
    )
    return redirect("staff:survey_detail", code=code, pk=survey.pk)


def district_list(request: StaffRequest, code: str) -> HttpResponse:
    member = request.membership
    require(member, MANAGE_SURVEYS)
    form = DistrictForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.district_save(actor=member, **form.cleaned_data)
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Added the district."))
            return redirect("staff:district_list", code=code)
    districts = District.objects.filter(municipality_id=member.municipality_id)
    return render(request, "surveys/district_list.html", {"districts": districts, "form": form})


def answer_questionnaire(request: StaffRequest, code: str, pk: int, answer_pk: int) -> HttpResponse:
    """The district's printable questionnaire (PDF): counts only, no personal data."""
    from tsunagu.surveys.questionnaire import questionnaire_pdf, reference

    member = request.membership
    survey = one(member, Survey, pk, permission=MANAGE_SURVEYS)
    answers = DistrictAnswer.objects.filter(survey=survey).select_related(
        "district", "survey__municipality"
    )
    answer: DistrictAnswer = get_object_or_404(answers, pk=answer_pk)
    response = HttpResponse(questionnaire_pdf(answer), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="questionnaire-{reference(answer)}.pdf"'
    return response
