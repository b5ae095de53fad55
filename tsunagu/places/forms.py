"""Forms of places: the place (its schedules and session changes: tsunagu.core.schedule_forms)."""

from collections.abc import Sequence
from datetime import date, time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagu.core.forms import StyledForm, validate_supported_date
from tsunagu.places.codes import Access, PlaceKind
from tsunagu.tenancy.models import Membership

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


class BookingForm(StyledForm):
    """Book a free slot of a consultation day for a case with a visiting professional."""

    slot = forms.ChoiceField(label=_("Slot"))
    case = forms.IntegerField(label=_("Case number"), min_value=1)
    professional = forms.ChoiceField(label=_("Visiting professional"))

    def __init__(
        self,
        *args: Any,
        free: Sequence[tuple[time, time]],
        professionals: Sequence[Membership],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        slot, professional = self.fields["slot"], self.fields["professional"]
        assert isinstance(slot, forms.ChoiceField) and isinstance(professional, forms.ChoiceField)
        slot.choices = [(f"{start:%H:%M}", f"{start:%H:%M}〜{end:%H:%M}") for start, end in free]
        professional.choices = [(str(m.pk), str(m.user)) for m in professionals]
