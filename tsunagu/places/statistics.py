"""Statistics of places and programmes as a member may receive them: by place and month,
programme enrolment and completion, movement from one place to another; CSV and XLSX.

Counts only, never names. The center's staff get exact figures; anyone else (a committee
member) gets them through tsunagu.reports.disclosure: 延べ visits by place and month are a
table with totals (complementary suppression), every other figure is withheld alone when 1–4,
and only for a whole fiscal year.
"""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.db.models import Count, Min, Q
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.core.downloads import CSV, XLSX, ExportFile, Progress
from tsunagu.core.eras import fiscal_year, fiscal_year_dates
from tsunagu.core.forms import form_refusal
from tsunagu.core.spreadsheet import SheetSpec, csv_bytes, xlsx_bytes
from tsunagu.places.codes import SessionStatus
from tsunagu.places.models import Attendance, Session
from tsunagu.places.selectors import place_statistics
from tsunagu.policy import require
from tsunagu.programmes.models import Programme
from tsunagu.reports.disclosure import (
    protect_count,
    protect_grid,
    require_disclosable_period,
    sees_exact_figures,
)
from tsunagu.reports.exports import period_params
from tsunagu.reports.forms import PeriodForm
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_STATISTICS

Figure = int | None


@dataclass
class PlaceRow:
    id: int
    name: str
    sessions: Figure = 0
    visits: Figure = 0
    people: Figure = 0
    new_people: Figure = 0
    # Per month of the period: (sessions held, 延べ visits, 実人数, new people).
    months: list[tuple[Figure, Figure, Figure, Figure]] = field(default_factory=list)


@dataclass
class ProgrammeRow:
    id: int
    name: str
    kind: str
    enrolled: Figure
    completed: Figure


@dataclass
class Movement:
    from_place: str
    to_place: str
    people: Figure


@dataclass
class PlaceStatistics:
    start: date
    end: date
    months: list[date]
    places: list[PlaceRow]
    programmes: list[ProgrammeRow]
    movements: list[Movement]
    visits_by_month: list[Figure]
    visits_total: Figure
    protected: bool


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def _month_list(start: date, end: date) -> list[date]:
    months, month = [], start.replace(day=1)
    while month <= end:
        months.append(month)
        month = _next_month(month)
    return months


def _by_month(
    municipality_id: int, months: list[date], start: date, end: date
) -> dict[tuple[int, int], list[int]]:
    """{(place id, month index): (sessions, visits, people, new people)} exact."""
    index = {(m.year, m.month): i for i, m in enumerate(months)}
    out: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    held = Session.objects.filter(
        municipality_id=municipality_id,
        place__isnull=False,
        date__gte=start,
        date__lte=end,
        status=SessionStatus.SCHEDULED,
    ).filter(Q(attendance__isnull=False) | Q(date__lte=timezone.localdate()))
    for place_id, day in held.distinct().values_list("place_id", "date"):
        out[(place_id, index[(day.year, day.month)])][0] += 1
    visits = Attendance.objects.filter(
        municipality_id=municipality_id,
        session__place__isnull=False,
        session__date__gte=start,
        session__date__lte=end,
    ).values_list("session__place_id", "session__date", "person_id", "count")
    people: dict[tuple[int, int], set[int]] = defaultdict(set)
    for place_id, day, person_id, count in visits:
        key = (place_id, index[(day.year, day.month)])
        out[key][1] += count
        if person_id is not None:
            people[key].add(person_id)
    for key, persons in people.items():
        out[key][2] = len(persons)
    firsts = (
        Attendance.objects.filter(
            municipality_id=municipality_id, session__place__isnull=False, person__isnull=False
        )
        .values("session__place_id", "person_id")
        .annotate(first=Min("session__date"))
        .values_list("session__place_id", "first")
    )
    for place_id, first in firsts:
        if start <= first <= end:
            out[(place_id, index[(first.year, first.month)])][3] += 1
    return out


def movements(municipality_id: int, start: date, end: date) -> list[tuple[int, int, int]]:
    """(from place, to place, people): persons whose first visit to `to` falls in the period
    and who had been to `from` before it (すりーぴぃ → アンテナショップ)."""
    firsts = list(
        Attendance.objects.filter(
            municipality_id=municipality_id, session__place__isnull=False, person__isnull=False
        )
        .values("session__place_id", "person_id")
        .annotate(first=Min("session__date"))
        .values_list("person_id", "session__place_id", "first")
    )
    by_person: dict[int, list[tuple[date, int]]] = defaultdict(list)
    for person_id, place_id, first in firsts:
        by_person[person_id].append((first, place_id))
    pairs: dict[tuple[int, int], int] = defaultdict(int)
    for visits in by_person.values():
        for first_to, to_place in visits:
            if not start <= first_to <= end:
                continue
            for first_from, from_place in visits:
                if from_place != to_place and first_from < first_to:
                    pairs[(from_place, to_place)] += 1
    return sorted((a, b, n) for (a, b), n in pairs.items())


