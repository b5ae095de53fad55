"""Staff screens of consultations: quick entry of a call, the list, one record, and the import."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from tsunagu.audit.models import AccessAction
from tsunagu.cases.models import Case
from tsunagu.consultations import exports, importer, selectors, services
from tsunagu.consultations.access import (
    consultation_for_follow_up,
    consultation_or_tombstone,
    import_job_for_uploader,
    import_preview_seen,
)
from tsunagu.consultations.codes import Channel, Consulter
from tsunagu.consultations.forms import (
    ConsultationFilterForm,
    ConsultationForm,
    ImportUploadForm,
)
from tsunagu.consultations.models import ImportJob
from tsunagu.consultations.services import consultation_record
from tsunagu.core import jobs
from tsunagu.core.ids import parse_id
from tsunagu.core.paging import CappedPaginator
from tsunagu.people.codes import Relation
from tsunagu.people.models import Person
from tsunagu.policy import require, shown
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import IMPORT_CONSULTATIONS, RECORD_CONSULTATIONS, VIEW_PERSONS
from tsunagu.tenancy.requests import StaffRequest

PAGE_SIZE = 50


def _member(request: StaffRequest) -> Membership:
    return request.membership


# Quick entry -------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def consultation_new(request: StaffRequest, code: str) -> HttpResponse:
    member = _member(request)
    require(member, RECORD_CONSULTATIONS)
    initial = selectors.quick_entry_initial(viewer=member, case_pk=request.GET.get("case"))
    form = ConsultationForm(request.POST or None, member=member, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            consultation = consultation_record(
                actor=member,
                municipality=member.municipality,
                occurred_at=data["occurred_at"],
                channel=data["channel"],
                consulter=data["consulter"],
                consulter_relation=data["consulter_relation"],
                staff=member,
                minutes=data["minutes"],
                summary=data["summary"],
                next_action=data["next_action"],
                next_action_on=data["next_action_on"],
                person=data["person"],
                case=data["case"],
                main_concern=data["main_concern"],
                subject_age_band=data["subject_age_band"],
                subject_gender=data["subject_gender"],
            )
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            url = reverse("staff:consultation_detail", kwargs={"code": code, "pk": consultation.pk})
            messages.success(
                request,
                format_html(
                    '{} <a class="alert-link" href="{}" id="saved-consultation">{}</a>',
                    _("Saved the consultation."),
                    url,
                    _("Open it"),
                ),
            )
            # The same address: opened for a case, the next call is for that case again.
            return redirect(request.get_full_path())
    form.mark_errors()
    return render(
        request,
        "consultations/consultation_new.html",
        {
            "form": form,
            **selectors.quick_entry_choices(viewer=member, form=form),
            "is_family": (form["consulter"].value() == "family"),
        },
    )


@require_GET
def consultation_person_search(request: StaffRequest, code: str) -> HttpResponse:
    """Search-as-you-type results for the quick entry: radio options, "unknown" first."""
    member = _member(request)
    require(member, RECORD_CONSULTATIONS)
    query = request.GET.get("person_query", "").strip()
    persons = shown(
        member,
        Person,
        selectors.person_search(viewer=member, query=query),
        action=AccessAction.SEARCH,
    )
    return render(
        request,
        "consultations/_person_results.html",
        {"persons": persons, "query": query, "chosen_person": None},
    )


@require_GET
def consultation_person_cases(request: StaffRequest, code: str) -> HttpResponse:
    """The case select for the person just picked (empty for "unknown")."""
    member = _member(request)
    require(member, RECORD_CONSULTATIONS)
    person_id = parse_id(request.GET.get("person"))
    person = selectors.visible_person(viewer=member, pk=person_id)
    cases = selectors.cases_of_person(viewer=member, person=person)
    shown(member, Case, cases)
    return render(
        request,
        "consultations/_case_select.html",
        {"cases": cases, "chosen_case": selectors.only_open_case(cases)},
    )


# List and detail ---------------------------------------------------------------------------


@require_GET
def consultation_list(request: StaffRequest, code: str) -> HttpResponse:
    member = _member(request)
    require(member, VIEW_PERSONS)
    filters = ConsultationFilterForm(request.GET or None)
    consultations = selectors.consultation_list(viewer=member, **exports.criteria(filters))
    # Counted up to 1,000, like the persons and cases: a counselor's count of a big city's
    # consultations checks each one against the policy (13 s for a million).
    page = CappedPaginator(consultations, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = list(page.object_list)
    selectors.consultations_shown(member, rows)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "consultations/consultation_list.html",
        {"filters": filters, "page": page, "rows": rows, "query": query.urlencode()},
    )


@require_GET
def consultation_detail(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = _member(request)
    consultation = consultation_or_tombstone(membership=member, pk=pk)
    return render(
        request,
        "consultations/consultation_detail.html",
        selectors.consultation_page(viewer=member, consultation=consultation),
    )


@require_POST
def consultation_follow_up_done(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = _member(request)
    consultation = consultation_for_follow_up(membership=member, pk=pk)
    try:
        services.consultation_follow_up_done(actor=member, consultation=consultation)
    except ValidationError as exc:
        messages.info(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Marked the follow-up as done."))
    return redirect("staff:home", code=code)


# Import ------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def consultation_import(request: StaffRequest, code: str) -> HttpResponse:
    member = _member(request)
    require(member, IMPORT_CONSULTATIONS)
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = importer.import_job_create(
                uploader=member, upload=form.cleaned_data["file"], force=form.cleaned_data["force"]
            )
        except importer.ImportFileError as exc:
            form.add_error("file", str(exc))
        else:
            return redirect("staff:consultation_import_job", code=code, pk=job.pk)
    return render(
        request,
        "consultations/import.html",
        {
            "form": form,
            "jobs": selectors.import_job_list(viewer=member),
            "columns": importer.COLUMNS,
            "required_columns": importer.REQUIRED_COLUMNS,
        },
    )


def _preview_rows(job: ImportJob) -> list[dict[str, Any]]:
    """The stored preview with labels in the reader's language and dates to show in 和暦."""
    rows = []
    for row in job.preview or []:
        relation = row.get("consulter_relation") or ""
        rows.append(
            {
                **row,
                "iso": row["occurred_at"],
                "occurred_at": datetime.fromisoformat(row["occurred_at"]),
                "channel_label": Channel(row["channel"]).label,
                "consulter_label": Consulter(row["consulter"]).label,
                "relation_label": Relation(relation).label if relation else "",
            }
        )
    return rows


