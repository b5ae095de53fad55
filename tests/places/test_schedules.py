"""Calendar rules against hand-computed calendars, and properties over many rules."""

from collections.abc import Iterable
from datetime import date, time, timedelta

import pytest
from django.utils import translation
from hypothesis import given, settings
from hypothesis import strategies as st

from tsunagu.core import schedules
from tsunagu.core.schedules import Practice, RuleError, Schedule

TEN, FOUR = time(10), time(16, 30)


def held(
    rrule: str,
    first: date,
    last: date,
    holidays: str = "skip",
    *,
    closed_dates: Iterable[date] = (),
) -> list[date]:
    rule = Schedule(rrule, TEN, FOUR, holidays, starts_on=date(2020, 1, 1))
    occurrences = schedules.occurrences([rule], first, last, closed_dates=closed_dates)
    return [o.date for o in occurrences]


def d(text: str) -> date:
    return date.fromisoformat(text)


def test_first_wednesday_across_the_fiscal_year_end() -> None:
    # 2025-03-01 is a Saturday, 2025-04-01 a Tuesday.
    assert held("FREQ=MONTHLY;BYDAY=1WE", d("2025-03-01"), d("2025-04-30")) == [
        d("2025-03-05"),
        d("2025-04-02"),
    ]


def test_weekdays_through_golden_week_2025() -> None:
    # 4/29 昭和の日, 5/5 こどもの日, 5/6 振替休日 (みどりの日 fell on Sunday 5/4).
    assert held("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", d("2025-04-28"), d("2025-05-09")) == [
        d("2025-04-28"),
        d("2025-04-30"),
        d("2025-05-01"),
        d("2025-05-02"),
        d("2025-05-07"),
        d("2025-05-08"),
        d("2025-05-09"),
    ]


def test_keep_holds_the_golden_week_holidays() -> None:
    assert d("2025-05-06") in held(
        "FREQ=WEEKLY;BYDAY=TU", d("2025-05-01"), d("2025-05-31"), holidays="keep"
    )


def test_kokumin_no_kyujitsu_is_skipped() -> None:
    # 2026-09-22 lies between 敬老の日 and 秋分の日: a 国民の休日.
    assert held("FREQ=WEEKLY;BYDAY=TU", d("2026-09-01"), d("2026-09-30")) == [
        d("2026-09-01"),
        d("2026-09-08"),
        d("2026-09-15"),
        d("2026-09-29"),
    ]


def test_year_end_closure_and_coming_of_age_day() -> None:
    rule = "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    assert held(rule, d("2025-12-26"), d("2026-01-12")) == [
        d("2025-12-26"),
        d("2026-01-05"),
        d("2026-01-06"),
        d("2026-01-07"),
        d("2026-01-08"),
        d("2026-01-09"),
    ]
    kept = held(rule, d("2025-12-26"), d("2026-01-12"), holidays="keep")
    assert kept[:6] == [
        d("2025-12-26"),
        d("2025-12-29"),
        d("2025-12-30"),
        d("2025-12-31"),
        d("2026-01-01"),
        d("2026-01-02"),
    ]
    assert kept[-1] == d("2026-01-12")


def test_second_tuesday_and_fourth_thursday() -> None:
    assert held("FREQ=MONTHLY;BYDAY=2TU,4TH", d("2026-02-01"), d("2026-03-31")) == [
        d("2026-02-10"),
        d("2026-02-26"),
        d("2026-03-10"),
        d("2026-03-26"),
    ]


def test_last_sunday_and_closed_dates() -> None:
    rule = "FREQ=MONTHLY;BYDAY=-1SU"
    assert held(rule, d("2026-03-01"), d("2026-04-30")) == [d("2026-03-29"), d("2026-04-26")]
    closed = held(rule, d("2026-03-01"), d("2026-04-30"), closed_dates=[d("2026-03-29")])
    assert closed == [d("2026-04-26")]


def test_closed_dates_apply_even_when_holidays_are_kept() -> None:
    got = held(
        "FREQ=WEEKLY;BYDAY=FR",
        d("2026-01-01"),
        d("2026-01-31"),
        holidays="keep",
        closed_dates=[d("2026-01-16")],
    )
    assert got == [d("2026-01-02"), d("2026-01-09"), d("2026-01-23"), d("2026-01-30")]


def test_every_other_week_counts_from_the_first_day() -> None:
    rule = Schedule("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA", TEN, FOUR, "keep", starts_on=d("2026-01-03"))
    got = [o.date for o in schedules.occurrences([rule], d("2026-01-01"), d("2026-02-01"))]
    assert got == [d("2026-01-03"), d("2026-01-17"), d("2026-01-31")]


def test_a_rule_gives_nothing_outside_its_period() -> None:
    rule = Schedule(
        "FREQ=WEEKLY;BYDAY=WE", TEN, FOUR, starts_on=d("2026-01-07"), ends_on=d("2026-01-21")
    )
    got = [o.date for o in schedules.occurrences([rule], d("2025-12-01"), d("2026-03-01"))]
    assert got == [d("2026-01-07"), d("2026-01-14"), d("2026-01-21")]


