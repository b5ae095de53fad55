"""Tests for Japanese era dates, fiscal years and date parsing in tsunagu.core.eras."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tsunagu.core.eras import (
    EARLIEST_SUPPORTED_DATE,
    ERAS,
    TOKYO,
    EraDateError,
    date_range_bounds,
    era_of,
    fiscal_year,
    fiscal_year_bounds,
    fiscal_year_dates,
    fiscal_year_label,
    fiscal_year_label_western,
    format_wareki,
    format_wareki_month,
    format_wareki_short,
    parse_date,
    parse_datetime,
)

supported_dates = st.dates(min_value=EARLIEST_SUPPORTED_DATE, max_value=date(2100, 12, 31))
taisho_onwards = st.dates(min_value=date(1912, 7, 30), max_value=date(2100, 12, 31))

# Fixed offsets cover zones the tz database lacks (e.g. +14:00, -12:00, odd minutes).
fixed_offsets = st.builds(
    lambda minutes: timezone(timedelta(minutes=minutes)),
    st.integers(min_value=-12 * 60, max_value=14 * 60),
)
aware_datetimes = st.datetimes(
    min_value=datetime(1900, 1, 2),
    max_value=datetime(2100, 12, 30),
    timezones=st.one_of(st.timezones(), fixed_offsets),
)


# --- formatting -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("d", "era"),
    [
        (date(1873, 1, 1), ("明治", 6)),
        (date(1912, 7, 29), ("明治", 45)),
        (date(1912, 7, 30), ("大正", 1)),
        (date(1926, 12, 24), ("大正", 15)),
        (date(1926, 12, 25), ("昭和", 1)),
        (date(1989, 1, 7), ("昭和", 64)),
        (date(1989, 1, 8), ("平成", 1)),
        (date(2019, 4, 30), ("平成", 31)),
        (date(2019, 5, 1), ("令和", 1)),
        (date(2020, 1, 1), ("令和", 2)),
    ],
)
def test_era_of_names_the_era_and_year_on_both_sides_of_each_boundary(
    d: date, era: tuple[str, int]
) -> None:
    assert era_of(d) == era


def test_the_first_year_of_an_era_is_written_gannen() -> None:
    assert format_wareki(date(2019, 5, 1)) == "令和元年5月1日"
    assert format_wareki(date(2018, 4, 2)) == "平成30年4月2日"


def test_the_short_form_uses_the_era_initial_without_padding() -> None:
    assert format_wareki_short(date(2019, 5, 1)) == "R1.5.1"
    assert format_wareki_short(date(2018, 4, 2)) == "H30.4.2"


def test_the_month_form_drops_the_day() -> None:
    assert format_wareki_month(date(2018, 4, 2)) == "平成30年4月"
    assert format_wareki_month(date(2019, 5, 31)) == "令和元年5月"


def test_dates_before_the_gregorian_calendar_was_adopted_cannot_be_formatted() -> None:
    with pytest.raises(EraDateError):
        format_wareki(date(1872, 12, 31))


@given(taisho_onwards)
def test_formatting_then_parsing_gives_the_same_date(d: date) -> None:
    assert parse_date(format_wareki(d)) == d


@given(taisho_onwards)
def test_formatting_in_short_form_then_parsing_gives_the_same_date(d: date) -> None:
    assert parse_date(format_wareki_short(d)) == d


@given(supported_dates)
def test_every_supported_date_including_meiji_round_trips(d: date) -> None:
    assert parse_date(format_wareki(d)) == d
    assert parse_date(format_wareki_short(d)) == d
    assert parse_date(d.isoformat()) == d


@given(supported_dates)
def test_the_era_year_counts_from_the_calendar_year_the_era_began(d: date) -> None:
    name, year = era_of(d)
    era = next(e for e in ERAS if e.name == name)
    assert era.start <= d
    assert year == d.year - era.start.year + 1 >= 1


# --- era boundaries -------------------------------------------------------------------------


def test_the_last_day_of_heisei_is_followed_by_the_first_day_of_reiwa() -> None:
    last_heisei = parse_date("平成31年4月30日")
    assert last_heisei == date(2019, 4, 30)
    assert format_wareki(last_heisei + timedelta(days=1)) == "令和元年5月1日"


def test_the_last_day_of_showa_is_followed_by_the_first_day_of_heisei() -> None:
    assert parse_date("昭和64年1月7日") == date(1989, 1, 7)
    assert parse_date("平成元年1月8日") == date(1989, 1, 8)
    assert format_wareki(date(1989, 1, 7)) == "昭和64年1月7日"
    assert format_wareki(date(1989, 1, 8)) == "平成元年1月8日"


@pytest.mark.parametrize(
    "text",
    [
        "平成31年5月1日",
        "令和1年4月30日",
        "令和元年4月30日",
        "平成0年4月1日",
        "昭和64年1月8日",
        "平成元年1月7日",
        "大正15年12月25日",
        "明治45年7月30日",
        "H31.5.1",
        "R1.4.30",
    ],
)
def test_an_era_date_outside_its_era_is_rejected(text: str) -> None:
    with pytest.raises(EraDateError) as excinfo:
        parse_date(text)
    assert "期間外" in excinfo.value.args[0]


def test_the_out_of_era_message_names_the_input_and_the_era() -> None:
    with pytest.raises(EraDateError) as excinfo:
        parse_date("平成31年5月1日")
    assert excinfo.value.args[0] == "「平成31年5月1日」は平成の期間外の日付です"


def test_an_era_error_is_a_value_error_so_form_code_can_catch_either() -> None:
    with pytest.raises(ValueError):
        parse_date("令和1年4月30日")


def test_meiji_dates_before_1873_are_refused_rather_than_misconverted() -> None:
    assert parse_date("明治6年1月1日") == date(1873, 1, 1)
    with pytest.raises(EraDateError, match="対応範囲外"):
        parse_date("明治5年12月31日")


# --- parsing notations ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-04-02", date(2018, 4, 2)),
        ("2018-4-2", date(2018, 4, 2)),
        ("2018/4/2", date(2018, 4, 2)),
        ("2018/04/02", date(2018, 4, 2)),
        ("2018.4.2", date(2018, 4, 2)),
        ("2018年4月2日", date(2018, 4, 2)),
        ("20180402", date(2018, 4, 2)),
        ("平成30年4月2日", date(2018, 4, 2)),
        ("平成元年4月2日", date(1989, 4, 2)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("令和1年5月1日", date(2019, 5, 1)),
        ("昭和50年10月10日", date(1975, 10, 10)),
        ("大正元年8月1日", date(1912, 8, 1)),
        ("H30.4.2", date(2018, 4, 2)),
        ("h30.4.2", date(2018, 4, 2)),
        ("R1.5.1", date(2019, 5, 1)),
        ("R01.05.01", date(2019, 5, 1)),
        ("H30/4/2", date(2018, 4, 2)),
        ("H30-4-2", date(2018, 4, 2)),
        ("S64.1.7", date(1989, 1, 7)),
        ("T1.7.30", date(1912, 7, 30)),
        ("M45.7.29", date(1912, 7, 29)),
        ("H30年4月2日", date(2018, 4, 2)),
        ("平成 30年 4月 2日", date(2018, 4, 2)),
        ("２０１８／０４／０２", date(2018, 4, 2)),
        ("Ｈ３０．４．２", date(2018, 4, 2)),
        ("平成３０年４月２日", date(2018, 4, 2)),
        ("㍻30年4月2日", date(2018, 4, 2)),
        ("2018ー04ー02", date(2018, 4, 2)),
        ("  2018-04-02\u3000", date(2018, 4, 2)),
        ("2018-04-02 00:00:00", date(2018, 4, 2)),
    ],
)
def test_every_supported_notation_parses_to_the_intended_date(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("2018-02-30", "存在しない日付"),
        ("2019-02-29", "存在しない日付"),
        ("平成30年2月30日", "存在しない日付"),
        ("2018-13-01", "存在しない日付"),
        ("", "入力されていません"),
        ("   ", "入力されていません"),
        ("きのう", "読み取れません"),
        ("2018/04-02", "読み取れません"),
        ("X30.4.2", "読み取れません"),
        ("2018-04-02 14:30", "時刻が含まれています"),
    ],
)
def test_a_bad_date_is_rejected_with_a_japanese_reason(text: str, reason: str) -> None:
    with pytest.raises(EraDateError) as excinfo:
        parse_date(text)
    assert reason in excinfo.value.args[0]


def test_an_impossible_date_message_quotes_the_input() -> None:
    with pytest.raises(EraDateError) as excinfo:
        parse_date("2018-02-30")
    assert excinfo.value.args[0] == "「2018-02-30」は存在しない日付です"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-04-02", datetime(2018, 4, 2, 0, 0, tzinfo=TOKYO)),
        ("2018-04-02 14:30", datetime(2018, 4, 2, 14, 30, tzinfo=TOKYO)),
        ("2018-04-02T14:30:15", datetime(2018, 4, 2, 14, 30, 15, tzinfo=TOKYO)),
        ("2018-04-02 14:30:00", datetime(2018, 4, 2, 14, 30, tzinfo=TOKYO)),
        ("2018/4/2 9:05", datetime(2018, 4, 2, 9, 5, tzinfo=TOKYO)),
        ("平成30年4月2日 23:59:59", datetime(2018, 4, 2, 23, 59, 59, tzinfo=TOKYO)),
        ("R1.5.1 00:00", datetime(2019, 5, 1, 0, 0, tzinfo=TOKYO)),
        ("令和元年5月1日\u300010:00", datetime(2019, 5, 1, 10, 0, tzinfo=TOKYO)),
        ("２０１８－０４－０２　１４：３０", datetime(2018, 4, 2, 14, 30, tzinfo=TOKYO)),
    ],
)
def test_a_date_with_an_optional_time_parses_to_tokyo_time(text: str, expected: datetime) -> None:
    parsed = parse_datetime(text)
    assert parsed == expected
    assert parsed.utcoffset() == timedelta(hours=9)


@pytest.mark.parametrize(
    "text",
    [
        "2018-04-02 24:00",
        "2018-04-02 12:60",
        "2018-04-02 12:30:60",
        "2018-04-02 noon",
        "2018-04-02 14時30分",
        "平成30年4月2日T14:30",
    ],
)
def test_a_bad_time_is_rejected(text: str) -> None:
    with pytest.raises(EraDateError):
        parse_datetime(text)


def test_a_bad_time_message_says_the_time_is_wrong() -> None:
    with pytest.raises(EraDateError) as excinfo:
        parse_datetime("2018-04-02 25:00")
    assert excinfo.value.args[0].startswith("「2018-04-02 25:00」の時刻が正しくありません")


@given(
    supported_dates,
    st.integers(min_value=0, max_value=23),
    st.integers(min_value=0, max_value=59),
    st.integers(min_value=0, max_value=59),
)
def test_a_wareki_date_and_time_parse_back_to_the_same_moment(
    d: date, hour: int, minute: int, second: int
) -> None:
    text = f"{format_wareki(d)} {hour}:{minute:02d}:{second:02d}"
    assert parse_datetime(text) == datetime(
        d.year, d.month, d.day, hour, minute, second, tzinfo=TOKYO
    )


# --- fiscal years ---------------------------------------------------------------------------


@given(aware_datetimes)
def test_the_bounds_of_a_moments_fiscal_year_contain_that_moment(moment: datetime) -> None:
    start, end = fiscal_year_bounds(fiscal_year(moment))
    assert start <= moment < end


@given(st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31)))
def test_the_dates_of_a_dates_fiscal_year_contain_that_date(d: date) -> None:
    first, last = fiscal_year_dates(fiscal_year(d))
    assert first <= d <= last


@pytest.mark.parametrize(
    ("moment", "fy"),
    [
        (datetime(2019, 3, 31, 23, 59, 59, tzinfo=TOKYO), 2018),
        (datetime(2019, 4, 1, 0, 0, tzinfo=TOKYO), 2019),
        (datetime(2019, 3, 31, 14, 59, 59, tzinfo=UTC), 2018),
        (datetime(2019, 3, 31, 15, 0, tzinfo=UTC), 2019),
        (datetime(2019, 3, 31, 10, 0, tzinfo=timezone(timedelta(hours=-5))), 2019),
        (date(2019, 3, 31), 2018),
        (date(2019, 4, 1), 2019),
        (date(2020, 1, 1), 2019),
    ],
)
def test_fiscal_years_change_at_midnight_on_april_first_in_tokyo(
    moment: date | datetime, fy: int
) -> None:
    assert fiscal_year(moment) == fy


def test_a_naive_datetime_has_no_fiscal_year() -> None:
    with pytest.raises(ValueError, match="naive"):
        fiscal_year(datetime(2019, 4, 1))


def test_fiscal_year_bounds_are_half_open_tokyo_midnights() -> None:
    start, end = fiscal_year_bounds(2019)
    assert start == datetime(2019, 3, 31, 15, 0, tzinfo=UTC)
    assert end == datetime(2020, 3, 31, 15, 0, tzinfo=UTC)
    assert start.tzinfo is TOKYO
    assert end.tzinfo is TOKYO


@given(st.integers(min_value=1900, max_value=2200))
def test_a_fiscal_year_spans_365_or_366_days(fy: int) -> None:
    first, last = fiscal_year_dates(fy)
    assert first == date(fy, 4, 1)
    assert last == date(fy + 1, 3, 31)
    assert (last - first).days + 1 in (365, 366)


@given(st.integers(min_value=1900, max_value=2200))
def test_consecutive_fiscal_years_meet_without_gap_or_overlap(fy: int) -> None:
    assert fiscal_year_bounds(fy)[1] == fiscal_year_bounds(fy + 1)[0]
    assert fiscal_year_dates(fy)[1] + timedelta(days=1) == fiscal_year_dates(fy + 1)[0]


@pytest.mark.parametrize(
    ("fy", "label"),
    [
        (2018, "平成30年度"),
        (2019, "令和元年度"),
        (2020, "令和2年度"),
        (1988, "昭和63年度"),
        (1989, "平成元年度"),
        (1926, "昭和元年度"),
        (1912, "大正元年度"),
        (1900, "明治33年度"),
    ],
)
def test_a_fiscal_year_is_named_after_the_era_of_its_calendar_year(fy: int, label: str) -> None:
    assert fiscal_year_label(fy) == label


def test_the_western_fiscal_year_label_is_the_year_and_nendo() -> None:
    assert fiscal_year_label_western(2018) == "2018年度"


def test_an_inclusive_date_range_becomes_half_open_tokyo_bounds() -> None:
    start, end = date_range_bounds(date(2019, 4, 1), date(2019, 4, 30))
    assert start == datetime(2019, 4, 1, tzinfo=TOKYO)
    assert end == datetime(2019, 5, 1, tzinfo=TOKYO)


@given(supported_dates, st.integers(min_value=0, max_value=800))
def test_a_date_range_bounds_contain_every_moment_of_its_last_day(d: date, days: int) -> None:
    end = d + timedelta(days=days)
    lower, upper = date_range_bounds(d, end)
    assert lower <= datetime(end.year, end.month, end.day, 23, 59, 59, tzinfo=TOKYO) < upper
    assert upper - lower == timedelta(days=days + 1)


def test_a_date_range_ending_before_it_starts_is_rejected() -> None:
    with pytest.raises(EraDateError):
        date_range_bounds(date(2019, 5, 1), date(2019, 4, 30))
