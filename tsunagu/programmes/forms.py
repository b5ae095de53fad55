"""Forms of programmes: a new programme with its sessions, a citizen's enrolment."""

from collections.abc import Sequence
from datetime import date, time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagu.core.forms import StyledForm
from tsunagu.programmes.codes import ProgrammeKind
from tsunagu.programmes.services import MeetingIn


class ProgrammeForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=100)
    kind = forms.ChoiceField(label=_("kind"), choices=ProgrammeKind.choices)
    capacity = forms.IntegerField(label=_("capacity"), min_value=1, required=False)
    min_sessions_to_complete = forms.IntegerField(
        label=_("sessions needed to complete"), min_value=1, required=False
    )
    public = forms.BooleanField(label=_("public"), required=False)
    description = forms.CharField(
        label=_("description"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    sessions = forms.CharField(
        label=_("sessions"),
        help_text=_("One per line: date start end title, e.g. 2026-05-13 13:30 15:00 第1回"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )

    def __init__(self, *args: Any, places: Sequence[Any] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["place"] = forms.ChoiceField(
            label=_("held at"),
            required=False,
            choices=[("", "—"), *((str(p.pk), p.name) for p in places)],
            widget=forms.Select(attrs={"class": "form-select"}),
        )

    def clean_sessions(self) -> list[MeetingIn]:
        meetings = []
        for n, line in enumerate(self.cleaned_data["sessions"].splitlines(), start=1):
            parts = line.split(maxsplit=3)
            if not parts:
                continue
            try:
                day = date.fromisoformat(parts[0])
                start = time.fromisoformat(parts[1])
                end = time.fromisoformat(parts[2])
            except (ValueError, IndexError):
                raise forms.ValidationError(
                    _("Line %(n)s: write the date, start and end, e.g. 2026-05-13 13:30 15:00."),
                    params={"n": n},
                ) from None
            if not 1873 <= day.year <= 2999:
                raise forms.ValidationError(
                    _("Line %(n)s: enter a date between 1873 and 2999."), params={"n": n}
                )
            if end <= start:
                raise forms.ValidationError(
                    _("Line %(n)s: the end must be after the start."), params={"n": n}
                )
            meetings.append(MeetingIn(day, start, end, parts[3] if len(parts) > 3 else ""))
        return meetings


class CitizenForm(StyledForm):
    name = forms.CharField(label=_("name"), max_length=100)
    contact = forms.CharField(
        label=_("contact"), max_length=200, required=False, help_text=_("Phone or e-mail.")
    )
