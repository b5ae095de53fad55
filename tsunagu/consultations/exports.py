"""The consultation list as CSV and XLSX, with the list screen's filters applied.

Made by the background worker (tsunagu.reports.export_jobs) for the member who asked, with the
records that member may see on the list, each cell formula-safe (tsunagu.core.spreadsheet).
The records are in the access log as exported when the file is downloaded.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tsunagu.audit.models import AccessAction
from tsunagu.consultations import selectors
from tsunagu.consultations.forms import ConsultationFilterForm
from tsunagu.consultations.models import Consultation
from tsunagu.core.downloads import CSV, XLSX, ExportFile, Progress
from tsunagu.core.eras import EraDateError, format_wareki
from tsunagu.core.forms import form_refusal
from tsunagu.core.spreadsheet import SheetSpec, csv_bytes, xlsx_bytes
from tsunagu.policy import require
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_PERSONS

# Rows read from the database at a time (and a progress report after each batch).
BATCH = 2000


def check_filters(member: Membership, query: QueryDict) -> dict[str, Any]:
    """The list's filters, checked as the list checks them (export_jobs.Check): the job keeps
    the query as typed."""
    require(member, VIEW_PERSONS)
    filters = ConsultationFilterForm(query)
    if not filters.is_valid():
        raise form_refusal(filters)
    return {name: query.get(name, "") for name in filters.fields}


def criteria(filters: ConsultationFilterForm) -> dict[str, Any]:
    """The list selector's arguments from a valid filter form (none when it is unbound)."""
    if not filters.is_bound or not filters.is_valid():
        return {}
    return {
        "date_from": filters.cleaned_data["date_from"],
        "date_to": filters.cleaned_data["date_to"],
        "channel": filters.cleaned_data["channel"],
    }


def _day(value: date | None) -> str:
    if value is None:
        return ""
    try:
        return format_wareki(value)
    except EraDateError:
        return value.isoformat()


def _staff(c: Consultation) -> str:
    return c.staff.user.display_name or c.staff.user.username if c.staff else ""


def _row(c: Consultation) -> list[Any]:
    local = timezone.localtime(c.occurred_at)
    relation = f" ({c.get_consulter_relation_display()})" if c.consulter_relation else ""
    return [
        f"{local:%Y-%m-%d %H:%M}",
        f"{_day(local.date())} {local:%H:%M}",
        str(c.get_channel_display()),
        f"{c.get_consulter_display()}{relation}",
        c.person.number if c.person is not None else "",
        c.person.display_name if c.person is not None else "",
        c.case_id or "",
        str(c.get_main_concern_display()) if c.main_concern else "",
        c.minutes if c.minutes is not None else "",
        _staff(c),
        c.summary or "",
        _day(c.next_action_on),
    ]


HEADER = [
    gettext_lazy("When"),
    gettext_lazy("When (Japanese era)"),
    gettext_lazy("Channel"),
    gettext_lazy("Who consulted"),
    gettext_lazy("Person number"),
    gettext_lazy("Person"),
    gettext_lazy("Case No."),
    gettext_lazy("Main concern"),
    gettext_lazy("Minutes"),
    gettext_lazy("Staff"),
    gettext_lazy("Summary"),
    gettext_lazy("Next action on"),
]


def _rows(viewer: Membership, params: dict[str, Any], progress: Progress) -> list[list[Any]]:
    require(viewer, VIEW_PERSONS)
    query = QueryDict(mutable=True)
    query.update({k: str(v) for k, v in params.items()})
    filters = ConsultationFilterForm(query)
    if not filters.is_valid():
        raise ValueError("the filters were checked when the export was asked for")
    found = selectors.consultation_list(viewer=viewer, **criteria(filters))
    total = max(found.count(), 1)
    rows: list[list[Any]] = [[str(h) for h in HEADER]]
    for start in range(0, total, BATCH):
        batch = list(found[start : start + BATCH])
        selectors.consultations_shown(viewer, batch, action=AccessAction.EXPORT)
        rows.extend(_row(c) for c in batch)
        progress(min(start + BATCH, total) / total * 0.9)
    return rows


def _names(viewer: Membership, ext: str) -> tuple[str, str]:
    today = timezone.localdate()
    return (
        f"consultation_records_{viewer.municipality.code}_{today:%Y%m%d}.{ext}",
        f"{_('Consultation records')}_{viewer.municipality.name}_{_day(today)}.{ext}",
    )


def consultations_csv(viewer: Membership, params: dict[str, Any], progress: Progress) -> ExportFile:
    body = csv_bytes(_rows(viewer, params, progress))
    return ExportFile(body, CSV, *_names(viewer, "csv"))


def consultations_xlsx(
    viewer: Membership, params: dict[str, Any], progress: Progress
) -> ExportFile:
    sheet = SheetSpec(_("Consultation records"), _rows(viewer, params, progress))
    return ExportFile(xlsx_bytes([sheet]), XLSX, *_names(viewer, "xlsx"))
