"""Disclosure control: the one place that decides which counts may leave the center.

Every statistic a committee member, a partner or the public receives goes through here:

- primary suppression: a count of 1–4 could single a person out in a small town (名寄せ防止),
  so it is withheld (`None`); so is a 実人数 (distinct persons) below 5;
- complementary suppression: a table published with its totals is a set of linear equations
  (each row and column adds up to its total). Withholding a single cell of a row whose total
  is shown withholds nothing, so further cells are withheld until no withheld cell can be
  worked out from the totals and the cells shown, whatever combination of equations is used;
- periods: a count over a short period could be recovered by differencing two overlapping
  periods, so outside the center figures are given per whole fiscal year only
  (`require_disclosable_period`).

Tables are described as a `Sheet`: its figures (cells and totals alike) and the equations that
link them. `protect` answers which figures may be shown; the helpers `protect_grid` and
`protect_counts` cover the usual shapes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from math import gcd

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from tsunagu.core.eras import fiscal_year, fiscal_year_dates
from tsunagu.policy import can
from tsunagu.reports.selectors import (
    ConsultationStatistics,
    GroupCount,
    MonthCount,
    consultation_statistics,
)
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_EXACT_STATISTICS

SMALLEST_SHOWN = 5  # a count from 1 to SMALLEST_SHOWN - 1 is withheld


def is_small(value: int) -> bool:
    return 1 <= value < SMALLEST_SHOWN


def protect_count(value: int) -> int | None:
    """A lone figure that is no part of an equation (e.g. a 実人数): withheld when 1–4."""
    return None if is_small(value) else value


@dataclass(frozen=True)
class _Equation:
    parts: tuple[int, ...]
    total: int

    def members(self) -> tuple[int, ...]:
        return (*self.parts, self.total)


@dataclass
class Sheet:
    """The figures of one publication and the equations between them (parts add up to a total).

    Put every table published together on one sheet when they share figures (e.g. the grand
    total of two tables): an equation of one table can unlock a cell of the other.
    """

    values: list[int] = field(default_factory=list)
    equations: list[_Equation] = field(default_factory=list)
    # Figures that are only ever totals are withheld as a complement only as a last resort.
    _totals: set[int] = field(default_factory=set)

    def figure(self, value: int) -> int:
        if value < 0:
            raise ValueError("counts are never negative")
        self.values.append(int(value))
        return len(self.values) - 1

    def adds_up(self, parts: Iterable[int], total: int) -> None:
        """Declare that the figures `parts` add up to the figure `total`."""
        parts = tuple(parts)
        if sum(self.values[p] for p in parts) != self.values[total]:
            raise ValueError("the parts do not add up to the total")
        self.equations.append(_Equation(parts, total))
        self._totals.add(total)

    def protect(self) -> list[int | None]:
        """The figures as they may be published: withheld ones are None.

        While some withheld figure can be worked out, a shown figure of the equations that work
        it out is withheld too (the cheapest one, see `_cheapest`). A figure that the shape of
        the equations alone forces to be zero (e.g. a group of no channels) protects nothing
        and reveals nothing: it is shown.
        """
        hidden = {i for i, v in enumerate(self.values) if is_small(v)}
        zero_by_shape: set[int] = set()
        while True:
            pinned = self._weak_equation(hidden) or next(
                iter(pinning(self.equations, hidden).items()), None
            )
            if pinned is None:
                break
            figure, combination = pinned
            unpinning = [m for m in self._unpinning(combination, hidden) if m not in zero_by_shape]
            if unpinning:
                hidden.add(self._cheapest(unpinning))
            else:  # zero by the equations' shape alone: withholding it protects nothing
                hidden.discard(figure)
                zero_by_shape.add(figure)
        return [None if i in hidden else v for i, v in enumerate(self.values)]

    def _weak_equation(self, hidden: set[int]) -> tuple[int, Combination] | None:
        """An equation with exactly one withheld figure: it gives that figure away at once."""
        for k, eq in enumerate(self.equations):
            withheld = [m for m in eq.members() if m in hidden]
            if len(withheld) == 1:
                return withheld[0], {k: 1}
        return None

    def _unpinning(self, combination: Combination, hidden: set[int]) -> list[int]:
        """The shown figures that the combination of equations uses: withholding any one of them
        stops this combination from working out its figure."""
        weight: dict[int, int] = {}
        for k, w in combination.items():
            eq = self.equations[k]
            for m, sign in [*((p, 1) for p in eq.parts), (eq.total, -1)]:
                weight[m] = weight.get(m, 0) + sign * w
        return [m for m, w in weight.items() if w and m not in hidden]

    def _cheapest(self, candidates: list[int]) -> int:
        """The figure whose withholding costs least: a cell before a total, then the smallest
        count of 5 or more (a zero protects nothing), then a zero."""

        def cost(m: int) -> tuple[int, int, int, int]:
            value = self.values[m]
            return (int(m in self._totals), int(value == 0), value, m)

        return min(candidates, key=cost)


Combination = dict[int, int]  # equation index -> integer weight


def pinning(equations: Sequence[_Equation], hidden: set[int]) -> dict[int, Combination]:
    """The withheld figures that the published equations pin down exactly, each with a
    combination of the equations that works it out.

    Shown figures are constants; a withheld figure x is pinned down when the unit vector of x
    lies in the row space of the equations restricted to the withheld figures: in reduced row
    echelon form, some row is exactly that unit vector (it names x alone). Each row carries
    the combination of equations it was made of.
    """
    rows: list[_Row] = []
    for k, eq in enumerate(equations):
        coefficients: dict[int, int] = {}
        for m, sign in [*((p, 1) for p in eq.parts), (eq.total, -1)]:
            if m in hidden:
                coefficients[m] = coefficients.get(m, 0) + sign
        coefficients = {m: a for m, a in coefficients.items() if a}
        if coefficients:
            rows.append(_Row(coefficients, {k: 1}))
    return {col: row.combination for row, col in _reduce(rows) if len(row.coefficients) == 1}


@dataclass(frozen=True)
class _Row:
    coefficients: dict[int, int]  # withheld figure -> non-zero integer coefficient
    combination: Combination  # the equations this row adds up, with their weights


def _reduce(rows: Iterable[_Row]) -> list[tuple[_Row, int]]:
    """Reduced row echelon form of sparse integer rows: (row, pivot column) pairs whose pivot
    column is zero in every other row. Exact: integers only (fraction-free Gauss-Jordan), each
    row kept divided by the gcd of its numbers."""
    reduced: list[tuple[_Row, int]] = []
    for row in rows:
        for pivot_row, col in reduced:
            if col in row.coefficients:
                row = _eliminate(row, pivot_row, col)
        if not row.coefficients:
            continue  # a combination of the rows before it
        col = min(row.coefficients)
        reduced = [
            (_eliminate(other, row, col) if col in other.coefficients else other, other_col)
            for other, other_col in reduced
        ]
        reduced.append((row, col))
    return reduced


def _eliminate(row: _Row, pivot_row: _Row, col: int) -> _Row:
    """`row` with column `col` cleared by a multiple of `pivot_row` (whose `col` is non-zero)."""
    a, b = row.coefficients[col], pivot_row.coefficients[col]

    def combine(x: dict[int, int], y: dict[int, int]) -> dict[int, int]:
        out = {m: b * v for m, v in x.items()}
        for m, v in y.items():
            out[m] = out.get(m, 0) - a * v
        return {m: v for m, v in out.items() if v}

    coefficients = combine(row.coefficients, pivot_row.coefficients)
    combination = combine(row.combination, pivot_row.combination)
    divisor = gcd(*coefficients.values(), *combination.values()) or 1
    return _Row(
        {m: v // divisor for m, v in coefficients.items()},
        {k: v // divisor for k, v in combination.items()},
    )


@dataclass(frozen=True)
class ProtectedGrid:
    cells: list[list[int | None]]
    row_totals: list[int | None]
    column_totals: list[int | None]
    total: int | None


def add_grid(
    sheet: Sheet, cells: Sequence[Sequence[int]]
) -> tuple[list[list[int]], list[int], list[int], int]:
    """Put a table with its row totals, column totals and grand total on `sheet`."""
    width = len(cells[0]) if cells else 0
    ids = [[sheet.figure(v) for v in row] for row in cells]
    row_ids = [sheet.figure(sum(row)) for row in cells]
    col_ids = [sheet.figure(sum(row[j] for row in cells)) for j in range(width)]
    grand = sheet.figure(sum(sum(row) for row in cells))
    for i, row in enumerate(ids):
        sheet.adds_up(row, row_ids[i])
    for j in range(width):
        sheet.adds_up([row[j] for row in ids], col_ids[j])
    sheet.adds_up(row_ids, grand)
    sheet.adds_up(col_ids, grand)
    return ids, row_ids, col_ids, grand


def protect_grid(cells: Sequence[Sequence[int]]) -> ProtectedGrid:
    """A table published with row, column and grand totals."""
    sheet = Sheet()
    ids, row_ids, col_ids, grand = add_grid(sheet, cells)
    shown = sheet.protect()
    return ProtectedGrid(
        cells=[[shown[i] for i in row] for row in ids],
        row_totals=[shown[i] for i in row_ids],
        column_totals=[shown[i] for i in col_ids],
        total=shown[grand],
    )


def protect_counts(counts: Mapping[str, int]) -> tuple[dict[str, int | None], int | None]:
    """Counts by category published with their total (e.g. referrals by destination)."""
    sheet = Sheet()
    ids = {key: sheet.figure(value) for key, value in counts.items()}
    total = sheet.figure(sum(counts.values()))
    sheet.adds_up(ids.values(), total)
    shown = sheet.protect()
    return {key: shown[i] for key, i in ids.items()}, shown[total]


def require_disclosable_period(start: date, end: date) -> int:
    """Outside the center a period is one whole fiscal year: any shorter or overlapping period
    could be differenced against another to recover a withheld count. Returns the year."""
    year = fiscal_year(start)
    if (start, end) != fiscal_year_dates(year):
        raise ValidationError(
            {"fiscal_year": _("Outside the center, statistics are given per whole fiscal year.")}
        )
    return year


def sees_exact_figures(member: Membership) -> bool:
    """The center's staff work with exact counts; everyone else gets disclosure-safe ones."""
    return can(member, VIEW_EXACT_STATISTICS)


