"""Forms of persons and family members: only the number is required, and it is assigned."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagu.core.forms import StyledForm
from tsunagu.people.codes import AgeBand, Background, Gender, GuidelineAxis, Relation
from tsunagu.people.models import FamilyMember, Person

AXIS_PREFIX = "axis_"


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs=attrs, format="%Y-%m-%d")


class PersonForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    name_kana = forms.CharField(label=_("Name (kana)"), max_length=100, required=False)
    birth_date = forms.DateField(label=_("Date of birth"), required=False, widget=DateInput())
    age_band = forms.ChoiceField(
        label=_("Estimated age"),
        choices=[("", "—"), *AgeBand.choices],
        required=False,
        help_text=_("Used when the date of birth is not known."),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Gender.choices, initial=Gender.UNKNOWN)
    district = forms.CharField(label=_("District"), max_length=50, required=False)
    household = forms.CharField(
        label=_("Household members"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    withdrawal_since_year = forms.IntegerField(
        label=_("Withdrawn since (year)"), required=False, min_value=1900, max_value=2100
    )
    withdrawal_since_month = forms.IntegerField(
        label=_("Withdrawn since (month)"), required=False, min_value=1, max_value=12
    )
    backgrounds = forms.MultipleChoiceField(
        label=_("Background"),
        choices=Background.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    background_note = forms.CharField(
        label=_("Background details"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for axis in GuidelineAxis:
            self.fields[AXIS_PREFIX + axis.value] = forms.CharField(
                label=axis.label,
                required=False,
                widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
            )
        self.fields["backgrounds"].widget.attrs["class"] = "form-check-input"

    @classmethod
    def initial_for(cls, person: Person) -> dict[str, Any]:
        initial: dict[str, Any] = {
            name: getattr(person, name)
            for name in cls.base_fields
            if name not in {"household", "background_note"}
        }
        initial["household"] = person.household or ""
        initial["background_note"] = person.background_note or ""
        for axis, text in (person.guideline_axes or {}).items():
            initial[AXIS_PREFIX + axis] = text
        return initial

    def axis_fields(self) -> list[forms.BoundField]:
        return [self[AXIS_PREFIX + axis.value] for axis in GuidelineAxis]

    def basic_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.base_fields]

    def person_fields(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments of person_create / person_update."""
        data = self.cleaned_data
        fields = {name: data[name] for name in self.base_fields}
        fields["guideline_axes"] = {
            axis.value: data[AXIS_PREFIX + axis.value].strip()
            for axis in GuidelineAxis
            if data.get(AXIS_PREFIX + axis.value, "").strip()
        }
        return fields


class FamilyMemberForm(StyledForm):
    relation = forms.ChoiceField(label=_("Relation"), choices=Relation.choices)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    name_kana = forms.CharField(label=_("Name (kana)"), max_length=100, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    consults_on_behalf = forms.BooleanField(
        label=_("Consults on the person's behalf"), required=False
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    @classmethod
    def initial_for(cls, member: FamilyMember) -> dict[str, Any]:
        return {name: getattr(member, name) or "" for name in cls.base_fields} | {
            "consults_on_behalf": member.consults_on_behalf
        }