def test_two_rules_of_a_place_with_different_times() -> None:
    weekdays = Schedule("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", TEN, FOUR, starts_on=d("2026-01-01"))
    saturday = Schedule("FREQ=WEEKLY;BYDAY=SA", TEN, time(16), starts_on=d("2026-01-01"))
    got = schedules.occurrences([weekdays, saturday], d("2026-03-06"), d("2026-03-07"))
    assert [(o.date, o.end) for o in got] == [
        (d("2026-03-06"), FOUR),
        (d("2026-03-07"), time(16)),
    ]


@pytest.mark.parametrize(
    "text",
    ["", "FREQ=SOMETIMES", "BYDAY=MO", "FREQ=WEEKLY;BYDAY=XX", "DTSTART:20200101\nFREQ=DAILY"],
)
def test_invalid_rules_name_the_rrule_field(text: str) -> None:
    problems = schedules.validate(Schedule(text, TEN, FOUR))
    assert "rrule" in problems


def test_end_before_start_is_named() -> None:
    assert set(schedules.validate(Schedule("FREQ=DAILY", FOUR, TEN))) == {"end"}


def test_practice_to_rrule_examples() -> None:
    assert schedules.to_rrule(Practice("weekly", days=(2,))) == "FREQ=WEEKLY;BYDAY=WE"
    assert schedules.to_rrule(Practice("monthly", nths=((1, 2),))) == "FREQ=MONTHLY;BYDAY=1WE"
    assert (
        schedules.to_rrule(Practice("monthly", nths=((4, 3), (2, 1))))
        == "FREQ=MONTHLY;BYDAY=2TU,4TH"
    )
    assert schedules.to_rrule(Practice("monthly", nths=((-1, 6),))) == "FREQ=MONTHLY;BYDAY=-1SU"
    with pytest.raises(RuleError):
        schedules.to_rrule(Practice("weekly"))


def test_rules_said_back_in_japanese() -> None:
    with translation.override("ja"):
        first_wed = Schedule("FREQ=MONTHLY;BYDAY=1WE", time(13, 30), time(15), "skip")
        assert schedules.describe(first_wed) == "毎月第1水曜 13:30〜15:00、祝日は休み"
        assert schedules.describe_rule("FREQ=MONTHLY;BYDAY=2TU,4TH") == "毎月第2火曜と第4木曜"
        assert schedules.describe_rule("FREQ=MONTHLY;BYDAY=-1SU") == "毎月最終日曜"
        assert schedules.describe_rule("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR") == "毎週月〜金曜"
        assert schedules.describe_rule("FREQ=WEEKLY;BYDAY=MO,WE") == "毎週月・水曜"
        assert schedules.describe_rule("FREQ=WEEKLY;INTERVAL=2;BYDAY=SA") == "隔週土曜"
        friday = Schedule("FREQ=WEEKLY;BYDAY=FR", TEN, time(15), "keep")
        assert schedules.describe(friday) == "毎週金曜 10:00〜15:00、祝日も開催"


# --- properties ------------------------------------------------------------------------------

days_st = st.lists(st.integers(0, 6), min_size=1, max_size=7, unique=True).map(
    lambda xs: tuple(sorted(xs))
)
nths_st = st.lists(
    st.tuples(st.sampled_from(schedules.NTHS), st.integers(0, 6)),
    min_size=1,
    max_size=3,
    unique=True,
)
practice_st = st.one_of(
    st.builds(
        lambda ds, i: Practice("weekly", days=ds, interval=i), days_st, st.sampled_from([1, 2])
    ),
    st.builds(lambda ns: Practice("monthly", nths=tuple(sorted(ns))), nths_st),
    st.just(Practice("daily")),
)
start_st = st.dates(date(2019, 1, 1), date(2030, 12, 31))


@given(practice_st)
def test_practice_round_trips_through_rrule(practice: Practice) -> None:
    back = schedules.to_practice(schedules.to_rrule(practice))
    assert back == practice


@settings(max_examples=60, deadline=None)
@given(practice_st, start_st, st.integers(0, 200), st.integers(0, 200))
def test_skip_never_gives_a_holiday_and_windows_split_cleanly(
    practice: Practice, first: date, a: int, b: int
) -> None:
    rule = Schedule(schedules.to_rrule(practice), TEN, FOUR, "skip", starts_on=first)
    middle, last = first + timedelta(days=a), first + timedelta(days=a + b)
    whole = schedules.occurrences([rule], first, last)
    assert all(not schedules.is_holiday(o.date) for o in whole)
    assert all(first <= o.date <= last for o in whole)
    assert whole == sorted(whole)
    # Materializing in two windows gives the same sessions as in one.
    split = schedules.occurrences([rule], first, middle) + schedules.occurrences(
        [rule], middle + timedelta(days=1), last
    )
    assert split == whole
    kept = schedules.occurrences([Schedule(rule.rrule, TEN, FOUR, "keep", first)], first, last)
    assert set(whole) <= set(kept)
    assert {o.date for o in kept} - {o.date for o in whole} == {
        o.date for o in kept if schedules.is_holiday(o.date)
    }


@settings(max_examples=40, deadline=None)
@given(days_st, start_st)
def test_weekly_rules_give_only_their_weekdays(days: tuple[int, ...], first: date) -> None:
    rule = Schedule(schedules.to_rrule(Practice("weekly", days=days)), TEN, FOUR, "keep", first)
    got = schedules.occurrences([rule], first, first + timedelta(days=27))
    assert {o.date.weekday() for o in got} == set(days)
