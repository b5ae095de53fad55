"""Calendar rules of places, programmes and meeting series: RFC 5545 rules, Japanese holidays.

The one module that turns a schedule (an RRULE with local start and end times and a holiday
policy) plus closed dates into the dates it is held on, that converts the Japanese way of
saying a rule (毎週水曜, 毎月第2火曜と第4木曜, 最終日曜, 隔月第3水曜) to and from an RRULE, and that
says a rule back in words (毎月第1水曜 13:30〜15:00、祝日は休み). Pure functions: no database.
"""

import functools
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

import jpholiday
from dateutil.rrule import rrule, rrulestr
from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

SKIP = "skip"
KEEP = "keep"
HOLIDAY_POLICIES = (SKIP, KEEP)


class Holidays(models.TextChoices):
    SKIP = SKIP, gettext_lazy("Closed on holidays and 12/29–1/3")
    KEEP = KEEP, gettext_lazy("Held on holidays too")


# RFC 5545 day codes in Monday-first order (dateutil's weekday numbers).
DAY_CODES = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
DAY_NAMES = (
    pgettext_lazy("schedule", "Mon"),
    pgettext_lazy("schedule", "Tue"),
    pgettext_lazy("schedule", "Wed"),
    pgettext_lazy("schedule", "Thu"),
    pgettext_lazy("schedule", "Fri"),
    pgettext_lazy("schedule", "Sat"),
    pgettext_lazy("schedule", "Sun"),
)
# Months between two occurrences of a monthly rule: every month, 隔月, every quarter.
MONTH_INTERVALS = (1, 2, 3)
# Which week of the month: 1..5 counted from the start, -1 the last.
NTHS = (1, 2, 3, 4, 5, -1)
NTH_NAMES = {
    1: pgettext_lazy("schedule", "1st"),
    2: pgettext_lazy("schedule", "2nd"),
    3: pgettext_lazy("schedule", "3rd"),
    4: pgettext_lazy("schedule", "4th"),
    5: pgettext_lazy("schedule", "5th"),
    -1: pgettext_lazy("schedule", "last"),
}
# Rules are computed at most this far in one call (the API's limit is 400 days).
MAX_SPAN_DAYS = 366 * 30
_FIRST_YEAR, _LAST_YEAR = 1873, 2999


class RuleError(ValueError):
    """A rule that cannot be used; the message says why (shown next to the field)."""


@dataclass(frozen=True)
class Schedule:
    """One calendar rule: the RRULE text (no DTSTART), local times, holiday policy.

    `starts_on` anchors the rule (INTERVAL counts from it) and is its first possible day;
    `ends_on`, when given, its last.
    """

    rrule: str
    start: time
    end: time
    holidays: str = SKIP
    starts_on: date = date(2000, 1, 1)
    ends_on: date | None = None


@dataclass(frozen=True, order=True)
class Occurrence:
    date: date
    start: time
    end: time


def is_year_end_closure(day: date) -> bool:
    """12月29日–1月3日, when municipal offices and most places close."""
    return (day.month == 12 and day.day >= 29) or (day.month == 1 and day.day <= 3)


@functools.cache
def _holidays_of(year: int) -> frozenset[date]:
    """Every day of `year` jpholiday calls a holiday, asked once per year and process (asking
    day by day made materializing a year of sessions for many places several times slower)."""
    day, found = date(year, 1, 1), set()
    while day.year == year:
        if jpholiday.is_holiday(day):
            found.add(day)
        day += timedelta(days=1)
    return frozenset(found)


def is_holiday(day: date) -> bool:
    """A 国民の祝日・休日 (振替休日 and 国民の休日 included) or the year-end closure."""
    return is_year_end_closure(day) or day in _holidays_of(day.year)


def _strip(text: str) -> str:
    text = text.strip()
    if text.upper().startswith("RRULE:"):
        text = text[6:]
    return text


@functools.lru_cache(maxsize=4096)
def _compiled(body: str, starts_on: date) -> rrule | object:
    """dateutil's rule of an RRULE text, parsed once per text and first day (a place's rules
    are read again for every period asked of it). Rules are not changed once made."""
    return rrulestr(body, dtstart=datetime.combine(starts_on, time()))