def place_statistics_for(member: Membership, *, start: date, end: date) -> PlaceStatistics:
    """The statistics as this member may receive them (a ValidationError naming fiscal_year
    when a member who gets protected figures asks for anything but a whole fiscal year)."""
    protected = not sees_exact_figures(member)
    if protected:
        require_disclosable_period(start, end)
    municipality_id = member.municipality_id
    months = _month_list(start, end)
    totals = place_statistics(municipality_id=municipality_id, start=start, end=end)
    cells = _by_month(municipality_id, months, start, end)
    names = {p.id: p.name for p in totals}
    rows = []
    for figures in totals:
        per_month: list[tuple[Figure, Figure, Figure, Figure]] = []
        for i in range(len(months)):
            held, visits, people, new = cells.get((figures.id, i), [0, 0, 0, 0])
            per_month.append((held, visits, people, new))
        rows.append(
            PlaceRow(
                figures.id,
                figures.name,
                figures.sessions,
                figures.visits,
                figures.people,
                figures.new_people,
                per_month,
            )
        )
    programmes = [
        ProgrammeRow(p.pk, p.name, p.get_kind_display(), p.n_enrolled, p.n_completed)
        for p in Programme.objects.filter(municipality_id=municipality_id)
        .annotate(
            n_enrolled=Count(
                "enrolments",
                filter=Q(enrolments__enrolled_on__gte=start, enrolments__enrolled_on__lte=end),
            ),
            n_completed=Count(
                "enrolments",
                filter=Q(enrolments__completed_on__gte=start, enrolments__completed_on__lte=end),
            ),
        )
        .order_by("name", "pk")
    ]
    moved = [
        Movement(names.get(a, "?"), names.get(b, "?"), n)
        for a, b, n in movements(municipality_id, start, end)
    ]
    grid = [[int(m[1] or 0) for m in row.months] for row in rows]
    visits_by_month: list[Figure] = [sum(col) for col in zip(*grid, strict=False)] or [
        0 for _m in months
    ]
    visits_total: Figure = sum(int(r.visits or 0) for r in rows)
    if protected:
        safe = protect_grid(grid) if grid else None
        for i, row in enumerate(rows):
            assert safe is not None
            row.visits = safe.row_totals[i]
            row.people = protect_count(int(row.people or 0))
            row.new_people = protect_count(int(row.new_people or 0))
            row.months = [
                (
                    m[0],
                    safe.cells[i][j],
                    protect_count(int(m[2] or 0)),
                    protect_count(int(m[3] or 0)),
                )
                for j, m in enumerate(row.months)
            ]
        if safe is not None:
            visits_by_month, visits_total = list(safe.column_totals), safe.total
        for p in programmes:
            p.enrolled = protect_count(int(p.enrolled or 0))
            p.completed = protect_count(int(p.completed or 0))
        for m in moved:
            m.people = protect_count(int(m.people or 0))
    return PlaceStatistics(
        start, end, months, rows, programmes, moved, visits_by_month, visits_total, protected
    )


def _shown(value: Figure) -> object:
    return "" if value is None else value


def _rows(stats: PlaceStatistics) -> list[list[object]]:
    """The figures as one sheet: a blank cell is withheld (1–4 or enough to protect one)."""
    out: list[list[object]] = [
        [_("Places and programmes"), f"{stats.start.isoformat()}〜{stats.end.isoformat()}"],
    ]
    if stats.protected:
        out.append([_("Counts of 1–4 and the cells that would reveal them are left blank.")])
    out.append([])
    out.append(
        [_("Place"), _("Sessions held"), _("Visits (延べ)"), _("People (実人数)"), _("New people")]
    )
    for r in stats.places:
        out.append(
            [r.name, _shown(r.sessions), _shown(r.visits), _shown(r.people), _shown(r.new_people)]
        )
    out.append([_("Total"), "", _shown(stats.visits_total), "", ""])
    out.append([])
    out.append(
        [
            _("Place"),
            _("Month"),
            *(_("Sessions held"), _("Visits (延べ)"), _("People (実人数)"), _("New people")),
        ]
    )
    for r in stats.places:
        for month, figures in zip(stats.months, r.months, strict=True):
            out.append([r.name, month.strftime("%Y-%m"), *(_shown(f) for f in figures)])
    out.append([])
    out.append([_("Programme"), _("kind"), _("Enrolled"), _("Completed")])
    for p in stats.programmes:
        out.append([p.name, p.kind, _shown(p.enrolled), _shown(p.completed)])
    out.append([])
    out.append([_("From"), _("To"), _("People")])
    for m in stats.movements:
        out.append([m.from_place, m.to_place, _shown(m.people)])
    return out


def _period(params: dict[str, Any]) -> tuple[date, date]:
    if params.get("fiscal_year") is not None:
        return fiscal_year_dates(int(params["fiscal_year"]))
    return date.fromisoformat(params["from"]), date.fromisoformat(params["to"])


def check_period(member: Membership, query: QueryDict) -> dict[str, Any]:
    """The period on the places' statistics page, checked as the page does (export_jobs.Check)."""
    require(member, VIEW_STATISTICS)
    form = PeriodForm(query or None, default_fiscal_year=fiscal_year(timezone.localdate()))
    if form.is_bound and not form.is_valid():
        raise form_refusal(form)
    period = form.period
    if not sees_exact_figures(member):
        require_disclosable_period(period.start, period.end)
    return period_params(period)


def _made(viewer: Membership, params: dict[str, Any], progress: Progress) -> PlaceStatistics:
    require(viewer, VIEW_STATISTICS)
    start, end = _period(params)
    stats = place_statistics_for(viewer, start=start, end=end)
    progress(0.7)
    return stats


def _filename(stats: PlaceStatistics, ext: str) -> str:
    return f"places-{stats.start:%Y%m%d}-{stats.end:%Y%m%d}.{ext}"


def statistics_csv(viewer: Membership, params: dict[str, Any], progress: Progress) -> ExportFile:
    stats = _made(viewer, params, progress)
    return ExportFile(csv_bytes(_rows(stats)), CSV, _filename(stats, "csv"))


def statistics_xlsx(viewer: Membership, params: dict[str, Any], progress: Progress) -> ExportFile:
    stats = _made(viewer, params, progress)
    sheet = SheetSpec(_("Places"), _rows(stats))
    return ExportFile(xlsx_bytes([sheet]), XLSX, _filename(stats, "xlsx"))
