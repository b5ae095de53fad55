"""The disclosure module against an attacker who solves the published equations.

The attacker here is written independently of the module: it takes what was published (cells
and totals, None where withheld), writes every row and column equation with the shown figures
moved to the right-hand side, and eliminates over the rationals: a withheld x is worked out
when some combination of the published equations names x alone, and then its value is read
off. It must never get a withheld value.
"""

from datetime import date
from fractions import Fraction

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.reports.disclosure import (
    ProtectedGrid,
    Sheet,
    add_grid,
    protect_count,
    protect_counts,
    protect_grid,
    require_disclosable_period,
)


def pinned(rows: list[list[Fraction]], rhs: list[Fraction]) -> dict[int, Fraction]:
    """Every unknown the system pins down, with its value.

    One Gauss-Jordan elimination of the augmented system [rows | rhs] over the rationals; an
    unknown is pinned down exactly when some reduced row names it alone (any other row mixes
    it with an unknown that can still vary), and that row's right-hand side is its value.
    """
    width = len(rows[0]) if rows else 0
    aug = [[*r, b] for r, b in zip(rows, rhs, strict=True)]
    count = 0
    for c in range(width):
        pivot = next((i for i in range(count, len(aug)) if aug[i][c] != 0), None)
        if pivot is None:
            continue
        aug[count], aug[pivot] = aug[pivot], aug[count]
        lead = aug[count][c]
        aug[count] = [v / lead for v in aug[count]]
        for i in range(len(aug)):
            if i != count and aug[i][c] != 0:
                f = aug[i][c]
                aug[i] = [a - f * b for a, b in zip(aug[i], aug[count], strict=True)]
        count += 1
    assert all(any(v != 0 for v in r[:width]) or r[width] == 0 for r in aug), "inconsistent"
    found: dict[int, Fraction] = {}
    for r in aug:
        named = [j for j in range(width) if r[j] != 0]
        if len(named) == 1:
            found[named[0]] = r[width] / r[named[0]]
    return found


def attack_grid(published: ProtectedGrid) -> dict[tuple[str, int, int], Fraction]:
    """Every withheld figure of a published grid the attacker can compute exactly."""
    cells, row_totals, column_totals, total = (
        published.cells,
        published.row_totals,
        published.column_totals,
        published.total,
    )
    unknowns: list[tuple[str, int, int]] = []
    for i, row in enumerate(cells):
        unknowns += [("cell", i, j) for j, v in enumerate(row) if v is None]
    unknowns += [("row", i, 0) for i, v in enumerate(row_totals) if v is None]
    unknowns += [("col", j, 0) for j, v in enumerate(column_totals) if v is None]
    if total is None:
        unknowns.append(("total", 0, 0))
    index = {u: k for k, u in enumerate(unknowns)}

    def figure(key: tuple[str, int, int]) -> int:
        kind, i, j = key
        value: int | None = {
            "cell": lambda: cells[i][j],
            "row": lambda: row_totals[i],
            "col": lambda: column_totals[i],
            "total": lambda: total,
        }[kind]()
        assert value is not None, "only shown figures move to the right-hand side"
        return value

    equations: list[list[tuple[tuple[str, int, int], int]]] = []
    for i, row in enumerate(cells):
        equations.append([*((("cell", i, j), 1) for j in range(len(row))), (("row", i, 0), -1)])
    for j in range(len(column_totals)):
        equations.append([*((("cell", i, j), 1) for i in range(len(cells))), (("col", j, 0), -1)])
    equations.append([*((("row", i, 0), 1) for i in range(len(cells))), (("total", 0, 0), -1)])
    equations.append(
        [*((("col", j, 0), 1) for j in range(len(column_totals))), (("total", 0, 0), -1)]
    )
    rows: list[list[Fraction]] = []
    rhs: list[Fraction] = []
    for eq in equations:
        coefficients = [Fraction(0)] * len(unknowns)
        b = Fraction(0)
        for key, sign in eq:
            if key in index:
                coefficients[index[key]] += sign
            else:
                b -= sign * figure(key)
        rows.append(coefficients)
        rhs.append(b)
    if not unknowns:
        return {}
    values = pinned(rows, rhs)
    return {key: values[k] for key, k in index.items() if k in values}


def truth(cells: list[list[int]], key: tuple[str, int, int]) -> int:
    kind, i, j = key
    if kind == "cell":
        return cells[i][j]
    if kind == "row":
        return sum(cells[i])
    if kind == "col":
        return sum(row[i] for row in cells)
    return sum(map(sum, cells))


# Small towns: many zeros and small counts, some large ones.
counts = st.one_of(st.just(0), st.integers(1, 4), st.integers(5, 30))
grids = st.integers(1, 6).flatmap(
    lambda w: st.lists(st.lists(counts, min_size=w, max_size=w), min_size=1, max_size=7)
)


