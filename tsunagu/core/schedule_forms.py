"""Forms of calendar rules shared by places, programmes and meeting series.

`ScheduleForm` says a rule the Japanese way (毎週水曜, 毎月第2火曜と第4木曜, 隔月第3水曜) and
turns it into the RRULE of `tsunagu.core.schedules`; `OccurrenceChangeForm` cancels or moves
one occurrence with a reason.
"""

from datetime import time
from typing import Any, Protocol

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagu.core import schedules
from tsunagu.core.forms import (
    JapaneseDateField,
    JapaneseDateInput,
    StyledForm,
    validate_supported_date,
)

WEEKDAYS = [(str(i), name) for i, name in enumerate(schedules.DAY_NAMES)]
NTH_CHOICES = [("", "—")] + [(str(n), schedules.NTH_NAMES[n]) for n in schedules.NTHS]
DAY_CHOICES = [("", "—"), *WEEKDAYS]
# The form's monthly patterns and the months between two occurrences.
MONTHLY_INTERVAL = {"monthly": 1, "bimonthly": 2, "quarterly": 3}
MONTHLY_PATTERNS = {n: pattern for pattern, n in MONTHLY_INTERVAL.items()}


class RuleLike(Protocol):
    """A stored rule: a place's schedule or a meeting series."""

    rrule: str
    start: time
    end: time
    holidays: str


class ScheduleForm(StyledForm):
    """One schedule the Japanese way: 毎週 [曜日], 毎月 (隔月, 3か月ごと) 第n [曜日], or RRULE."""

    pattern = forms.ChoiceField(
        label=_("Repeats"),
        required=False,
        choices=[
            ("", _("(not used)")),
            ("weekly", _("every week")),
            ("biweekly", _("every other week")),
            ("monthly", _("every month on the nth weekday")),
            ("bimonthly", _("every other month on the nth weekday")),
            ("quarterly", _("every three months on the nth weekday")),
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
        label=_("holidays"), choices=schedules.Holidays.choices, initial=schedules.SKIP
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["days"].widget.attrs.pop("class", None)

    @staticmethod
    def initial_for(rule: "RuleLike") -> dict[str, Any]:
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
            initial["pattern"] = MONTHLY_PATTERNS[practice.interval]
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
            elif pattern in MONTHLY_INTERVAL:
                pairs = []
                for i in (1, 2):
                    n, d = data.get(f"nth{i}"), data.get(f"day{i}")
                    if n and d:
                        pairs.append((int(n), int(d)))
                    elif n or d:
                        self.add_error(f"day{i}", _("Choose both the week and the day."))
                text = schedules.to_rrule(
                    schedules.Practice(
                        "monthly", nths=tuple(pairs), interval=MONTHLY_INTERVAL[pattern]
                    )
                )
            else:
                text = "FREQ=DAILY"
        except schedules.RuleError as exc:
            self.add_error("nth1" if pattern in MONTHLY_INTERVAL else "days", str(exc))
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


class OccurrenceChangeForm(StyledForm):
    """Cancel or move one occurrence of a rule (a session, a meeting of a series), with a reason."""

    action = forms.ChoiceField(
        label=_("Change"),
        choices=[("cancel", _("Cancel this session")), ("move", _("Move this session"))],
    )
    date = JapaneseDateField(
        label=_("date"),
        required=False,
        widget=JapaneseDateInput(),
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
