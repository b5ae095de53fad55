"""Exports made by the background worker: every CSV, XLSX and record PDF a member asks for.

The rule is one and simple: every export file (statistics CSV/XLSX/PDF, the consultation list,
the committee's pack, the places' statistics, the 謝金 workbook, a survey round, a case record)
is made by the queue, never inside the request, whatever its size. The member presses the
button, gets a page with a progress bar (the percentage is on the job's row, so every worker
and page sees it), and a download link when the file is ready; a job that failed says why in
plain words and can be tried again.

The file holds personal or statistical data: it is written 0600 under DATA_DIR/exports, only
the member who asked may download it (anyone else meets 404), the personal records it carries
are written to the access log when it is downloaded, and it is deleted a day after it was made
(by a job queued for that moment, and by any export started after it).

Each kind names the function that makes its file, ``maker(viewer, params, progress)`` →
`ExportFile`, imported by path when the job runs, so this module depends on none of them.
"""

from __future__ import annotations

import logging
import os
import uuid
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, QueryDict
from django.utils import timezone, translation
from django.utils.functional import Promise
from django.utils.module_loading import import_string
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django_scopes import scope, scopes_disabled

from tsunagu.core.downloads import ExportFile, Progress
from tsunagu.policy import reads_collected, record_reads
from tsunagu.reports.models import ExportJob
from tsunagu.tenancy.models import Membership

logger = logging.getLogger(__name__)

# How long a made file is kept for its member to download.
KEPT_FOR = timedelta(days=1)


class Maker(Protocol):
    def __call__(
        self, viewer: Membership, params: dict[str, Any], progress: Progress
    ) -> ExportFile: ...


class Check(Protocol):
    """What was asked, checked before the job is queued: the job's params, or a
    ValidationError naming each field; PermissionDenied or Http404 as on the screen."""

    def __call__(self, member: Membership, query: QueryDict) -> dict[str, Any]: ...


@dataclass(frozen=True)
class Kind:
    maker: str  # the function that makes the file (path)
    check: str  # the function that checks what was asked (path)
    label: Promise  # what the member asked for, in their words
    screen: str  # the URL name of the screen the export is asked from


def _kind(module: str, maker: str, check: str, label: Promise, screen: str) -> Kind:
    return Kind(f"{module}.{maker}", f"{module}.{check}", label, screen)


_STATISTICS = "tsunagu.reports.exports"
_PLACES = "tsunagu.places.statistics"
_CONSULTATIONS = "tsunagu.consultations.exports"
KINDS: dict[str, Kind] = {
    "statistics_csv": _kind(
        _STATISTICS,
        "statistics_csv",
        "check_period",
        gettext_lazy("Consultation statistics (CSV)"),
        "staff:statistics",
    ),
    "statistics_xlsx": _kind(
        _STATISTICS,
        "statistics_xlsx",
        "check_period",
        gettext_lazy("Consultation statistics (Excel)"),
        "staff:statistics",
    ),
    "statistics_pdf": _kind(
        _STATISTICS,
        "statistics_pdf",
        "check_period",
        gettext_lazy("Consultation statistics (PDF)"),
        "staff:statistics",
    ),
    "dashboard_xlsx": _kind(
        "tsunagu.reports.dashboard",
        "dashboard_xlsx",
        "check_last_year",
        gettext_lazy("Excel pack for the committee"),
        "staff:statistics_dashboard",
    ),
    "places_statistics_csv": _kind(
        _PLACES,
        "statistics_csv",
        "check_period",
        gettext_lazy("Statistics of places (CSV)"),
        "staff:places_statistics",
    ),
    "places_statistics_xlsx": _kind(
        _PLACES,
        "statistics_xlsx",
        "check_period",
        gettext_lazy("Statistics of places (Excel)"),
        "staff:places_statistics",
    ),
    "consultations_csv": _kind(
        _CONSULTATIONS,
        "consultations_csv",
        "check_filters",
        gettext_lazy("Consultation records (CSV)"),
        "staff:consultation_list",
    ),
    "consultations_xlsx": _kind(
        _CONSULTATIONS,
        "consultations_xlsx",
        "check_filters",
        gettext_lazy("Consultation records (Excel)"),
        "staff:consultation_list",
    ),
    "supporter_payments_xlsx": _kind(
        "tsunagu.supporters.exports",
        "payments_xlsx",
        "check_month",
        gettext_lazy("Payments of supporters (Excel)"),
        "staff:supporter_list",
    ),
    "survey_xlsx": _kind(
        "tsunagu.surveys.exports",
        "survey_xlsx",
        "check_survey",
        gettext_lazy("Survey by district (Excel)"),
        "staff:survey_detail",
    ),
    "case_record_pdf": _kind(
        "tsunagu.cases.record_pdf",
        "case_record_export",
        "check_case_record",
        gettext_lazy("Case record (PDF)"),
        "staff:case_detail",
    ),
}


