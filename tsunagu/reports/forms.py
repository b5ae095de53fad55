"""Forms of statistics: the period asked for (page and API alike) and a reporting group."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagu.consultations.codes import Channel
from tsunagu.core.eras import fiscal_year_dates
from tsunagu.core.forms import StyledForm, validate_supported_date

# Long enough for a five-year trend, short enough that one request stays cheap.
MAX_YEARS = 5
EARLIEST_FISCAL_YEAR = 1989
LATEST_FISCAL_YEAR = 2100
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Period:
    start: date
    end: date
    fiscal_year: int | None = None


class IsoDateField(forms.DateField):
    """Exactly YYYY-MM-DD, as the API documents and date inputs send; nothing looser."""

    def to_python(self, value: Any) -> date | None:
        if isinstance(value, str) and value and not _ISO_DATE.fullmatch(value.strip()):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        day = super().to_python(value)
        if day is not None:
            validate_supported_date(day)
        return day


def _years_later(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


class PeriodForm(forms.Form):
    """A fiscal year (年度) or an inclusive from/to range, never both.

    The field names are those of the API's query string (``from`` is a Python keyword, hence
    the fields are added in ``__init__``). Without ``default_fiscal_year`` a missing period is
    an error, as the API wants; the page passes the current fiscal year.
    """

    def __init__(self, *args: Any, default_fiscal_year: int | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.default_fiscal_year = default_fiscal_year
        self.fields["fiscal_year"] = forms.IntegerField(
            label=_("Fiscal year"),
            required=False,
            min_value=EARLIEST_FISCAL_YEAR,
            max_value=LATEST_FISCAL_YEAR,
        )
        date_field = {"required": False, "input_formats": ["%Y-%m-%d"]}
        self.fields["from"] = IsoDateField(label=_("From"), **date_field)  # type: ignore[arg-type]
        self.fields["to"] = IsoDateField(label=_("To"), **date_field)  # type: ignore[arg-type]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.errors:
            return data
        year, start, end = data.get("fiscal_year"), data.get("from"), data.get("to")
        if year is not None and (start is not None or end is not None):
            self.add_error(
                "fiscal_year", _("Give either a fiscal year or a from/to range, not both.")
            )
            return data
        if year is not None:
            return data
        if start is None and end is None:
            if self.default_fiscal_year is None:
                message = _("Give a fiscal year, or both from and to.")
                self.add_error("from", message)
                self.add_error("to", message)
            return data
        if start is None:
            self.add_error("from", _("Give the first day of the range."))
        elif end is None:
            self.add_error("to", _("Give the last day of the range."))
        elif end < start:
            self.add_error("to", _("The last day comes before the first day."))
        elif end >= _years_later(start, MAX_YEARS):
            self.add_error(
                "to", _("A range may span at most %(years)d years.") % {"years": MAX_YEARS}
            )
        return data

    @property
    def period(self) -> Period:
        """The period asked for: the default fiscal year when unbound, else after is_valid()."""
        data = self.cleaned_data if self.is_bound else {}
        if data.get("from") is not None:
            return Period(start=data["from"], end=data["to"])
        year = data.get("fiscal_year") or self.default_fiscal_year
        assert year is not None
        start, end = fiscal_year_dates(year)
        return Period(start=start, end=end, fiscal_year=year)

    def error_list(self) -> list[dict[str, str]]:
        """The errors in the API's format: [{"field", "message"}]."""
        return [
            {"field": name, "message": str(message)}
            for name, messages in self.errors.items()
            for message in messages
        ]


class ReportingGroupForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=50)
    channels = forms.MultipleChoiceField(
        label=_("Channels"),
        choices=Channel.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("The row counts the consultations of these channels together."),
    )
    position = forms.IntegerField(
        label=_("Order"),
        min_value=0,
        max_value=999,
        initial=0,
        help_text=_("Rows are shown in this order, after the channels."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # StyledForm's form-control would stretch each checkbox of the list.
        self.fields["channels"].widget.attrs["class"] = "form-check-input"
