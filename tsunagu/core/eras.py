"""Japanese era (和暦) dates, fiscal years (年度) and lenient date parsing, in Asia/Tokyo."""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, time, timedelta
from typing import NamedTuple
from zoneinfo import ZoneInfo

__all__ = [
    "EARLIEST_SUPPORTED_DATE",
    "ERAS",
    "LATEST_SUPPORTED_DATE",
    "TOKYO",
    "Era",
    "EraDateError",
    "check_supported",
    "date_range_bounds",
    "era_of",
    "fiscal_year",
    "fiscal_year_bounds",
    "fiscal_year_dates",
    "fiscal_year_label",
    "fiscal_year_label_western",
    "format_wareki",
    "format_wareki_month",
    "format_wareki_short",
    "parse_date",
    "parse_datetime",
]

# Fixed here rather than taken from Django settings so the module works without Django.
TOKYO = ZoneInfo("Asia/Tokyo")

# Japan kept the lunisolar calendar until 明治5年12月2日; the next day became 1873-01-01.
# Earlier 明治 dates do not map onto Gregorian dates by simple year arithmetic, so they are
# rejected instead of being silently converted wrongly.
EARLIEST_SUPPORTED_DATE = date(1873, 1, 1)
# Far enough for any record, near enough that a day later still fits in a datetime.
LATEST_SUPPORTED_DATE = date(2999, 12, 31)


def check_supported(d: date) -> date:
    """The date itself, or EraDateError when it lies outside what Tsunagu records."""
    if not EARLIEST_SUPPORTED_DATE <= d <= LATEST_SUPPORTED_DATE:
        raise EraDateError(
            f"{d.isoformat()}は対応範囲外の日付です"
            "（1873年1月1日から2999年12月31日までの日付を入力してください）"
        )
    return d


class Era(NamedTuple):
    name: str
    initial: str
    start: date


ERAS: tuple[Era, ...] = (
    Era("明治", "M", date(1868, 1, 25)),
    Era("大正", "T", date(1912, 7, 30)),
    Era("昭和", "S", date(1926, 12, 25)),
    Era("平成", "H", date(1989, 1, 8)),
    Era("令和", "R", date(2019, 5, 1)),
)

_ERA_BY_KEY: dict[str, Era] = {e.name: e for e in ERAS} | {e.initial: e for e in ERAS}


class EraDateError(ValueError):
    """Invalid or unsupported date input; ``args[0]`` is a Japanese message for the user."""


def _era_index(d: date) -> int:
    if d < EARLIEST_SUPPORTED_DATE:
        raise EraDateError(
            f"{d.isoformat()}は対応範囲外の日付です（1873年1月1日以降の日付を入力してください）"
        )
    for index in range(len(ERAS) - 1, -1, -1):
        if ERAS[index].start <= d:
            return index
    raise AssertionError("unreachable: the first era starts before EARLIEST_SUPPORTED_DATE")


def era_of(d: date) -> tuple[str, int]:
    """Return (era name, era year), e.g. date(2019, 5, 1) -> ("令和", 1)."""
    era = ERAS[_era_index(d)]
    return era.name, d.year - era.start.year + 1


def _year_text(era_year: int) -> str:
    return "元" if era_year == 1 else str(era_year)


def format_wareki(d: date) -> str:
    """Format as e.g. "令和元年5月1日"."""
    name, year = era_of(d)
    return f"{name}{_year_text(year)}年{d.month}月{d.day}日"


def format_wareki_short(d: date) -> str:
    """Format as e.g. "R1.5.1"."""
    era = ERAS[_era_index(d)]
    return f"{era.initial}{d.year - era.start.year + 1}.{d.month}.{d.day}"


def format_wareki_month(d: date) -> str:
    """Format as e.g. "平成30年4月"."""
    name, year = era_of(d)
    return f"{name}{_year_text(year)}年{d.month}月"


def fiscal_year(moment: date | datetime) -> int:
    """Return the April-start fiscal year containing ``moment`` (datetimes judged in Tokyo)."""
    if isinstance(moment, datetime):
        if moment.tzinfo is None or moment.utcoffset() is None:
            # Guessing the zone of a naive datetime would misfile records near midnight.
            raise ValueError("fiscal_year() needs an aware datetime, got a naive one")
        moment = moment.astimezone(TOKYO).date()
    return moment.year if moment.month >= 4 else moment.year - 1


def fiscal_year_dates(fy: int) -> tuple[date, date]:
    """Return the first and last day (inclusive) of fiscal year ``fy``."""
    return date(fy, 4, 1), date(fy + 1, 3, 31)


def fiscal_year_bounds(fy: int) -> tuple[datetime, datetime]:
    """Return the half-open Tokyo range [fy-04-01 00:00, (fy+1)-04-01 00:00)."""
    return datetime(fy, 4, 1, tzinfo=TOKYO), datetime(fy + 1, 4, 1, tzinfo=TOKYO)


def date_range_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """Return the half-open Tokyo range [start 00:00, end + 1 day 00:00) for an inclusive range."""
    check_supported(start)
    check_supported(end)
    if end < start:
        raise EraDateError(
            f"終了日（{end.isoformat()}）が開始日（{start.isoformat()}）より前になっています"
        )
    after_end = end + timedelta(days=1)
    return (
        datetime(start.year, start.month, start.day, tzinfo=TOKYO),
        datetime(after_end.year, after_end.month, after_end.day, tzinfo=TOKYO),
    )


