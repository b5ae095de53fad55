"""The attacker against every table the committee receives together, and against differencing.

The consultation statistics a committee member receives are several tables sharing totals:
month x channel with its totals, consulters, the reporting groups, 主訴 (main concern), and the
approximate age and gender of consultations with no person linked. The attacker below knows
only what a reader of the page or the API knows: which figures add up to which, and the figures
shown. It writes those equations itself (independently of the module) and solves them.
"""

from datetime import date, timedelta
from fractions import Fraction

from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.reports.test_disclosure import pinned
from tsunagu.consultations.codes import Channel, Consulter, MainConcern
from tsunagu.core.eras import fiscal_year_dates
from tsunagu.people.codes import AgeBand, Gender
from tsunagu.reports.disclosure import (
    Sheet,
    protect_consultation_statistics,
    protect_counts,
    require_disclosable_period,
)
from tsunagu.reports.selectors import ConsultationStatistics, GroupCount, MonthCount

MONTHS = ["2025-04", "2025-05", "2025-06"]
CHANNELS = Channel.values
GROUP = ["email", "letter"]

# (month, channel, consulter, concern, linked, age, gender)
Record = tuple[str, str, str, str, bool, str, str]


def attack(
    equations: list[tuple[list[str], str]], published: dict[str, int | None]
) -> dict[str, Fraction]:
    """Every withheld figure (None) that the published equations pin down, with its value."""
    unknowns = [key for key, value in published.items() if value is None]
    if not unknowns:
        return {}
    index = {key: k for k, key in enumerate(unknowns)}
    rows: list[list[Fraction]] = []
    rhs: list[Fraction] = []
    for parts, total in equations:
        row = [Fraction(0)] * len(unknowns)
        b = Fraction(0)
        for key, sign in [*((p, 1) for p in parts), (total, -1)]:
            if key in index:
                row[index[key]] += sign
            else:
                shown = published[key]
                assert shown is not None, "only shown figures move to the right-hand side"
                b -= sign * shown
        rows.append(row)
        rhs.append(b)
    values = pinned(rows, rhs)
    return {key: values[k] for key, k in index.items() if k in values}


def build(records: list[Record]) -> ConsultationStatistics:
    """Exact statistics of a list of (month, channel, consulter, concern, linked, age, gender)."""
    grid = {m: dict.fromkeys(CHANNELS, 0) for m in MONTHS}
    consulters = dict.fromkeys(Consulter.values, 0)
    concerns = dict.fromkeys(["", *MainConcern.values], 0)
    ages = dict.fromkeys(["", *AgeBand.values], 0)
    genders = dict.fromkeys(["", *Gender.values], 0)
    unlinked = 0
    for month, channel, consulter, concern, linked, age, gender in records:
        grid[month][channel] += 1
        consulters[consulter] += 1
        concerns[concern] += 1
        if not linked:
            unlinked += 1
            ages[age] += 1
            genders[gender] += 1
    by_channel = {c: sum(grid[m][c] for m in MONTHS) for c in CHANNELS}
    return ConsultationStatistics(
        start=date(2025, 4, 1),
        end=date(2025, 6, 30),
        total=len(records),
        people=0,
        by_channel=dict(by_channel),
        people_by_channel=dict.fromkeys(CHANNELS, 0),
        by_consulter=dict(consulters),
        by_month=[MonthCount(m, sum(grid[m].values()), dict(grid[m])) for m in MONTHS],
        groups=[GroupCount("mail", GROUP, sum(by_channel[c] for c in GROUP), 0)],
        by_main_concern=dict(concerns),
        unlinked_by_age_band=dict(ages),
        unlinked_by_gender=dict(genders),
        unlinked_total=unlinked,
    )


