"""The statistics layout shared by the page, CSV, XLSX and PDF; withheld figures are marked."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.consultations.codes import Channel, Consulter, MainConcern
from tsunagu.core import pdf
from tsunagu.core.downloads import CSV, PDF, XLSX, ExportFile, Progress
from tsunagu.core.eras import (
    TOKYO,
    EraDateError,
    fiscal_year,
    fiscal_year_dates,
    fiscal_year_label,
    format_wareki,
    format_wareki_month,
)
from tsunagu.core.forms import form_refusal
from tsunagu.core.spreadsheet import SheetSpec, csv_bytes, xlsx_bytes
from tsunagu.network.codes import Destination
from tsunagu.people.codes import AgeBand, Gender
from tsunagu.policy import require
from tsunagu.reports.disclosure import (
    consultation_statistics_for,
    referral_statistics_for,
    require_disclosable_period,
    sees_exact_figures,
)
from tsunagu.reports.forms import Period, PeriodForm
from tsunagu.reports.selectors import ConsultationStatistics
from tsunagu.tenancy.models import Membership, Municipality
from tsunagu.tenancy.policy import VIEW_STATISTICS

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
    by_age.rows.append([_("Not recorded"), n(stats.unlinked_by_age_band.get("", 0))])
    by_age.total_row = [_("Total"), n(stats.unlinked_total)]
    by_gender = Section(
        key="unlinked_gender",
        caption=_("No person linked: by gender"),
        header=[_("Gender"), contacts],
    )
    for code, label in Gender.choices:
        by_gender.rows.append([str(label), n(stats.unlinked_by_gender.get(code, 0))])
    by_gender.rows.append([_("Not recorded"), n(stats.unlinked_by_gender.get("", 0))])
    by_gender.total_row = [_("Total"), n(stats.unlinked_total)]

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

    # The disclosure module protects every one of these as one set (they share the totals).
    sections = [by_channel, by_consulter, by_month, by_concern, by_age, by_gender]
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


# The makers of the queued exports (tsunagu.reports.export_jobs), from the period asked for.


def period_params(period: Period) -> dict[str, Any]:
    """What a statistics export job keeps of the period (the page's query)."""
    if period.fiscal_year is not None:
        return {"fiscal_year": period.fiscal_year}
    return {"from": period.start.isoformat(), "to": period.end.isoformat()}


def check_period(member: Membership, query: QueryDict) -> dict[str, Any]:
    """The period on the statistics page, checked as the page checks it (export_jobs.Check)."""
    require(member, VIEW_STATISTICS)
    this_year = fiscal_year(timezone.now().astimezone(TOKYO))
    form = PeriodForm(query or None, default_fiscal_year=this_year)
    if form.is_bound and not form.is_valid():
        raise form_refusal(form)
    period = form.period
    if not sees_exact_figures(member):
        require_disclosable_period(period.start, period.end)
    return period_params(period)


def _period(params: dict[str, Any]) -> Period:
    if params.get("fiscal_year") is not None:
        year = int(params["fiscal_year"])
        return Period(*fiscal_year_dates(year), fiscal_year=year)
    return Period(date.fromisoformat(params["from"]), date.fromisoformat(params["to"]))


@dataclass
class _Made:
    layout: StatisticsLayout
    stats: ConsultationStatistics
    names: tuple[str, str]


def _statistics(viewer: Membership, params: dict[str, Any], progress: Progress) -> _Made:
    require(viewer, VIEW_STATISTICS)
    period = _period(params)
    stats = consultation_statistics_for(viewer, start=period.start, end=period.end)
    progress(0.5)
    layout = statistics_layout(
        stats,
        municipality=viewer.municipality,
        fiscal_year=period.fiscal_year,
        suppressed=not sees_exact_figures(viewer),
        referrals=referral_statistics_for(viewer, start=period.start, end=period.end),
    )
    progress(0.7)
    names = export_filenames(
        municipality=viewer.municipality, stats=stats, fiscal_year=period.fiscal_year
    )
    return _Made(layout, stats, names)


def _file(made: _Made, body: bytes, content_type: str, ext: str) -> ExportFile:
    ascii_name, local_name = made.names
    return ExportFile(body, content_type, f"{ascii_name}.{ext}", f"{local_name}.{ext}")


def statistics_csv(viewer: Membership, params: dict[str, Any], progress: Progress) -> ExportFile:
    made = _statistics(viewer, params, progress)
    return _file(made, csv_bytes(_sheet_rows(made.layout, made.stats)), CSV, "csv")


def statistics_xlsx(viewer: Membership, params: dict[str, Any], progress: Progress) -> ExportFile:
    """The same rows as the CSV; the title is the header repeated on every printed page, and
    each table's caption and header are bold."""
    made = _statistics(viewer, params, progress)
    rows = _sheet_rows(made.layout, made.stats)
    captions = {s.caption for s in made.layout.sections}
    headers = [list(s.header) for s in made.layout.sections]
    bold = [
        number
        for number, row in enumerate(rows, start=1)
        if number > 1 and row and (row[0] in captions or list(row) in headers)
    ]
    sheet = SheetSpec(_("Consultations"), rows, header_row=1, bold_rows=bold)
    return _file(made, xlsx_bytes([sheet]), XLSX, "xlsx")


def statistics_pdf(viewer: Membership, params: dict[str, Any], progress: Progress) -> ExportFile:
    """The statistics page on A4 paper: the same tables, withheld figures marked as on it."""
    made = _statistics(viewer, params, progress)
    layout = made.layout
    blocks: list[pdf.Block] = [
        pdf.Heading(layout.title, size=16),
        pdf.Paragraph(
            _("Printed %(today)s")
            % {"today": _wareki_or_iso(timezone.localdate(), month_only=False)},
            size=9,
            align="R",
        ),
    ]
    blocks += [pdf.Paragraph(note, size=9) for note in layout.notes]
    for section in layout.sections:
        rows: list[list[Cell]] = [list(section.header), *section.rows]
        if section.total_row is not None:
            rows.append(section.total_row)
        blocks += [
            pdf.Space(3),
            pdf.Paragraph(section.caption, size=12),
            pdf.Table([["" if c is None else str(c) for c in row] for row in rows], size=9),
        ]
    body = pdf.render(
        blocks, title=layout.title, author=viewer.municipality.name, orientation="L", margin=15
    )
    return _file(made, body, PDF, "pdf")