def parse_rule(text: str, *, starts_on: date = date(2000, 1, 1)) -> rrule:
    """The dateutil rule of an RRULE text; RuleError for anything not a usable RRULE."""
    body = _strip(text)
    if not body:
        raise RuleError(_("Enter a rule."))
    if "\n" in body or "\r" in body:
        raise RuleError(_("A rule is one line."))
    upper = body.upper()
    if "DTSTART" in upper or upper.startswith(("EXDATE", "RDATE")):
        raise RuleError(_("Give only the RRULE part; the first day is set separately."))
    try:
        rule = _compiled(body, starts_on)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as exc:
        raise RuleError(_("This is not a valid RRULE: %(error)s") % {"error": exc}) from exc
    if not isinstance(rule, rrule):
        raise RuleError(_("Give a single RRULE."))
    if _parts(body).get("FREQ") not in ("YEARLY", "MONTHLY", "WEEKLY", "DAILY"):
        raise RuleError(_("Use a daily, weekly, monthly or yearly rule."))
    return rule


def _parts(body: str) -> dict[str, str]:
    return dict(p.split("=", 1) for p in body.upper().split(";") if "=" in p)


def validate(schedule: Schedule) -> dict[str, str]:
    """Field name → message for each problem of a schedule (empty when it can be used)."""
    problems: dict[str, str] = {}
    try:
        parse_rule(schedule.rrule, starts_on=schedule.starts_on)
    except RuleError as exc:
        problems["rrule"] = str(exc)
    if schedule.end <= schedule.start:
        problems["end"] = _("The end must be after the start.")
    if schedule.holidays not in HOLIDAY_POLICIES:
        problems["holidays"] = _("Choose skip or keep.")
    if not _FIRST_YEAR <= schedule.starts_on.year <= _LAST_YEAR:
        problems["starts_on"] = _("Enter a date between 1873 and 2999.")
    if schedule.ends_on is not None and schedule.ends_on < schedule.starts_on:
        problems["ends_on"] = _("The last day must not be before the first.")
    return problems


def dates(schedule: Schedule, first: date, last: date) -> Iterator[date]:
    """The days of `schedule` from `first` to `last` inclusive, before holidays are applied."""
    first = max(first, schedule.starts_on)
    if schedule.ends_on is not None:
        last = min(last, schedule.ends_on)
    if last < first:
        return
    if (last - first).days > MAX_SPAN_DAYS:
        raise RuleError(_("The period is too long."))
    rule = parse_rule(schedule.rrule, starts_on=schedule.starts_on)
    for moment in rule.between(
        datetime.combine(first, time()), datetime.combine(last, time()), inc=True
    ):
        yield moment.date()


def occurrences(
    schedules: Iterable[Schedule],
    first: date,
    last: date,
    *,
    closed_dates: Iterable[date] = (),
) -> list[Occurrence]:
    """Every held occurrence of `schedules` from `first` to `last` inclusive, in order.

    A `skip` schedule leaves out holidays and the year-end closure; closed dates are always
    left out; two schedules giving the same day and times give one occurrence.
    """
    closed = set(closed_dates)
    found: set[Occurrence] = set()
    for schedule in schedules:
        for day in dates(schedule, first, last):
            if day in closed or (schedule.holidays == SKIP and is_holiday(day)):
                continue
            found.add(Occurrence(day, schedule.start, schedule.end))
    return sorted(found)


# --- the Japanese way of saying a rule -----------------------------------------------------


@dataclass(frozen=True)
class Practice:
    """A rule as a Japanese place would say it.

    kind "weekly": every (or every other, interval 2) week on `days` (0 = Monday);
    kind "monthly": every month (every 2 or 3 months, interval) on the (nth, day) pairs of
    `nths` (-1 = last);
    kind "daily": every day.
    """

    kind: str
    days: tuple[int, ...] = ()
    nths: tuple[tuple[int, int], ...] = ()
    interval: int = 1


def to_rrule(practice: Practice) -> str:
    """The RRULE text of a rule said the Japanese way."""
    if practice.kind == "daily":
        return "FREQ=DAILY"
    if practice.kind == "weekly":
        if not practice.days:
            raise RuleError(_("Choose at least one day of the week."))
        days = ",".join(DAY_CODES[d] for d in sorted(set(practice.days)))
        interval = f";INTERVAL={practice.interval}" if practice.interval > 1 else ""
        return f"FREQ=WEEKLY{interval};BYDAY={days}"
    if practice.kind == "monthly":
        if not practice.nths:
            raise RuleError(_("Choose at least one week and day."))
        for n, _d in practice.nths:
            if n not in NTHS:
                raise RuleError(_("Choose the 1st to 5th or the last week."))
        if practice.interval not in MONTH_INTERVALS:
            raise RuleError(_("Choose every month, every two months or every three months."))
        pairs = sorted(set(practice.nths), key=lambda p: (p[0] if p[0] > 0 else 9, p[1]))
        interval = f";INTERVAL={practice.interval}" if practice.interval > 1 else ""
        return f"FREQ=MONTHLY{interval};BYDAY=" + ",".join(f"{n}{DAY_CODES[d]}" for n, d in pairs)
    raise RuleError(_("Unknown kind of rule."))


