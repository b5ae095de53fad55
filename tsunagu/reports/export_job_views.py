"""The page of one export: its progress, then its download link, or why it failed."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from tsunagu.core import jobs
from tsunagu.reports import export_jobs
from tsunagu.reports.access import export_job_for_requester
from tsunagu.reports.models import ExportJob
from tsunagu.tenancy.requests import StaffRequest


@require_POST
def export_start(
    request: StaffRequest, code: str, kind: str, pk: int | None = None
) -> HttpResponse:
    """Queue the export `kind` of what the screen shows (its query string; `pk` names the case
    or survey), and send the member to the job's page. What cannot be exported is said on a
    page naming each field, with the way back to the screen."""
    member = request.membership
    query = request.GET.copy()
    if pk is not None:
        query["pk"] = str(pk)
    try:
        params = export_jobs.export_check(member=member, kind=kind, query=query)
    except ValidationError as exc:
        screen = export_jobs.KINDS[kind].screen
        back = reverse(screen, kwargs={"code": code, **({"pk": pk} if pk is not None else {})})
        back_query = request.GET.urlencode()
        context = {
            "label": export_jobs.kind_label(kind),
            "problems": exc.messages,
            "back": f"{back}?{back_query}" if back_query else back,
        }
        return render(request, "reports/export_refused.html", context, status=400)
    job = export_jobs.export_start(member=member, kind=kind, params=params)
    return redirect("staff:export_job", code=code, pk=job.pk)


def _context(job: ExportJob) -> dict[str, Any]:
    return {"job": job, "label": export_jobs.kind_label(job.kind)}


@require_GET
def export_job(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    job = export_job_for_requester(membership=request.membership, pk=pk)
    return render(request, "reports/export_job.html", _context(job))


@require_GET
def export_job_progress(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    """The job panel alone, polled by htmx every second while the file is being made."""
    job = export_job_for_requester(membership=request.membership, pk=pk)
    if job.is_running and jobs.reap():
        # Its worker may have been the one that died.
        job.refresh_from_db()
    return render(request, "reports/_export_job_panel.html", _context(job))


@require_GET
def export_job_download(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    job = export_job_for_requester(membership=member, pk=pk)
    made = export_jobs.export_file(member=member, job=job)
    if made is None:
        raise Http404
    response = HttpResponse(made.body, content_type=made.content_type)
    response["Content-Disposition"] = made.content_disposition()
    return response


@require_POST
def export_job_retry(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    job = export_job_for_requester(membership=request.membership, pk=pk)
    if not export_jobs.export_retry(job=job):
        messages.error(request, _("This export has not failed; there is nothing to try again."))
    return redirect("staff:export_job", code=code, pk=job.pk)
