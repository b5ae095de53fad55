"""Forms of the supporters screens: the registry, a dispatch request, approval, activity logs."""

import re
from datetime import time
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.core.forms import JapaneseDateField, JapaneseDateInput
from tsunagu.people.codes import AgeBand, Gender
from tsunagu.programmes.codes import FOR_SUPPORTERS, ProgrammeKind
from tsunagu.supporters.codes import (
    Accompaniment,
    SupporterActivity,
    SupporterBackground,
    SupporterStatus,
    Weekday,
)
from tsunagu.supporters.models import Supporter
from tsunagu.supporters.services import WeeklySlot

WEEKDAYS = Weekday.labels
TIME = forms.TimeInput(attrs={"type": "time", "class": "form-control form-control-sm"})


def split_names(text: str) -> list[str]:
    """「将棋、料理」, "将棋, 料理" or one per line → ["将棋", "料理"]."""
    return [part.strip() for part in re.split(r"[、,，\n]+", text) if part.strip()]


class WeeklySlotsMixin(forms.Form):
    """One from/until pair per weekday; a day left empty is not available."""

    def add_slot_fields(self, initial: list[WeeklySlot]) -> None:
        by_day = {s.weekday: s for s in initial}
        for day in range(7):
            slot = by_day.get(day)
            self.fields[f"day{day}_start"] = forms.TimeField(
                label=WEEKDAYS[day], required=False, widget=TIME, initial=slot and slot.start
            )
            self.fields[f"day{day}_end"] = forms.TimeField(
                label=WEEKDAYS[day], required=False, widget=TIME, initial=slot and slot.end
            )

    def slot_rows(self) -> list[tuple[str, forms.BoundField, forms.BoundField]]:
        return [(str(WEEKDAYS[d]), self[f"day{d}_start"], self[f"day{d}_end"]) for d in range(7)]

    def clean_slots(self, cleaned: dict[str, Any]) -> list[WeeklySlot]:
        slots = []
        for day in range(7):
            start: time | None = cleaned.get(f"day{day}_start")
            end: time | None = cleaned.get(f"day{day}_end")
            if start is None and end is None:
                continue
            if start is None or end is None or end <= start:
                self.add_error(f"day{day}_end", _("Give a start and an end after it."))
                continue
            slots.append(WeeklySlot(day, start, end))
        return slots