_BYDAY = re.compile(r"([+-]?\d)?(MO|TU|WE|TH|FR|SA|SU)")


def to_practice(text: str) -> Practice | None:
    """The rule said the Japanese way, or None when the form cannot say it (kept as RRULE)."""
    try:
        parse_rule(text)
    except RuleError:
        return None
    parts = _parts(_strip(text))
    if set(parts) - {"FREQ", "BYDAY", "INTERVAL", "WKST"}:
        return None
    interval = int(parts.get("INTERVAL", "1"))
    plain: set[int] = set()
    nth: set[tuple[int, int]] = set()
    for token in filter(None, parts.get("BYDAY", "").split(",")):
        match = _BYDAY.fullmatch(token)
        if match is None:
            return None
        day = DAY_CODES.index(match.group(2))
        if match.group(1):
            nth.add((int(match.group(1)), day))
        else:
            plain.add(day)
    freq = parts["FREQ"]
    if freq == "DAILY" and "BYDAY" not in parts and interval == 1:
        return Practice("daily")
    if freq == "WEEKLY" and plain and not nth and interval in (1, 2):
        return Practice("weekly", days=tuple(sorted(plain)), interval=interval)
    if freq == "MONTHLY" and nth and not plain and interval in MONTH_INTERVALS:
        if any(n not in NTHS for n, _d in nth):
            return None
        return Practice("monthly", nths=tuple(sorted(nth)), interval=interval)
    return None


def _days_in_words(days: tuple[int, ...]) -> str:
    # Three or more consecutive days read as a range (月〜金); others are listed (月・水).
    ordered = sorted(set(days))
    if len(ordered) >= 3 and ordered == list(range(ordered[0], ordered[-1] + 1)):
        return pgettext("schedule", "%(first)s to %(last)s") % {
            "first": DAY_NAMES[ordered[0]],
            "last": DAY_NAMES[ordered[-1]],
        }
    return pgettext("schedule", ", ").join(str(DAY_NAMES[d]) for d in ordered)


def describe_rule(text: str) -> str:
    """The rule alone in words: 毎週水曜, 隔週土曜, 毎月第2火曜と第4木曜, 毎月最終日曜."""
    practice = to_practice(text)
    if practice is None:
        return _("By the rule %(rrule)s") % {"rrule": _strip(text)}
    if practice.kind == "daily":
        return _("Every day")
    if practice.kind == "weekly":
        days = _days_in_words(practice.days)
        if practice.interval == 2:
            return _("Every other week on %(days)s") % {"days": days}
        return _("Every week on %(days)s") % {"days": days}
    pairs = [
        pgettext("schedule", "the %(nth)s %(day)s") % {"nth": NTH_NAMES[n], "day": DAY_NAMES[d]}
        for n, d in practice.nths
    ]
    days = pgettext("schedule", " and ").join(pairs)
    if practice.interval == 2:
        return _("Every other month on %(days)s") % {"days": days}
    if practice.interval == 3:
        return _("Every three months on %(days)s") % {"days": days}
    return _("Every month on %(days)s") % {"days": days}


def describe(schedule: Schedule) -> str:
    """The schedule in words: 毎月第1水曜 13:30〜15:00、祝日は休み."""
    holidays = _("closed on holidays") if schedule.holidays == SKIP else _("held on holidays")
    return _("%(rule)s %(start)s–%(end)s, %(holidays)s") % {
        "rule": describe_rule(schedule.rrule),
        "start": schedule.start.strftime("%H:%M"),
        "end": schedule.end.strftime("%H:%M"),
        "holidays": holidays,
    }


def days_between(first: date, last: date) -> Iterator[date]:
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)


__all__ = [
    "HOLIDAY_POLICIES",
    "KEEP",
    "SKIP",
    "Holidays",
    "Occurrence",
    "Practice",
    "RuleError",
    "Schedule",
    "describe",
    "describe_rule",
    "is_holiday",
    "is_year_end_closure",
    "occurrences",
    "parse_rule",
    "to_practice",
    "to_rrule",
    "validate",
]