def flatten(
    stats: ConsultationStatistics,
) -> tuple[dict[str, int | None], list[tuple[list[str], str]]]:
    """The figures as a reader sees them, and the equations between them."""
    figures: dict[str, int | None] = {"total": stats.total, "unlinked": stats.unlinked_total}
    equations: list[tuple[list[str], str]] = []
    for m in stats.by_month:
        figures[f"month:{m.month}"] = m.total
        for c, n in m.by_channel.items():
            figures[f"cell:{m.month}:{c}"] = n
        equations.append(([f"cell:{m.month}:{c}" for c in m.by_channel], f"month:{m.month}"))
    for c, n in stats.by_channel.items():
        figures[f"channel:{c}"] = n
        equations.append(([f"cell:{m.month}:{c}" for m in stats.by_month], f"channel:{c}"))
    equations.append(([f"month:{m.month}" for m in stats.by_month], "total"))
    equations.append(([f"channel:{c}" for c in stats.by_channel], "total"))
    for name, table, total in [
        ("consulter", stats.by_consulter, "total"),
        ("concern", stats.by_main_concern, "total"),
        ("age", stats.unlinked_by_age_band, "unlinked"),
        ("gender", stats.unlinked_by_gender, "unlinked"),
    ]:
        for key, n in table.items():
            figures[f"{name}:{key}"] = n
        equations.append(([f"{name}:{key}" for key in table], total))
    for g in stats.groups:
        figures[f"group:{g.name}"] = g.total
        equations.append(([f"channel:{c}" for c in g.channels], f"group:{g.name}"))
    return figures, equations


# A small town: a handful of contacts, most cells zero or small.
records = st.lists(
    st.tuples(
        st.sampled_from(MONTHS),
        st.sampled_from(["phone", "walk_in", "email", "letter"]),
        st.sampled_from(["self", "family"]),
        st.sampled_from(["", *MainConcern.values[:3]]),
        st.booleans(),
        st.sampled_from(["", "20_29", "30_39"]),
        st.sampled_from(["", "male", "female"]),
    ),
    max_size=40,
)


@settings(max_examples=150, deadline=None)
@given(records)
def test_no_withheld_figure_of_the_committees_tables_can_be_worked_out(
    records: list[Record],
) -> None:
    exact, _ = flatten(build(records))
    published, equations = flatten(protect_consultation_statistics(build(records)))
    recovered = attack(equations, published)
    assert recovered == {}, f"recovered {recovered}"
    for key, value in exact.items():
        assert published[key] in (None, value), key
        if value is not None and 1 <= value <= 4:
            assert published[key] is None, key


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.sampled_from("abcdefghij"), st.integers(0, 12), min_size=1))
def test_counts_by_destination_never_give_one_away(counts: dict[str, int]) -> None:
    shown, total = protect_counts(counts)
    figures = {**{f"d:{k}": v for k, v in shown.items()}, "total": total}
    assert attack([([f"d:{k}" for k in shown], "total")], figures) == {}


# Differencing: an attacker asks for two periods and subtracts. Outside the center the only
# periods given are whole fiscal years, and two of them are either the same or disjoint, so a
# difference never isolates a shorter stretch (a day, a week, a month) than one published.
days = st.dates(min_value=date(2019, 1, 1), max_value=date(2027, 12, 31))


def accepted(start: date, end: date) -> bool:
    try:
        require_disclosable_period(start, end)
    except ValidationError:
        return False
    return True


@settings(max_examples=300, deadline=None)
@given(days, st.integers(0, 800), days, st.integers(0, 800))
def test_two_periods_given_outside_the_center_never_overlap_in_part(
    s1: date, n1: int, s2: date, n2: int
) -> None:
    e1, e2 = s1 + timedelta(days=n1), s2 + timedelta(days=n2)
    if accepted(s1, e1) and accepted(s2, e2):
        same = (s1, e1) == (s2, e2)
        disjoint = e1 < s2 or e2 < s1
        assert same or disjoint


