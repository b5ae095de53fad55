"""The committee's dashboard (センター事業運用実態把握): the center's work over fiscal years.

Consultations, stages reached, referrals by destination, places, programmes and supporters, one
column per fiscal year. Every figure comes from the disclosure module as the reader may receive
it: exact for the center's staff; for a committee member whole fiscal years only, counts of 1–4
withheld, and tables with totals protected as one sheet (`protect_counts`).

The counts here are aggregates only (no person is shown), like `consultation_statistics`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.cases.codes import OPEN_STAGES
from tsunagu.cases.models import StageTransition
from tsunagu.consultations.codes import Channel
from tsunagu.core.downloads import XLSX, ExportFile, Progress
from tsunagu.core.eras import (
    TOKYO,
    date_range_bounds,
    fiscal_year,
    fiscal_year_dates,
    fiscal_year_label,
)
from tsunagu.core.eras import fiscal_year_label_western as western
from tsunagu.core.spreadsheet import SheetSpec, xlsx_bytes
from tsunagu.network.codes import Destination
from tsunagu.policy import require
from tsunagu.programmes.codes import EnrolmentStatus
from tsunagu.programmes.models import Enrolment, ProgrammeSession
from tsunagu.reports.disclosure import (
    consultation_statistics_for,
    place_statistics_for,
    protect_count,
    referral_statistics_for,
    sees_exact_figures,
)
from tsunagu.reports.exports import WITHHELD, Cell, Section, shown
from tsunagu.supporters.models import ActivityLog, Supporter
from tsunagu.tenancy.models import Membership, Municipality
from tsunagu.tenancy.policy import VIEW_STATISTICS

YEARS_SHOWN = 5


def year_label(year: int) -> str:
    """令和7年度（2025年度）."""
    return f"{fiscal_year_label(year)}（{western(year)}）"


@dataclass
class YearFigures:
    year: int
    contacts: int | None
    people: int | None
    by_channel: dict[str, int | None]
    stages: dict[str, int | None]
    referrals: dict[str, int | None]
    referral_total: int | None
    place_sessions: int
    place_visits: int | None
    programme_sessions: int
    programme_people: int | None
    supporters_active: int | None
    supported_people: int | None
    activity_hours: int


@dataclass
class Dashboard:
    title: str
    years: list[YearFigures]
    sections: list[Section] = field(default_factory=list)
    suppressed: bool = False


def _lone(member: Membership, value: int) -> int | None:
    """A lone count of people: exact for the center, withheld when 1–4 for anyone else."""
    return value if sees_exact_figures(member) else protect_count(value)


def _stages_reached(municipality: Municipality, start: date, end: date) -> dict[str, int]:
    """Cases that moved into each stage during the period (a case counts once per stage)."""
    lower, upper = date_range_bounds(start, end)
    rows = (
        StageTransition.objects.filter(municipality=municipality, at__gte=lower, at__lt=upper)
        .values("to_stage")
        .annotate(n=Count("case", distinct=True))
        .order_by()
    )
    found = {row["to_stage"]: row["n"] for row in rows}
    return {stage.value: found.get(stage.value, 0) for stage in OPEN_STAGES}


def _programmes(municipality: Municipality, start: date, end: date) -> tuple[int, int]:
    """Programme meetings held in the period and the enrolments in those programmes."""
    meetings = ProgrammeSession.objects.filter(
        municipality=municipality, session__date__gte=start, session__date__lte=end
    )
    # Those still on a waiting list never took part.
    enrolments = (
        Enrolment.objects.filter(
            municipality=municipality, programme__in=meetings.values("programme")
        )
        .exclude(status=EnrolmentStatus.WAITING)
        .count()
    )
    return meetings.count(), enrolments


def _supporters(municipality: Municipality, start: date, end: date) -> tuple[int, int, int]:
    """Supporters who went out, the people they went to, and the hours of those visits."""
    logs = ActivityLog.objects.filter(municipality=municipality, date__gte=start, date__lte=end)
    active = (
        Supporter.objects.filter(municipality=municipality, dispatches__activities__in=logs)
        .distinct()
        .count()
    )
    people = (
        logs.exclude(dispatch__request__case__person__isnull=True)
        .values("dispatch__request__case__person")
        .distinct()
        .count()
    )
    minutes = sum(
        (end_.hour * 60 + end_.minute) - (start_.hour * 60 + start_.minute)
        for start_, end_ in logs.values_list("start", "end")
    )
    return active, people, minutes // 60


def year_figures(member: Membership, year: int) -> YearFigures:
    start, end = fiscal_year_dates(year)
    municipality = member.municipality
    stats = consultation_statistics_for(member, start=start, end=end)
    referrals, referral_total = referral_statistics_for(member, start=start, end=end)
    places = place_statistics_for(member, start=start, end=end)
    programme_sessions, programme_people = _programmes(municipality, start, end)
    active, supported, hours = _supporters(municipality, start, end)
    return YearFigures(
        year=year,
        contacts=stats.total,
        people=stats.people,
        by_channel=dict(stats.by_channel),
        stages={k: _lone(member, v) for k, v in _stages_reached(municipality, start, end).items()},
        referrals=referrals,
        referral_total=referral_total,
        place_sessions=sum(int(p["sessions"]) for p in places.places),  # type: ignore[call-overload]
        place_visits=places.visits_total,
        programme_sessions=programme_sessions,
        programme_people=_lone(member, programme_people),
        supporters_active=_lone(member, active),
        supported_people=_lone(member, supported),
        activity_hours=hours,
    )


def dashboard(member: Membership, *, last_year: int) -> Dashboard:
    """The last `YEARS_SHOWN` fiscal years up to `last_year`, oldest first."""
    years = [year_figures(member, y) for y in range(last_year - YEARS_SHOWN + 1, last_year + 1)]
    header = [_("Item"), *(year_label(y.year) for y in years)]

    def section(key: str, caption: str, rows: list[tuple[str, list[int | None]]]) -> Section:
        table = Section(key=key, caption=caption, header=list(header))
        for label, values in rows:
            table.rows.append([label, *(shown(v) for v in values)])
        return table

    sections = [
        section(
            "consultations",
            _("Consultations"),
            [
                (_("Contacts"), [y.contacts for y in years]),
                (_("People"), [y.people for y in years]),
                *(
                    (str(label), [y.by_channel[code] for y in years])
                    for code, label in Channel.choices
                ),
            ],
        ),
        section(
            "stages",
            _("Cases that reached each stage"),
            [(str(s.label), [y.stages[s.value] for y in years]) for s in OPEN_STAGES],
        ),
        section(
            "referrals",
            _("Referrals by destination"),
            [
                *(
                    (str(label), [y.referrals[code] for y in years])
                    for code, label in Destination.choices
                ),
                (_("Total"), [y.referral_total for y in years]),
            ],
        ),
        section(
            "places",
            _("Places and programmes"),
            [
                (_("Sessions held at places"), [y.place_sessions for y in years]),
                (_("Visits to places"), [y.place_visits for y in years]),
                (_("Programme meetings held"), [y.programme_sessions for y in years]),
                (_("Enrolments in programmes"), [y.programme_people for y in years]),
            ],
        ),
        section(
            "supporters",
            _("Supporters"),
            [
                (_("Supporters who went out"), [y.supporters_active for y in years]),
                (_("People they supported"), [y.supported_people for y in years]),
                (_("Hours of activity"), [y.activity_hours for y in years]),
            ],
        ),
    ]
    return Dashboard(
        title=_("Center activities %(first)s to %(last)s %(municipality)s")
        % {
            "first": fiscal_year_label(years[0].year),
            "last": fiscal_year_label(years[-1].year),
            "municipality": member.municipality.name,
        },
        years=years,
        sections=sections,
        suppressed=not sees_exact_figures(member),
    )


def chart_data(board: Dashboard) -> dict[str, object]:
    """Contacts per fiscal year stacked by channel (static/tsunagu/statistics.js draws it)."""
    return {
        "labels": [year_label(y.year) for y in board.years],
        "datasets": [
            {
                "label": str(label),
                "code": code,
                "data": [y.by_channel[code] for y in board.years],
            }
            for code, label in Channel.choices
        ],
        "yLabel": _("Contacts"),
    }


# The most recent fiscal year a dashboard may end on: 平成元年度 and four before it.
FIRST_YEAR = 1989


def last_year_of(raw: str | None) -> int | None:
    """The newest fiscal year asked for (default: this one); None when it makes no sense."""
    current = fiscal_year(timezone.now().astimezone(TOKYO))
    if not raw:
        return current
    if not raw.isascii() or not raw.isdigit() or len(raw) > 4:
        return None
    year = int(raw)
    return year if FIRST_YEAR + 4 <= year <= current else None


def check_last_year(member: Membership, query: QueryDict) -> dict[str, Any]:
    """The fiscal year of the committee's pack (export_jobs.Check)."""
    require(member, VIEW_STATISTICS)
    last = last_year_of(query.get("fiscal_year"))
    if last is None:
        raise ValidationError(
            _("%(field)s: choose a fiscal year from the list.") % {"field": _("Fiscal year")}
        )
    return {"fiscal_year": last}


def dashboard_xlsx(viewer: Membership, params: dict[str, Any], progress: Progress) -> ExportFile:
    """The committee meeting's workbook: a cover sheet and one sheet per table."""
    require(viewer, VIEW_STATISTICS)
    last = int(params["fiscal_year"])
    board = dashboard(viewer, last_year=last)
    progress(0.7)
    cover: list[list[Cell]] = [[board.title]]
    if board.suppressed:
        cover.append(
            [
                _(
                    "%(mark)s: withheld so that no one can be singled out (counts from 1 to 4, "
                    "and the other figures from which they could be worked out)."
                )
                % {"mark": WITHHELD}
            ]
        )
    cover.extend([table.caption] for table in board.sections)
    sheets = [SheetSpec(_("Cover"), cover, landscape=False)]
    for table in board.sections:
        rows: list[list[Cell]] = [[table.caption], list(table.header), *table.rows]
        sheets.append(SheetSpec(table.caption, rows, header_row=2, bold_rows=(1,)))
    return ExportFile(
        xlsx_bytes(sheets),
        XLSX,
        f"center_activities_{viewer.municipality.code}_fy{last}.xlsx",
        f"{board.title}.xlsx",
    )
