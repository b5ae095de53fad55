"""Forms of places: the place, its schedules said the Japanese way, session changes."""

from datetime import date
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagu.core.forms import StyledForm, validate_supported_date
from tsunagu.places import schedules
from tsunagu.places.codes import Access, Holidays, PlaceKind
from tsunagu.places.models import ScheduleRule

WEEKDAYS = [(str(i), name) for i, name in enumerate(schedules.DAY_NAMES)]
NTH_CHOICES = [("", "—")] + [(str(n), schedules.NTH_NAMES[n]) for n in schedules.NTHS]
DAY_CHOICES = [("", "—"), *WEEKDAYS]
SCHEDULE_ROWS = 3


class PlaceForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=PlaceKind.choices)
    access = forms.ChoiceField(label=_("access"), choices=Access.choices)
    capacity = forms.IntegerField(label=_("capacity"), min_value=1, required=False)
    organization = forms.CharField(label=_("operated by"), max_length=100, required=False)
    address = forms.CharField(label=_("address or room"), max_length=200, required=False)
    activities = forms.CharField(
        label=_("activities offered"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    public = forms.BooleanField(label=_("Publish its calendar without login"), required=False)
    closed_dates = forms.CharField(
        label=_("closed dates"),
        help_text=_("One date per line, e.g. 2026-08-14."),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def clean_closed_dates(self) -> list[date]:
        days = []
        for line in self.cleaned_data["closed_dates"].split():
            try:
                day = date.fromisoformat(line.strip())
            except ValueError:
                raise forms.ValidationError(
                    _("%(value)s is not a date (YYYY-MM-DD)."), params={"value": line}
                ) from None
            validate_supported_date(day)
            days.append(day)
        return days


class ScheduleForm(StyledForm):
    """One schedule as a Japanese place says it: 毎週 [曜日], 毎月 第n [曜日] (twice), or RRULE."""

    pattern = forms.ChoiceField(
        label=_("Repeats"),
        required=False,
        choices=[
            ("", _("(not used)")),
            ("weekly", _("every week")),
            ("biweekly", _("every other week")),
            ("monthly", _("every month on the nth weekday")),
            ("daily", _("every day")),
            ("rrule", _("other (RRULE)")),
        ],
    )
    days = forms.MultipleChoiceField(
        label=_("Days of the week"),
        choices=WEEKDAYS,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    nth1 = forms.ChoiceField(label=_("Week"), choices=NTH_CHOICES, required=False)
    day1 = forms.ChoiceField(label=_("Day"), choices=DAY_CHOICES, required=False)
    nth2 = forms.ChoiceField(label=_("and week"), choices=NTH_CHOICES, required=False)
    day2 = forms.ChoiceField(label=_("Day"), choices=DAY_CHOICES, required=False)
    rrule = forms.CharField(label=_("RRULE"), max_length=300, required=False)
    start = forms.TimeField(
        label=_("start"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=_("end"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    holidays = forms.ChoiceField(
        label=_("holidays"), choices=Holidays.choices, initial=Holidays.SKIP
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].widget.attrs.pop("class", None)

    @staticmethod
    def initial_for(rule: ScheduleRule) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "start": rule.start,
            "end": rule.end,
            "holidays": rule.holidays,
            "rrule": rule.rrule,
        }
        practice = schedules.to_practice(rule.rrule)
        if practice is None:
            initial["pattern"] = "rrule"
        elif practice.kind == "weekly":
            initial["pattern"] = "biweekly" if practice.interval == 2 else "weekly"
            initial["days"] = [str(d) for d in practice.days]
        elif practice.kind == "monthly":
            initial["pattern"] = "monthly"
            for i, (n, d) in enumerate(practice.nths[:2], start=1):
                initial[f"nth{i}"], initial[f"day{i}"] = str(n), str(d)
            if len(practice.nths) > 2:
                initial["pattern"] = "rrule"
        else:
            initial["pattern"] = "daily"
        return initial

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        pattern = data.get("pattern")
        if not pattern:
            return data
        for field in ("start", "end"):
            if data.get(field) is None and field not in self.errors:
                self.add_error(field, _("Enter a time."))
        try:
            if pattern == "rrule":
                text = data.get("rrule", "").strip()
            elif pattern in ("weekly", "biweekly"):
                text = schedules.to_rrule(
                    schedules.Practice(
                        "weekly",
                        days=tuple(int(d) for d in data.get("days", [])),
                        interval=2 if pattern == "biweekly" else 1,
                    )
                )
            elif pattern == "monthly":
                pairs = []
                for i in (1, 2):
                    n, d = data.get(f"nth{i}"), data.get(f"day{i}")
                    if n and d:
                        pairs.append((int(n), int(d)))
                    elif n or d:
                        self.add_error(f"day{i}", _("Choose both the week and the day."))
                text = schedules.to_rrule(schedules.Practice("monthly", nths=tuple(pairs)))
            else:
                text = "FREQ=DAILY"
        except schedules.RuleError as exc:
            self.add_error("days" if pattern != "monthly" else "nth1", str(exc))
            return data
        start, end = data.get("start"), data.get("end")
        if start is not None and end is not None:
            problems = schedules.validate(
                schedules.Schedule(text, start, end, data.get("holidays", "skip"))
            )
            for field, message in problems.items():
                self.add_error(field if field in self.fields else None, message)
        data["rrule"] = text
        return data


class SessionChangeForm(StyledForm):
    action = forms.ChoiceField(
        label=_("Change"),
        choices=[("cancel", _("Cancel this session")), ("move", _("Move this session"))],
    )
    date = forms.DateField(
        label=_("date"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        validators=[validate_supported_date],
    )
    start = forms.TimeField(
        label=_("start"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    end = forms.TimeField(
        label=_("end"), required=False, widget=forms.TimeInput(attrs={"type": "time"})
    )
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("action") == "move":
            for field in ("date", "start", "end"):
                if data.get(field) is None and field not in self.errors:
                    self.add_error(field, _("Needed to move the session."))
        return data