class SupporterForm(WeeklySlotsMixin):
    name = forms.CharField(label=_("Name"), max_length=100)
    background = forms.ChoiceField(label=_("Background"), choices=SupporterBackground.choices)
    qualification = forms.CharField(label=_("Qualification"), max_length=100, required=False)
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=Gender.UNKNOWN)
    age_band = forms.ChoiceField(
        label=_("Age"), choices=[("", "—"), *AgeBand.choices], required=False
    )
    peer = forms.BooleanField(label=_("Has lived experience (peer, UFE)"), required=False)
    areas = forms.CharField(
        label=_("Areas they can reach"), help_text=_("Separate with 、 or commas.")
    )
    skills = forms.CharField(
        label=_("Interests and skills"), required=False, help_text=_("e.g. 将棋、料理、学習支援")
    )
    activities = forms.MultipleChoiceField(
        label=_("What they will do"),
        choices=SupporterActivity.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    external_training = forms.CharField(
        label=_("Training elsewhere"), max_length=200, required=False
    )
    max_active = forms.IntegerField(label=_("Dispatches at a time"), min_value=0, initial=1)
    pledged_on = JapaneseDateField(
        label=_("Pledge of secrecy signed on"),
        required=False,
        widget=JapaneseDateInput(),
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=SupporterStatus.choices, initial=SupporterStatus.PAUSED
    )
    person_id = forms.IntegerField(
        label=_("Person record (former client or family)"),
        required=False,
        min_value=1,
        help_text=_("The number of the person record, for a supporter with lived experience."),
    )
    # The completed supporter course this registration comes from (修了者から登録).
    course = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, slots: list[WeeklySlot] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.add_slot_fields(slots or [])
        for name, field in self.fields.items():
            if not name.startswith("day") and not isinstance(
                field.widget, forms.CheckboxInput | forms.CheckboxSelectMultiple
            ):
                field.widget.attrs.setdefault("class", "form-control")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["availability"] = self.clean_slots(cleaned)
        cleaned["areas"] = split_names(cleaned.get("areas", ""))
        cleaned["skills"] = split_names(cleaned.get("skills", ""))
        if not cleaned["areas"] and "areas" not in self.errors:
            self.add_error("areas", _("Name at least one."))
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        return {k: v for k, v in data.items() if not k.startswith("day") and k != "course"}


class DispatchRequestForm(WeeklySlotsMixin):
    purpose = forms.CharField(
        label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"})
    )
    area = forms.CharField(label=_("Area"), max_length=50)
    wants_gender = forms.ChoiceField(
        label=_("Wished gender"),
        choices=[
            ("", _("No wish")),
            (Gender.FEMALE, Gender.FEMALE.label),
            (Gender.MALE, Gender.MALE.label),
        ],
        required=False,
    )
    wants_peer = forms.BooleanField(
        label=_("Wishes for a supporter with lived experience"), required=False
    )
    wants_skills = forms.CharField(label=_("Interests of the person"), required=False)
    accompaniment = forms.ChoiceField(
        label=_("Staff going along"), choices=Accompaniment.choices, required=False
    )
    refused: "forms.ModelMultipleChoiceField[Supporter]" = forms.ModelMultipleChoiceField(
        label=_("Supporters the person refused"),
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, supporters: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["refused"].queryset = supporters  # type: ignore[attr-defined]
        self.add_slot_fields([])
        for name in ("area", "wants_gender", "wants_skills", "accompaniment"):
            self.fields[name].widget.attrs["class"] = "form-control"

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        cleaned["when"] = self.clean_slots(cleaned)
        if not cleaned["when"] and not self.errors:
            raise forms.ValidationError(_("Give at least one day and time."))
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        c = self.cleaned_data
        wants: dict[str, Any] = {"skills": split_names(c.get("wants_skills", ""))}
        if c.get("wants_gender"):
            wants["gender"] = c["wants_gender"]
        if c.get("wants_peer"):
            wants["peer"] = True
        return {
            "purpose": c["purpose"],
            "area": c["area"],
            "when": c["when"],
            "wants": wants,
            "refused": list(c.get("refused") or []),
            "accompaniment": c.get("accompaniment", ""),
        }


class ApprovalForm(forms.Form):
    request = forms.IntegerField(widget=forms.HiddenInput)
    proposed = forms.IntegerField(widget=forms.HiddenInput, required=False)
    supporter = forms.IntegerField(label=_("Supporter"))
    briefing = forms.CharField(
        label=_("Briefing released to the supporter"),
        required=False,
        max_length=500,
        help_text=_("Only this text is shown to the supporter; never the case file."),
    )
    override_reason = forms.CharField(
        label=_("Reason for choosing another"), required=False, max_length=300
    )


class ActivityLogForm(forms.Form):
    date = JapaneseDateField(label=_("Date"), widget=JapaneseDateInput())
    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    went_with = forms.CharField(label=_("Who went"), max_length=100, required=False)
    what_happened = forms.CharField(
        label=_("What happened"), widget=forms.Textarea(attrs={"rows": 3})
    )
    response = forms.CharField(
        label=_("The person's response"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    next_step = forms.CharField(label=_("Next step"), required=False, max_length=300)
    travel_yen = forms.IntegerField(label=_("Travel costs (yen)"), min_value=0, initial=0)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"date": timezone.localdate()})
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")


class SupporterMeetingForm(forms.Form):
    """A session of a supporter meeting (定例ミーティング) or follow-up training."""

    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(k.value, k.label) for k in FOR_SUPPORTERS],
        initial=ProgrammeKind.SUPPORTER_MEETING,
    )
    name = forms.CharField(
        label=_("Name"), max_length=100, help_text=_("e.g. 定例ミーティング 2026年度")
    )
    day = JapaneseDateField(label=_("Date"), widget=JapaneseDateInput())
    start = forms.TimeField(label=_("From"), widget=forms.TimeInput(attrs={"type": "time"}))
    end = forms.TimeField(label=_("Until"), widget=forms.TimeInput(attrs={"type": "time"}))
    title = forms.CharField(label=_("Theme"), max_length=100, required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and end <= start:
            self.add_error("end", _("The end must be after the start."))
        return cleaned