@settings(max_examples=100, deadline=None)
@given(st.integers(2019, 2027), st.integers(1, 364), st.integers(0, 364))
def test_overlapping_ranges_differing_by_some_days_are_refused(
    year: int, cut: int, shift: int
) -> None:
    # The attack of the issue: [April 1, d] and [April 1, d + 1] differ by day d + 1. Any
    # range other than the whole fiscal year is refused, so one of the two always is.
    start, _end = fiscal_year_dates(year)
    first = (start + timedelta(days=shift), start + timedelta(days=shift + cut))
    second = (start + timedelta(days=shift), start + timedelta(days=shift + cut + 1))
    assert not (accepted(*first) and accepted(*second))


def test_a_group_total_worked_out_from_other_tables_is_protected() -> None:
    # The channel table gives e-mail + letter (both withheld) as total − phone − walk-in, so
    # the group "mail" = e-mail + letter is worked out although every figure of its own
    # equation is withheld: a shown figure of the other equation has to go.
    sheet = Sheet()
    email, letter, phone, walk_in = (sheet.figure(v) for v in (3, 1, 7, 9))
    total = sheet.figure(20)
    sheet.adds_up([email, letter, phone, walk_in], total)
    mail = sheet.figure(4)
    sheet.adds_up([email, letter], mail)
    published = {str(i): v for i, v in enumerate(sheet.protect())}
    equations = [([str(i) for i in eq.parts], str(eq.total)) for eq in sheet.equations]
    assert published[str(mail)] is None
    assert attack(equations, published) == {}


def test_a_figure_zero_by_the_shape_of_the_tables_is_shown() -> None:
    # Two ways of adding up to one total that differ only by x: x = 0 whatever the counts, so
    # withholding it protects nothing (the reader works it out) and it is shown as 0.
    sheet = Sheet()
    p, q = sheet.figure(3), sheet.figure(4)
    y = sheet.figure(7)
    sheet.adds_up([p, q], y)
    a, x, t = sheet.figure(3), sheet.figure(0), sheet.figure(10)
    sheet.adds_up([a, x, y], t)
    sheet.adds_up([a, y], t)
    shown = sheet.protect()
    published = {str(i): v for i, v in enumerate(shown)}
    equations = [([str(i) for i in eq.parts], str(eq.total)) for eq in sheet.equations]
    assert shown[x] == 0
    assert shown[a] is None and shown[p] is None and shown[q] is None
    assert attack(equations, published) == {}


@st.composite
def sheets(draw: st.DrawFn) -> Sheet:
    """Any counts with any totals over them: totals of totals, shared parts, empty sums."""
    sheet = Sheet()
    for value in draw(st.lists(st.integers(0, 12), min_size=1, max_size=8)):
        sheet.figure(value)
    for _ in range(draw(st.integers(1, 6))):
        parts = draw(st.sets(st.integers(0, len(sheet.values) - 1), max_size=4))
        if draw(st.booleans()) or not parts:
            sheet.adds_up(parts, sheet.figure(sum(sheet.values[p] for p in parts)))
        else:  # a second way of adding up to a total already there
            total = draw(st.sampled_from([eq.total for eq in sheet.equations] or [0]))
            rest = sheet.values[total] - sum(sheet.values[p] for p in parts)
            if rest >= 0 and total not in parts:
                sheet.adds_up([*parts, sheet.figure(rest)], total)
    return sheet


@settings(max_examples=300, deadline=None)
@given(sheets())
def test_no_withheld_figure_of_any_sheet_can_be_worked_out(sheet: Sheet) -> None:
    shown = sheet.protect()
    published = {str(i): v for i, v in enumerate(shown)}
    equations = [([str(i) for i in eq.parts], str(eq.total)) for eq in sheet.equations]
    assert attack(equations, published) == {}
    for value, published_value in zip(sheet.values, shown, strict=True):
        assert published_value in (None, value)
        if 1 <= value <= 4:
            assert published_value is None
