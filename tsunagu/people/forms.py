"""Forms of persons, family members and consents: a person's number is assigned, not typed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.core.forms import JapaneseDateField, JapaneseDateInput, StyledForm
from tsunagu.people.codes import AgeBand, Background, Gender, GuidelineAxis, Relation
from tsunagu.people.models import Consent, FamilyMember, Person
from tsunagu.people.scans import scan_kind
from tsunagu.tenancy.models import Municipality, Organization

AXIS_PREFIX = "axis_"


# Kept for the forms that import it: the one date widget of Tsunagu.
DateInput = JapaneseDateInput


class PersonForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    name_kana = forms.CharField(label=_("Name (kana)"), max_length=100, required=False)
    birth_date = JapaneseDateField(label=_("Date of birth"), required=False, widget=DateInput())
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


class ConsentForm(StyledForm):
    """A consent as the person gave it: to whom, for what, from when, and the signed form's scan."""

    organizations: forms.ModelMultipleChoiceField[Organization] = forms.ModelMultipleChoiceField(
        label=_("Recipients"),
        queryset=Organization.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    purposes = forms.CharField(
        label=_("Purposes"),
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What the recipients may use the information for."),
    )
    valid_from = JapaneseDateField(label=_("From"), initial=timezone.localdate, widget=DateInput())
    valid_until = JapaneseDateField(
        label=_("Until"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty when the consent has no end date."),
    )
    form = forms.ChoiceField(label=_("Form of consent"), choices=Consent.Form.choices)
    document = forms.FileField(
        label=_("Scanned document"),
        required=False,
        widget=forms.FileInput(attrs={"accept": ".pdf,.jpg,.jpeg,.png"}),
        # The limit is SCAN_MAX_BYTES; a lazy string cannot be %-formatted at import time.
        help_text=_("PDF, JPEG or PNG, at most 10 MB."),
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organizations"]
        assert isinstance(field, forms.ModelMultipleChoiceField)
        field.queryset = Organization.objects.filter(municipality=municipality)
        field.widget.attrs["class"] = "form-check-input"

    def clean_document(self) -> UploadedFile[bytes] | None:
        document: UploadedFile[bytes] | None = self.cleaned_data.get("document")
        if document is not None:
            scan_kind(document)
        return document

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("valid_from"), data.get("valid_until")
        if start and end and end < start:
            self.add_error("valid_until", _("The end date cannot be before the start date."))
        return data

    def consent_fields(self) -> dict[str, Any]:
        """The cleaned data as keyword arguments of consent_record."""
        data = self.cleaned_data
        return {
            "organizations": list(data["organizations"]),
            "purposes": data["purposes"],
            "valid_from": data["valid_from"],
            "valid_until": data["valid_until"],
            "form": data["form"],
            "document": data["document"],
        }
