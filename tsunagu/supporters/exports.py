"""The 謝金 workbook: hours and travel of each supporter in a month, made by the job queue
(tsunagu.reports.export_jobs) for the lead who asked."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.core.downloads import XLSX, ExportFile, Progress
from tsunagu.core.spreadsheet import SheetSpec, xlsx_bytes
from tsunagu.policy import require
from tsunagu.supporters import selectors
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import MANAGE_SUPPORTERS


def check_month(member: Membership, query: QueryDict) -> dict[str, Any]:
    """The month asked for as YYYY-MM, this month when none (export_jobs.Check)."""
    require(member, MANAGE_SUPPORTERS)
    raw = query.get("month") or f"{timezone.localdate():%Y-%m}"
    try:
        month = date.fromisoformat(raw + "-01")
    except ValueError:
        month = None
    if month is None or not 1873 <= month.year <= 2999:
        raise ValidationError(_("%(field)s: give a month as YYYY-MM.") % {"field": _("Month")})
    return {"month": f"{month:%Y-%m}"}


def payments_xlsx(viewer: Membership, params: dict[str, Any], progress: Progress) -> ExportFile:
    """A summary sheet, and a sheet per supporter with each activity of the month."""
    require(viewer, MANAGE_SUPPORTERS)
    month = date.fromisoformat(params["month"] + "-01")
    work = selectors.month_of_work(viewer=viewer, month=month)
    progress(0.5)
    summary: list[list[Any]] = [
        [_("Supporter"), _("Activities"), _("Hours"), _("Travel costs (yen)")]
    ]
    sheets = [SheetSpec(_("Summary"), summary)]
    for w in work:
        summary.append([w.supporter.name, len(w.activities), w.hours, w.travel_yen])
        rows: list[list[Any]] = [
            [w.supporter.name],
            [_("Date"), _("From"), _("Until"), _("Hours"), _("Place"), _("Travel costs (yen)")],
        ]
        rows += [
            [a.date, a.start, a.end, round(a.minutes / 60, 2), a.place, a.travel_yen]
            for a in w.activities
        ]
        sheets.append(SheetSpec(f"{w.supporter.pk}", rows, header_row=2, bold_rows=(1,)))
    return ExportFile(xlsx_bytes(sheets), XLSX, f"supporter-payments-{month:%Y-%m}.xlsx")