def export_check(*, member: Membership, kind: str, query: QueryDict) -> dict[str, Any]:
    """The params of an export `member` asks for, or a ValidationError saying what is wrong."""
    check: Check = import_string(KINDS[kind].check)
    return check(member, query)


INTERRUPTED_MESSAGE = gettext_lazy(
    "The server process making this file stopped before it finished. Press “Try again”."
)
FAILED_MESSAGE = gettext_lazy(
    "The file could not be made. Press “Try again”; if it fails again, tell your administrator."
)


def kind_label(kind: str) -> str:
    return str(KINDS[kind].label) if kind in KINDS else kind


def exports_dir() -> Path:
    directory = Path(settings.DATA_DIR) / "exports"
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    return directory


def export_path(job: ExportJob) -> Path:
    return exports_dir() / job.stored_name


def _enqueue_run(job: ExportJob) -> None:
    from tsunagu.reports.tasks import run_export

    run_export.enqueue(job_id=job.pk, municipality_id=job.municipality_id)


@transaction.atomic
def export_start(*, member: Membership, kind: str, params: dict[str, Any]) -> ExportJob:
    """Queue the making of a file for `member`; the caller has checked what was asked."""
    if kind not in KINDS:
        raise ValueError(f"unknown export kind {kind}")
    drop_expired(member.municipality_id)
    job = ExportJob.objects.create(
        municipality=member.municipality,
        requested_by=member,
        kind=kind,
        params=params,
        language=get_language() or settings.LANGUAGE_CODE,
    )
    _enqueue_run(job)
    return job


def export_retry(*, job: ExportJob) -> bool:
    """Queue again a job that failed; False when it had not failed."""
    with transaction.atomic():
        again = ExportJob.objects.filter(
            pk=job.pk, municipality_id=job.municipality_id, status=ExportJob.Status.FAILED
        ).update(status=ExportJob.Status.QUEUED, percent=0, error="", finished_at=None)
        if again:
            _enqueue_run(job)
    return bool(again)


def _drop_file(job: ExportJob) -> None:
    if job.stored_name:
        export_path(job).unlink(missing_ok=True)


def export_drop(*, job: ExportJob) -> None:
    """Delete the file of a job and say so on its row."""
    _drop_file(job)
    ExportJob.objects.filter(pk=job.pk, municipality_id=job.municipality_id).update(
        status=ExportJob.Status.EXPIRED, stored_name="", seen=[]
    )


def drop_expired(municipality_id: int) -> int:
    """Delete every file of the municipality kept longer than a day; how many were."""
    expired = list(
        ExportJob.objects.filter(
            municipality_id=municipality_id,
            status=ExportJob.Status.DONE,
            expires_at__lte=timezone.now(),
        )
    )
    for job in expired:
        export_drop(job=job)
    return len(expired)


def _load(job_id: int, municipality_id: int) -> ExportJob | None:
    with scopes_disabled():
        return (
            ExportJob.objects.select_related("municipality", "requested_by__user")
            .filter(pk=job_id, municipality_id=municipality_id)
            .first()
        )


