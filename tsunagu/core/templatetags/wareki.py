"""Template filters for 和暦: {{ day|wareki }} → 令和7年11月26日, {{ fy|fiscal_year_label }}."""

from datetime import date, datetime

from django import template
from django.utils import timezone

from tsunagu.core import eras

register = template.Library()


def _as_date(value: date | datetime) -> date:
    if isinstance(value, datetime):
        return timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    return value


@register.filter
def wareki(value: date | datetime | None) -> str:
    if not value:
        return ""
    try:
        return eras.format_wareki(_as_date(value))
    except eras.EraDateError:
        return _as_date(value).isoformat()


@register.filter
def wareki_short(value: date | datetime | None) -> str:
    if not value:
        return ""
    try:
        return eras.format_wareki_short(_as_date(value))
    except eras.EraDateError:
        return _as_date(value).isoformat()


@register.filter
def wareki_month(value: date | datetime | None) -> str:
    if not value:
        return ""
    return eras.format_wareki_month(_as_date(value))


@register.filter
def fiscal_year_label(value: int | None) -> str:
    return eras.fiscal_year_label(int(value)) if value else ""
