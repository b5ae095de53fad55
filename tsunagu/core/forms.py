"""Form helpers shared by every app."""

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone

from tsunagu.core import eras


class StyledForm(forms.Form):
    """Adds Bootstrap's classes so templates can render `{{ field }}` as is."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()


def validate_supported_date(value: date | datetime) -> None:
    """Refuse dates Tsunagu cannot record (e.g. year 1 or 9999) as an input error."""
    day = value
    if isinstance(value, datetime):
        day = timezone.localtime(value).date() if timezone.is_aware(value) else value.date()
    try:
        eras.check_supported(day)
    except eras.EraDateError as exc:
        raise ValidationError(str(exc), code="unsupported_date") from None
