"""The statistics layout shared by the page, CSV and XLSX; withheld figures are marked."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import quote

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from tsunagu.consultations.codes import Channel, Consulter, MainConcern
from tsunagu.core.eras import (
    EraDateError,
    fiscal_year_label,
    format_wareki,
    format_wareki_month,
)
from tsunagu.core.spreadsheet import csv_row, xlsx_append
from tsunagu.network.codes import Destination
from tsunagu.people.codes import AgeBand, Gender
from tsunagu.reports.selectors import ConsultationStatistics
from tsunagu.tenancy.models import Municipality

Cell = int | str | None

# The mark of a figure the disclosure module withheld (秘匿), as in government statistics.
WITHHELD = "X"


def shown(value: int | None) -> int | str:
    return WITHHELD if value is None else value


@dataclass
class Section:
    """One table: ``labels`` leading text columns of each row, then counts."""

    key: str
    caption: str
    header: list[str]
    rows: list[list[Cell]] = field(default_factory=list)
    labels: int = 1
    total_row: list[Cell] | None = None
    group_rows: int = 0  # how many rows before the total are the municipality's own groups


@dataclass
class StatisticsLayout:
    title: str
    period: str
    sections: list[Section]
    suppressed: bool
    notes: list[str] = field(default_factory=list)


def _wareki_or_iso(day: date, *, month_only: bool) -> str:
    try:
        return format_wareki_month(day) if month_only else format_wareki(day)
    except EraDateError:
        return day.isoformat()[:7] if month_only else day.isoformat()


def period_wareki(start: date, end: date, *, fiscal_year: int | None = None) -> str:
    """E.g. "平成30年4月〜平成30年12月" for whole months, else with days; a 年度 named first."""
    whole_months = start.day == 1 and (end + timedelta(days=1)).day == 1
    text = (
        f"{_wareki_or_iso(start, month_only=whole_months)}〜"
        f"{_wareki_or_iso(end, month_only=whole_months)}"
    )
    if fiscal_year is not None:
        return f"{fiscal_year_label(fiscal_year)}（{text}）"
    return text


def statistics_title(
    *, municipality: Municipality, start: date, end: date, fiscal_year: int | None = None
) -> str:
    return _("Consultations %(period)s %(municipality)s") % {
        "period": period_wareki(start, end, fiscal_year=fiscal_year),
        "municipality": municipality.name,
    }


def statistics_layout(
    stats: ConsultationStatistics,
    *,
    municipality: Municipality,
    fiscal_year: int | None = None,
    suppressed: bool = False,
    referrals: tuple[dict[str, int | None], int | None] | None = None,
) -> StatisticsLayout:
    """The tables in the order the page shows them and the exports write them.

    `stats` comes already protected for a reader outside the center (`suppressed`); this only
    marks what the disclosure module withheld.
    """
    n = shown

    contacts, people = _("Contacts"), _("People")
    by_channel = Section(
        key="channel", caption=_("By channel"), header=[_("Channel"), contacts, people]
    )
    for code, label in Channel.choices:
        by_channel.rows.append(
            [str(label), n(stats.by_channel[code]), n(stats.people_by_channel[code])]
        )
    for group in stats.groups:
        by_channel.rows.append([group.name, n(group.total), n(group.people)])
    by_channel.group_rows = len(stats.groups)
    by_channel.total_row = [_("Total"), n(stats.total), n(stats.people)]

    by_consulter = Section(
        key="consulter", caption=_("By consulter"), header=[_("Consulter"), contacts]
    )
    for code, label in Consulter.choices:
        by_consulter.rows.append([str(label), n(stats.by_consulter[code])])
    by_consulter.total_row = [_("Total"), n(stats.total)]

    by_concern = Section(
        key="main_concern", caption=_("By main concern"), header=[_("Main concern"), contacts]
    )
    for code, label in MainConcern.choices:
        by_concern.rows.append([str(label), n(stats.by_main_concern.get(code, 0))])
    by_concern.rows.append([_("Not recorded"), n(stats.by_main_concern.get("", 0))])
    by_concern.total_row = [_("Total"), n(stats.total)]

    # What callers said of a person not (yet) linked: counted only on those records.
    by_age = Section(
        key="unlinked_age",
        caption=_("No person linked: by approximate age"),
        header=[_("Approximate age"), contacts],
    )
    for code, label in AgeBand.choices:
        by_age.rows.append([str(label), n(stats.unlinked_by_age_band.get(code, 0))])
    by_gender = Section(
        key="unlinked_gender",
        caption=_("No person linked: by gender"),
        header=[_("Gender"), contacts],
    )
    for code, label in Gender.choices:
        by_gender.rows.append([str(label), n(stats.unlinked_by_gender.get(code, 0))])

    channel_labels = [str(label) for _code, label in Channel.choices]
    by_month = Section(
        key="month",
        caption=_("By month"),
        header=[_("Month"), _("Month (Japanese era)"), *channel_labels, _("Total")],
        labels=2,
    )
    for month in stats.by_month:
        first_day = date(int(month.month[:4]), int(month.month[5:]), 1)
        by_month.rows.append(
            [
                month.month,
                _wareki_or_iso(first_day, month_only=True),
                *(n(month.by_channel[code]) for code, _label in Channel.choices),
                n(month.total),
            ]
        )
    by_month.total_row = [
        _("Total"),
        "",
        *(n(stats.by_channel[code]) for code, _label in Channel.choices),
        n(stats.total),
    ]

    sections = [by_channel, by_consulter, by_month]
    if not suppressed:
        # Not yet protected by the disclosure module as one set with the tables above: these
        # go to the center's own staff only, never to a committee member or the public.
        sections += [by_concern, by_age, by_gender]
    if referrals is not None:
        by_destination, referral_total = referrals
        by_referral = Section(
            key="referral",
            caption=_("Referrals by destination"),
            header=[_("Destination"), _("Referrals")],
        )
        for code, label in Destination.choices:
            by_referral.rows.append([str(label), n(by_destination[code])])
        by_referral.total_row = [_("Total"), n(referral_total)]
        sections.append(by_referral)

    notes = [
        _("Contacts count every consultation; people count each known person once.")
        + " "
        + _("Consultations about an unknown person count as contacts only.")
    ]
    if suppressed:
        notes.append(
            _(
                "%(mark)s: withheld so that no one can be singled out (counts from 1 to 4, and "
                "the other figures from which they could be worked out)."
            )
            % {"mark": WITHHELD}
        )
    return StatisticsLayout(
        title=statistics_title(
            municipality=municipality, start=stats.start, end=stats.end, fiscal_year=fiscal_year
        ),
        period=period_wareki(stats.start, stats.end, fiscal_year=fiscal_year),
        sections=sections,
        suppressed=suppressed,
        notes=notes,
    )


def _sheet_rows(layout: StatisticsLayout, stats: ConsultationStatistics) -> list[list[Cell]]:
    rows: list[list[Cell]] = [
        [layout.title],
        [_("Period"), stats.start.isoformat(), stats.end.isoformat()],
    ]
    rows.extend([note] for note in layout.notes)
    for section in layout.sections:
        rows.append([])
        rows.append([section.caption])
        rows.append(list(section.header))
        rows.extend(section.rows)
        if section.total_row is not None:
            rows.append(section.total_row)
    return rows


def export_filenames(
    *, municipality: Municipality, stats: ConsultationStatistics, fiscal_year: int | None
) -> tuple[str, str]:
    """An ASCII name for old clients and the Japanese one for the rest (without extension)."""
    span = (
        f"fy{fiscal_year}"
        if fiscal_year is not None
        else f"{stats.start.isoformat()}_{stats.end.isoformat()}"
    )
    ascii_name = f"consultations_{municipality.code}_{span}"
    period = period_wareki(stats.start, stats.end, fiscal_year=fiscal_year)
    local_name = f"{_('Consultations')}_{municipality.name}_{period}"
    return ascii_name, local_name


def _attachment(response: HttpResponse, ascii_name: str, local_name: str, ext: str) -> None:
    response["Content-Disposition"] = (
        f'attachment; filename="{ascii_name}.{ext}"; '
        f"filename*=UTF-8''{quote(f'{local_name}.{ext}', safe='')}"
    )


def csv_response(
    layout: StatisticsLayout, stats: ConsultationStatistics, names: tuple[str, str]
) -> HttpResponse:
    """CSV for Excel: UTF-8 with a BOM (cp932 cannot hold every name) and CRLF lines."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerows(csv_row(row) for row in _sheet_rows(layout, stats))
    response = HttpResponse(
        buffer.getvalue().encode("utf-8-sig"), content_type="text/csv; charset=utf-8"
    )
    _attachment(response, *names, "csv")
    return response


def xlsx_response(
    layout: StatisticsLayout, stats: ConsultationStatistics, names: tuple[str, str]
) -> HttpResponse:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = _("Consultations")[:31]
    bold = Font(bold=True)
    for index, row in enumerate(_sheet_rows(layout, stats), start=1):
        xlsx_append(sheet, row)
        if index == 1:
            sheet.cell(row=1, column=1).font = Font(bold=True, size=14)
    # Captions and headers in bold so the sheet reads like the page.
    for row_cells in sheet.iter_rows(min_row=2):
        first = row_cells[0]
        if any(first.value == s.caption for s in layout.sections):
            first.font = bold
    sheet.column_dimensions["A"].width = 24
    sheet.column_dimensions["B"].width = 16
    sheet.column_dimensions["C"].width = 14
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    _attachment(response, *names, "xlsx")
    return response