def _exact(value: int | None) -> int:
    assert value is not None, "only exact statistics are protected"
    return value


def protect_consultation_statistics(stats: ConsultationStatistics) -> ConsultationStatistics:
    """The statistics as a committee member may receive them.

    One sheet holds every additive figure published together: contacts by month and channel
    with month totals, channel totals and the grand total; contacts by consulter adding up to
    the same grand total; and each reporting group adding up its channels. 実人数 figures do
    not add up (one person may both call and write), so each is withheld on its own when 1–4.
    """
    channels = list(stats.by_channel)
    consulters = list(stats.by_consulter)
    sheet = Sheet()
    grid = [[_exact(m.by_channel[c]) for c in channels] for m in stats.by_month]
    cell_ids, month_ids, channel_ids, grand = add_grid(sheet, grid)
    if not stats.by_month:  # an empty period: the grand total stands alone
        grand = sheet.figure(_exact(stats.total))
    consulter_ids = [sheet.figure(_exact(stats.by_consulter[c])) for c in consulters]
    sheet.adds_up(consulter_ids, grand)
    group_ids = []
    for group in stats.groups:
        parts = [channel_ids[channels.index(c)] for c in group.channels if c in channels]
        group_ids.append(sheet.figure(_exact(group.total)))
        sheet.adds_up(parts, group_ids[-1])
    # 主訴 of every consultation adds up to the same grand total.
    concerns = list(stats.by_main_concern)
    concern_ids = [sheet.figure(_exact(stats.by_main_concern[c])) for c in concerns]
    if concerns:
        sheet.adds_up(concern_ids, grand)
    # Consultations with no person: by age band and by gender, both adding up to one total
    # (published as the tables' total row, so the two tables are protected together).
    ages, genders = list(stats.unlinked_by_age_band), list(stats.unlinked_by_gender)
    age_ids = [sheet.figure(_exact(stats.unlinked_by_age_band[a])) for a in ages]
    gender_ids = [sheet.figure(_exact(stats.unlinked_by_gender[g])) for g in genders]
    unlinked = sheet.figure(_exact(stats.unlinked_total))
    if ages:
        sheet.adds_up(age_ids, unlinked)
    if genders:
        sheet.adds_up(gender_ids, unlinked)
    shown = sheet.protect()
    return ConsultationStatistics(
        start=stats.start,
        end=stats.end,
        total=shown[grand],
        people=protect_count(_exact(stats.people)),
        by_channel={c: shown[channel_ids[j]] for j, c in enumerate(channels)},
        people_by_channel={c: protect_count(_exact(n)) for c, n in stats.people_by_channel.items()},
        by_consulter={c: shown[consulter_ids[j]] for j, c in enumerate(consulters)},
        by_month=[
            MonthCount(
                month=m.month,
                total=shown[month_ids[i]],
                by_channel={c: shown[cell_ids[i][j]] for j, c in enumerate(channels)},
            )
            for i, m in enumerate(stats.by_month)
        ],
        groups=[
            GroupCount(
                name=g.name,
                channels=g.channels,
                total=shown[group_ids[k]],
                people=protect_count(_exact(g.people)),
            )
            for k, g in enumerate(stats.groups)
        ],
        by_main_concern={c: shown[concern_ids[k]] for k, c in enumerate(concerns)},
        unlinked_by_age_band={a: shown[age_ids[k]] for k, a in enumerate(ages)},
        unlinked_by_gender={g: shown[gender_ids[k]] for k, g in enumerate(genders)},
        unlinked_total=shown[unlinked],
    )


