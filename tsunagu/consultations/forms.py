"""Forms of consultations: the quick entry of a call, the list's filter, the import upload."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.cases.models import Case
from tsunagu.consultations.codes import Channel, Consulter, MainConcern
from tsunagu.consultations.importer import SUPPORTED_SUFFIXES
from tsunagu.consultations.models import Consultation
from tsunagu.core.eras import EraDateError, parse_date
from tsunagu.core.forms import (
    JapaneseDateField,
    JapaneseDateInput,
    StyledForm,
    validate_supported_date,
)
from tsunagu.people.codes import AgeBand, Gender, Relation
from tsunagu.people.models import Person
from tsunagu.policy import visible
from tsunagu.tenancy.models import Membership

# Whole minutes of a single contact; a day is already far more than any call or visit.
MAX_MINUTES = 24 * 60


def normalize_newlines(text: str) -> str:
    """Browsers send a textarea's new lines as CRLF; store them as LF like every other path."""
    return text.replace("\r\n", "\n").replace("\r", "\n")


def now_for_input() -> str:
    return timezone.localtime().strftime("%Y-%m-%dT%H:%M")


class ConsultationForm(StyledForm):
    """Fields in the order a call runs; everything but channel, consulter and time is optional."""

    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices, initial=Channel.PHONE)
    consulter = forms.ChoiceField(
        label=_("Who consulted"), choices=Consulter.choices, initial=Consulter.SELF
    )
    consulter_relation = forms.ChoiceField(
        label=_("Relation to the person"),
        choices=[("", _("Not known")), *Relation.choices],
        required=False,
    )
    main_concern = forms.ChoiceField(
        label=_("Main concern"),
        choices=[("", _("Not recorded")), *MainConcern.choices],
        required=False,
    )
    subject_age_band = forms.ChoiceField(
        label=_("Approximate age of the person"),
        choices=[("", _("Not recorded")), *AgeBand.choices],
        required=False,
    )
    subject_gender = forms.ChoiceField(
        label=_("Gender of the person"),
        choices=[("", _("Not recorded")), *Gender.choices],
        required=False,
    )
    person_query = forms.CharField(
        label=_("Find the person (number, name or kana)"), required=False, max_length=100
    )
    person: forms.ModelChoiceField[Person] = forms.ModelChoiceField(
        label=_("Person"),
        queryset=Person.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose the person from the search results.")},
    )
    case: forms.ModelChoiceField[Case] = forms.ModelChoiceField(
        label=_("Case"),
        queryset=Case.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose one of the person's cases.")},
    )
    minutes = forms.IntegerField(
        label=_("Minutes"), min_value=0, max_value=MAX_MINUTES, required=False
    )
    summary = forms.CharField(
        label=_("Summary"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Ctrl+Enter (⌘+Enter) saves; Enter starts a new line."),
    )
    next_action = forms.CharField(label=_("Next action"), required=False, max_length=500)
    next_action_on = JapaneseDateField(
        label=_("Next action on"),
        required=False,
        widget=JapaneseDateInput(),
        validators=[validate_supported_date],
    )
    occurred_at = forms.DateTimeField(
        label=_("When"),
        validators=[validate_supported_date],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )

    def __init__(self, *args: Any, member: Membership, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("occurred_at", now_for_input())
        super().__init__(*args, **kwargs)
        person_field = self.fields["person"]
        case_field = self.fields["case"]
        assert isinstance(person_field, forms.ModelChoiceField)
        assert isinstance(case_field, forms.ModelChoiceField)
        person_field.queryset = visible(member, Person)
        case_field.queryset = visible(member, Case)
        # Ready for the next call: the cursor starts at the first field.
        self.fields["channel"].widget.attrs["autofocus"] = True

    def mark_errors(self) -> None:
        """Point assistive technology at each field's error message."""
        for name in self.errors:
            if name in self.fields:
                attrs = self.fields[name].widget.attrs
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()
                attrs["aria-describedby"] = f"{self[name].id_for_label}_errors"

    def clean_summary(self) -> str:
        return normalize_newlines(self.cleaned_data.get("summary", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("consulter") != Consulter.FAMILY:
            data["consulter_relation"] = ""
        person, case = data.get("person"), data.get("case")
        if case is not None and person is not None and case.person_id != person.pk:
            self.add_error("case", _("The case belongs to another person."))
        if data.get("next_action_on") and not data.get("next_action"):
            self.add_error("next_action", _("Say what is to be done on that date."))
        return data


class ReasonField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Reason"))
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("error_messages", {"required": _("Say why the record is changed.")})
        super().__init__(**kwargs)


class ConsultationCorrectionForm(StyledForm):
    """訂正: the record's own fields, filled with its current values, and the reason."""

    occurred_at = forms.DateTimeField(
        label=_("When"),
        validators=[validate_supported_date],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
    )
    channel = forms.ChoiceField(label=_("Channel"), choices=Channel.choices)
    consulter = forms.ChoiceField(label=_("Who consulted"), choices=Consulter.choices)
    consulter_relation = forms.ChoiceField(
        label=_("Relation to the person"),
        choices=[("", _("Not known")), *Relation.choices],
        required=False,
    )
    main_concern = ConsultationForm.base_fields["main_concern"]
    subject_age_band = ConsultationForm.base_fields["subject_age_band"]
    subject_gender = ConsultationForm.base_fields["subject_gender"]
    minutes = forms.IntegerField(
        label=_("Minutes"), min_value=0, max_value=MAX_MINUTES, required=False
    )
    summary = forms.CharField(
        label=_("Summary"), required=False, widget=forms.Textarea(attrs={"rows": 6})
    )
    next_action = forms.CharField(label=_("Next action"), required=False, max_length=500)
    next_action_on = JapaneseDateField(
        label=_("Next action on"),
        required=False,
        widget=JapaneseDateInput(),
        validators=[validate_supported_date],
    )
    reason = ReasonField(
        help_text=_("Kept with the earlier version in the correction history."),
    )

    @classmethod
    def initial_of(cls, consultation: Consultation) -> dict[str, Any]:
        names = [name for name in cls.base_fields if name != "reason"]
        initial = {name: getattr(consultation, name) for name in names}
        initial["occurred_at"] = timezone.localtime(consultation.occurred_at).strftime(
            "%Y-%m-%dT%H:%M"
        )
        return initial

    def clean_summary(self) -> str:
        return normalize_newlines(self.cleaned_data.get("summary", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("consulter") != Consulter.FAMILY:
            data["consulter_relation"] = ""
        if data.get("next_action_on") and not data.get("next_action"):
            self.add_error("next_action", _("Say what is to be done on that date."))
        return data


class ConsultationLinkForm(StyledForm):
    """Link a call to the person (and case) named later; the quick entry's person search."""

    person: forms.ModelChoiceField[Person] = forms.ModelChoiceField(
        label=_("Person"),
        queryset=Person.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose the person from the search results.")},
    )
    case: forms.ModelChoiceField[Case] = forms.ModelChoiceField(
        label=_("Case"),
        queryset=Case.objects.none(),
        required=False,
        error_messages={"invalid_choice": _("Choose one of the person's cases.")},
    )
    reason = ReasonField(initial=_("The person became known."))

    def __init__(self, *args: Any, member: Membership, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        person_field = self.fields["person"]
        case_field = self.fields["case"]
        assert isinstance(person_field, forms.ModelChoiceField)
        assert isinstance(case_field, forms.ModelChoiceField)
        person_field.queryset = visible(member, Person)
        case_field.queryset = visible(member, Case)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        person, case = data.get("person"), data.get("case")
        if person is None and case is None and not self.has_error("person"):
            self.add_error("person", _("Choose the person from the search results."))
        if case is not None and person is not None and case.person_id != person.pk:
            self.add_error("case", _("The case belongs to another person."))
        return data


class ConsultationDeleteForm(StyledForm):
    reason = ReasonField(label=_("Reason for deletion"))


def _optional_date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return parse_date(value)
    except EraDateError as exc:
        raise forms.ValidationError(exc.args[0]) from None


class ConsultationFilterForm(StyledForm):
    date_from = forms.CharField(label=_("From"), required=False, widget=JapaneseDateInput())
    date_to = forms.CharField(label=_("To"), required=False, widget=JapaneseDateInput())
    channel = forms.ChoiceField(
        label=_("Channel"), choices=[("", _("All")), *Channel.choices], required=False
    )

    def clean_date_from(self) -> date | None:
        return _optional_date(self.cleaned_data.get("date_from", ""))

    def clean_date_to(self) -> date | None:
        return _optional_date(self.cleaned_data.get("date_to", ""))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("The end is before the start."))
        return data


class ImportUploadForm(StyledForm):
    file = forms.FileField(
        label=_("File (CSV in UTF-8, or XLSX)"),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(SUPPORTED_SUFFIXES)}),
    )
    force = forms.BooleanField(
        label=_("Import it even if this file was already imported"),
        help_text=_("Only when the earlier import of the same file was wrong."),
        required=False,
    )

    def clean_file(self) -> Any:
        upload = self.cleaned_data["file"]
        name = (upload.name or "").lower()
        if not name.endswith(SUPPORTED_SUFFIXES):
            raise forms.ValidationError(_("Upload a .csv or .xlsx file."))
        limit = settings.TSUNAGU_IMPORT_MAX_BYTES
        if upload.size is not None and upload.size > limit:
            raise forms.ValidationError(
                _(
                    "The file is %(size)s MB; at most %(max)s MB can be imported at once."
                    " Split it into smaller files."
                )
                % {"size": f"{upload.size / 1048576:,.0f}", "max": f"{limit / 1048576:,.0f}"}
            )
        return upload
