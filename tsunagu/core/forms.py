"""Form helpers shared by every app."""

from datetime import date, datetime
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

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


class JapaneseDateInput(forms.TextInput):
    """A date typed as people write it (令和7年4月1日, R7.4.1, 2025/4/1) or chosen in a picker.

    The text box takes any notation `eras.parse_date` reads; `static/tsunagu/date_input.js` adds
    a calendar button beside it and shows the date back in 和暦 as it is typed.
    """

    template_name = "core/widgets/japanese_date.html"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        defaults = {
            "data-date-input": "",
            "autocomplete": "off",
            "spellcheck": "false",
            "placeholder": _("e.g. R7.4.1 or 2025-04-01"),
        }
        super().__init__(attrs={**defaults, **(attrs or {})})

    def format_value(self, value: Any) -> str | None:
        if isinstance(value, date):
            return value.isoformat()
        formatted: str | None = super().format_value(value)
        return formatted


class JapaneseDateField(forms.DateField):
    """A date field that reads 和暦 and Western notations and refuses unsupported dates."""

    widget = JapaneseDateInput

    def to_python(self, value: Any) -> date | None:
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        try:
            return eras.parse_date(str(value))
        except eras.EraDateError as exc:
            raise ValidationError(str(exc), code="invalid") from None


def form_refusal(form: forms.BaseForm) -> ValidationError:
    """The errors of an invalid form as one ValidationError, each message naming its field
    (for an answer that is not the form's own page: a queued export refused)."""
    messages: list[str] = []
    for name, errors in form.errors.items():
        label = form.fields[name].label if name in form.fields else None
        messages.extend(f"{label}: {message}" if label else str(message) for message in errors)
    return ValidationError(messages)