def consultation_statistics_for(
    member: Membership, *, start: date, end: date
) -> ConsultationStatistics:
    """Consultation statistics as this member may receive them (exact, or protected; outside
    the center only for a whole fiscal year, else a ValidationError naming fiscal_year)."""
    if sees_exact_figures(member):
        return consultation_statistics(municipality=member.municipality, start=start, end=end)
    require_disclosable_period(start, end)
    stats = consultation_statistics(municipality=member.municipality, start=start, end=end)
    return protect_consultation_statistics(stats)


def referral_statistics_for(
    member: Membership, *, start: date, end: date
) -> tuple[dict[str, int | None], int | None]:
    """Referrals by destination and their total, as this member may receive them."""
    from tsunagu.network.selectors import referral_counts

    counts = referral_counts(municipality=member.municipality, start=start, end=end)
    if sees_exact_figures(member):
        return dict(counts), sum(counts.values())
    require_disclosable_period(start, end)
    return protect_counts(counts)


@dataclass(frozen=True)
class PlaceStatistics:
    """Per place: sessions held, 延べ visits, 実人数, new people; and the visits of all places."""

    places: list[dict[str, object]]
    visits_total: int | None


def place_statistics_for(member: Membership, *, start: date, end: date) -> PlaceStatistics:
    """Place statistics as this member may receive them.

    Visits of the places add up to their total (one equation, protected together); 実人数 and
    new people are lone figures, withheld when 1-4. Sessions held count meetings, not people.
    """
    from tsunagu.places.selectors import place_statistics

    figures = place_statistics(municipality_id=member.municipality_id, start=start, end=end)
    rows = [vars(f).copy() for f in figures]
    if sees_exact_figures(member):
        return PlaceStatistics(rows, sum(f.visits for f in figures))
    require_disclosable_period(start, end)
    visits, total = protect_counts({str(f.id): f.visits for f in figures})
    for row in rows:
        row["visits"] = visits[str(row["id"])]
        row["people"] = protect_count(int(row["people"]))
        row["new_people"] = protect_count(int(row["new_people"]))
    return PlaceStatistics(rows, total)
