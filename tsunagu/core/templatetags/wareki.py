"""Template filter for 和暦: {{ day|wareki }} → 令和7年11月26日."""

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