def _write(body: bytes) -> str:
    """Store the file readable by the service's own user only; its name is unguessable."""
    stored_name = uuid.uuid4().hex
    path = exports_dir() / stored_name
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as out:
            out.write(body)
    except OSError:
        path.unlink(missing_ok=True)
        raise
    return stored_name


def _failed(job: ExportJob, message: str) -> None:
    ExportJob.objects.filter(pk=job.pk, municipality_id=job.municipality_id).update(
        status=ExportJob.Status.FAILED, error=message, finished_at=timezone.now()
    )


def export_run(job_id: int, municipality_id: int) -> None:
    """Make the file of a queued job (run by a worker), as its member may see the data now."""
    job = _load(job_id, municipality_id)
    if job is None or job.status != ExportJob.Status.QUEUED:
        return
    with scope(municipality=job.municipality), translation.override(job.language):
        rows = ExportJob.objects.filter(pk=job.pk, municipality_id=municipality_id)
        rows.update(status=ExportJob.Status.RUNNING, percent=0)

        def progress(fraction: float) -> None:
            rows.update(percent=max(0, min(int(fraction * 100), 99)))

        maker: Maker = import_string(KINDS[job.kind].maker)
        member = job.requested_by
        try:
            if not member.is_active:
                raise PermissionDenied
            with reads_collected() as seen:
                made = maker(member, job.params, progress)
            stored_name = _write(made.body)
        except ValidationError as exc:
            _failed(job, " ".join(exc.messages))
            return
        except (PermissionDenied, Http404):
            _failed(job, _("You may no longer see what this file would hold."))
            return
        except OSError as exc:
            logger.error("export job %s: storing the file failed: %s", job_id, exc.strerror)
            _failed(
                job,
                _("The server could not store the file (%(reason)s). Tell your administrator.")
                % {"reason": exc.strerror or exc.__class__.__name__},
            )
            return
        except Exception:
            logger.exception("export job %s (%s) failed", job_id, job.kind)
            _failed(job, str(FAILED_MESSAGE))
            return
        now = timezone.now()
        expires_at = now + KEPT_FOR
        rows.update(
            status=ExportJob.Status.DONE,
            percent=100,
            stored_name=stored_name,
            ascii_name=made.ascii_name[:255],
            local_name=made.local_name[:255],
            content_type=made.content_type,
            seen=[list(read) for read in seen],
            finished_at=now,
            expires_at=expires_at,
        )
    from tsunagu.reports.tasks import drop_export

    drop_export.using(run_after=expires_at).enqueue(job_id=job.pk, municipality_id=municipality_id)


def export_expire(job_id: int, municipality_id: int) -> None:
    """The day is over: delete the file (run by a worker at the job's expiry)."""
    job = _load(job_id, municipality_id)
    if job is not None and job.status == ExportJob.Status.DONE:
        with scope(municipality=job.municipality):
            export_drop(job=job)


def export_interrupted(job_id: int, municipality_id: int) -> None:
    """The worker making this file died: say so, and let the member try again."""
    with scopes_disabled():
        ExportJob.objects.filter(
            pk=job_id,
            municipality_id=municipality_id,
            status__in=[ExportJob.Status.QUEUED, ExportJob.Status.RUNNING],
        ).update(
            status=ExportJob.Status.FAILED,
            error=str(INTERRUPTED_MESSAGE),
            finished_at=timezone.now(),
        )


def export_file(*, member: Membership, job: ExportJob) -> ExportFile | None:
    """The file of a ready job for its member, written to the access log as exported when it
    carries personal records; None when it is not (or no longer) there."""
    if job.status != ExportJob.Status.DONE:
        return None
    if job.expires_at is not None and job.expires_at <= timezone.now():
        export_drop(job=job)
        return None
    try:
        body = export_path(job).read_bytes()
    except OSError:
        return None
    record_reads(member, job.seen, action="export")
    return ExportFile(
        body=body,
        content_type=job.content_type,
        ascii_name=job.ascii_name,
        local_name=job.local_name,
    )