def _job_context(job: ImportJob) -> dict[str, Any]:
    rows, percent = importer.saving_progress(job)
    preview = [] if job.is_running else _preview_rows(job)
    return {"job": job, "percent": percent, "rows": rows, "preview": preview}


@require_GET
def consultation_import_job(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = _member(request)
    job = import_job_for_uploader(membership=member, pk=pk)
    if job.preview and not job.is_running:
        import_preview_seen(membership=member, job=job)
    return render(request, "consultations/import_job.html", _job_context(job))


@require_GET
def consultation_import_progress(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    """The job panel alone, polled by htmx every second while the job runs."""
    member = _member(request)
    job = import_job_for_uploader(membership=member, pk=pk)
    if job.is_running and jobs.reap():
        # Its worker may have been the one that died.
        job.refresh_from_db()
    if job.preview and not job.is_running:
        import_preview_seen(membership=member, job=job)
    return render(request, "consultations/_import_job_panel.html", _job_context(job))


@require_POST
def consultation_import_confirm(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    job = import_job_for_uploader(membership=_member(request), pk=pk)
    if not importer.import_job_confirm(job=job):
        messages.error(request, _("This file is not waiting to be imported."))
    return redirect("staff:consultation_import_job", code=code, pk=job.pk)


@require_POST
def consultation_import_retry(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    job = import_job_for_uploader(membership=_member(request), pk=pk)
    if not importer.import_job_retry(job=job):
        messages.error(request, _("This import cannot be tried again; upload the file again."))
    return redirect("staff:consultation_import_job", code=code, pk=job.pk)


@require_POST
def consultation_import_cancel(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    job = import_job_for_uploader(membership=_member(request), pk=pk)
    if importer.import_job_cancel(job=job):
        messages.info(request, _("The upload was discarded."))
    return redirect("staff:consultation_import", code=code)