@settings(max_examples=300, deadline=None)
@given(grids)
def test_no_withheld_figure_of_a_grid_can_be_worked_out(cells: list[list[int]]) -> None:
    published = protect_grid(cells)
    recovered = attack_grid(published)
    assert recovered == {}, f"recovered {recovered} from {published}"


@settings(max_examples=300, deadline=None)
@given(grids)
def test_every_count_of_one_to_four_is_withheld_and_every_shown_figure_is_true(
    cells: list[list[int]],
) -> None:
    published = protect_grid(cells)
    for i, row in enumerate(cells):
        for j, value in enumerate(row):
            shown = published.cells[i][j]
            assert shown is None or shown == value
            if 1 <= value <= 4:
                assert shown is None
        row_total = published.row_totals[i]
        assert row_total is None or row_total == sum(row)
        if 1 <= sum(row) <= 4:
            assert row_total is None
    total = sum(map(sum, cells))
    assert published.total is None or published.total == total
    if 1 <= total <= 4:
        assert published.total is None


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdefgh"), counts, min_size=1))
def test_counts_with_their_total_never_give_away_a_withheld_count(
    counts_by_key: dict[str, int],
) -> None:
    shown, total = protect_counts(counts_by_key)
    hidden = [k for k, v in shown.items() if v is None]
    if total is not None:
        # One equation: the attacker pins a withheld count only when it is the only unknown.
        assert len(hidden) != 1, f"{shown} with total {total}"
    for key, value in counts_by_key.items():
        if 1 <= value <= 4:
            assert shown[key] is None
        else:
            assert shown[key] in (None, value)


def test_a_table_without_small_counts_is_shown_whole() -> None:
    published = protect_grid([[5, 0, 12], [7, 9, 0]])
    assert published.cells == [[5, 0, 12], [7, 9, 0]]
    assert published.row_totals == [17, 16]
    assert published.total == 33


def test_a_lone_small_count_takes_a_partner_in_its_row_and_column() -> None:
    published = protect_grid([[3, 10, 20], [8, 9, 30]])
    assert published.cells[0][0] is None
    hidden = [(i, j) for i in range(2) for j in range(3) if published.cells[i][j] is None]
    assert len(hidden) == 4, "a 2x2 rectangle protects the 3 without touching the totals"
    assert published.row_totals == [33, 47] and published.total == 80


def test_a_small_total_is_withheld_and_does_not_give_away_its_cells() -> None:
    published = protect_grid([[2, 0], [0, 0], [6, 7]])
    assert published.row_totals[0] is None
    assert attack_grid(published) == {}


def test_tables_sharing_a_grand_total_are_protected_together() -> None:
    sheet = Sheet()
    _ids, _rows, _cols, grand = add_grid(sheet, [[3, 10], [9, 12]])
    by_kind = [sheet.figure(v) for v in (30, 4)]
    sheet.adds_up(by_kind, grand)
    shown = sheet.protect()
    assert shown[by_kind[1]] is None and shown[by_kind[0]] is None


def test_a_lone_people_count_below_five_is_withheld() -> None:
    assert protect_count(4) is None
    assert protect_count(0) == 0
    assert protect_count(5) == 5


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (date(2024, 4, 1), date(2024, 4, 1)),  # one day
        (date(2024, 4, 1), date(2024, 4, 30)),  # one month
        (date(2024, 5, 1), date(2025, 4, 30)),  # a year, but not a fiscal year
        (date(2024, 4, 1), date(2025, 3, 30)),  # a fiscal year short of a day
    ],
)
def test_periods_that_could_be_differenced_are_refused(start: date, end: date) -> None:
    with pytest.raises(ValidationError):
        require_disclosable_period(start, end)


def test_differencing_two_published_fiscal_years_reveals_no_month() -> None:
    # Whole fiscal years never overlap, so the only difference of two publications is the
    # difference of two disjoint years: no month and no day is left alone.
    assert require_disclosable_period(date(2024, 4, 1), date(2025, 3, 31)) == 2024
    assert require_disclosable_period(date(2025, 4, 1), date(2026, 3, 31)) == 2025


def test_the_attacker_recovers_what_primary_suppression_alone_leaves_open() -> None:
    # The attacker is no straw man: withholding only the small cells gives them away.
    cells = [[3, 10, 20], [8, 2, 30]]
    naive = ProtectedGrid(
        cells=[[None, 10, 20], [8, None, 30]],
        row_totals=[33, 40],
        column_totals=[11, 12, 50],
        total=73,
    )
    recovered = attack_grid(naive)
    assert recovered == {("cell", 0, 0): 3, ("cell", 1, 1): 2}
    assert all(truth(cells, key) == value for key, value in recovered.items())