def fiscal_year_label(fy: int) -> str:
    """Return e.g. "平成30年度", naming the fiscal year after the era of its calendar year.

    This follows government usage: 2019年度 is 令和元年度 although April 2019 was still 平成31年,
    and 1988年度 stays 昭和63年度 although it ended in 平成元年.
    """
    for era in reversed(ERAS):
        if era.start.year <= fy:
            return f"{era.name}{_year_text(fy - era.start.year + 1)}年度"
    raise EraDateError(f"{fy}年度は対応範囲外です")


def fiscal_year_label_western(fy: int) -> str:
    """Return e.g. "2018年度"."""
    return f"{fy}年度"


# Dash look-alikes that IMEs and word processors produce where a hyphen was meant.
_DASHES = str.maketrans(dict.fromkeys("‐‑‒–—―−ー", "-"))

_NUM = r"\d{1,2}"
_ERA_YEAR = r"(?P<year>\d{1,3}|元)"
_ERA_KEY = r"(?P<era>明治|大正|昭和|平成|令和|[MTSHRmtshr])"

# Each pattern matches the date at the start of the text; what follows is the optional time.
# The first two are numeric forms, after which ISO 8601's "T" may introduce the time.
_WESTERN_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"(?P<year>\d{{4}})(?P<sep>[-/.])(?P<month>{_NUM})(?P=sep)(?P<day>{_NUM})"),
    re.compile(r"(?P<year>\d{4})(?P<month>\d{2})(?P<day>\d{2})(?!\d)"),
    re.compile(rf"(?P<year>\d{{4}})\s*年\s*(?P<month>{_NUM})\s*月\s*(?P<day>{_NUM})\s*日"),
)
_ERA_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(rf"{_ERA_KEY}{_ERA_YEAR}(?P<sep>[-/.])(?P<month>{_NUM})(?P=sep)(?P<day>{_NUM})"),
    re.compile(rf"{_ERA_KEY}\s*{_ERA_YEAR}\s*年\s*(?P<month>{_NUM})\s*月\s*(?P<day>{_NUM})\s*日"),
)
_TIME = re.compile(r"(?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?")

# Keeps error messages readable when a whole pasted paragraph ends up in a date field.
_MAX_QUOTED = 40


def _quote(text: str) -> str:
    shown = text if len(text) <= _MAX_QUOTED else text[:_MAX_QUOTED] + "…"
    return f"「{shown}」"


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(_DASHES).strip()


def _date_from_match(m: re.Match[str], era_key: str | None, original: str) -> date:
    month, day = int(m["month"]), int(m["day"])
    if era_key is None:
        try:
            return date(int(m["year"]), month, day)
        except ValueError:
            raise EraDateError(f"{_quote(original)}は存在しない日付です") from None

    era = _ERA_BY_KEY[era_key.upper() if era_key.isascii() else era_key]
    era_year = 1 if m["year"] == "元" else int(m["year"])
    try:
        result = date(era.start.year + era_year - 1, month, day)
    except ValueError:
        raise EraDateError(f"{_quote(original)}は存在しない日付です") from None
    index = ERAS.index(era)
    era_end = ERAS[index + 1].start if index + 1 < len(ERAS) else date.max
    if not era.start <= result < era_end:
        raise EraDateError(f"{_quote(original)}は{era.name}の期間外の日付です")
    if result < EARLIEST_SUPPORTED_DATE:
        raise EraDateError(
            f"{_quote(original)}は対応範囲外の日付です"
            "（明治6年（1873年）1月1日以降の日付を入力してください）"
        )
    return result


def _split(text: str) -> tuple[date, time | None]:
    original = text.strip()
    normalised = _normalise(text)
    if not normalised:
        raise EraDateError("日付が入力されていません")

    found: tuple[re.Match[str], bool] | None = None
    for pattern in _WESTERN_PATTERNS:
        if m := pattern.match(normalised):
            found = (m, False)
            break
    else:
        for pattern in _ERA_PATTERNS:
            if m := pattern.match(normalised):
                found = (m, True)
                break
    if found is None:
        raise EraDateError(f"{_quote(original)}は日付として読み取れません")

    m, is_era = found
    rest = normalised[m.end() :]
    iso_like = m.re in _WESTERN_PATTERNS[:2]
    if rest and not (rest[0].isspace() or (rest[0] == "T" and iso_like)):
        raise EraDateError(f"{_quote(original)}は日付として読み取れません")
    d = _date_from_match(m, m["era"] if is_era else None, original)

    clock = rest[1:].strip()
    if not clock:
        return d, None
    tm = _TIME.fullmatch(clock)
    if tm is None:
        raise EraDateError(f"{_quote(original)}の時刻が正しくありません（例: 14:30）")
    try:
        return d, time(int(tm["hour"]), int(tm["minute"]), int(tm["second"] or 0))
    except ValueError:
        raise EraDateError(f"{_quote(original)}の時刻が正しくありません（例: 14:30）") from None


def parse_date(text: str) -> date:
    """Parse a date written in Western or Japanese-era notation (see the tests for examples).

    A trailing midnight time ("2018-04-02 00:00:00") is accepted because spreadsheets export
    date cells that way; any other time is rejected rather than silently dropped.
    """
    d, clock = _split(text)
    if clock is not None and clock != time(0, 0):
        raise EraDateError(
            f"{_quote(text.strip())}には時刻が含まれています。日付のみを入力してください"
        )
    return check_supported(d)


def parse_datetime(text: str) -> datetime:
    """Parse a date as ``parse_date`` does, optionally followed by HH:MM[:SS], as Tokyo time."""
    d, clock = _split(text)
    return datetime.combine(d, clock or time(0, 0), tzinfo=TOKYO)
