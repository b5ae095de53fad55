"""Forms of consultations: the quick entry of a call, the list's filter, the import upload."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.cases.models import Case
from tsunagu.cases.policy import visible_cases, visible_persons
from tsunagu.consultations.codes import Channel, Consulter
from tsunagu.consultations.importer import SUPPORTED_SUFFIXES
from tsunagu.core.eras import EraDateError, parse_date
from tsunagu.core.forms import StyledForm, validate_supported_date
from tsunagu.people.codes import Relation
from tsunagu.people.models import Person
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
        help_text=_("Enter saves; Shift+Enter starts a new line."),
    )
    next_action = forms.CharField(label=_("Next action"), required=False, max_length=500)
    next_action_on = forms.DateField(
        label=_("Next action on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
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
        person_field.queryset = visible_persons(member)
        case_field.queryset = visible_cases(member)
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


def _optional_date(value: str) -> date | None:
    if not value.strip():
        return None
    try:
        return parse_date(value)
    except EraDateError as exc:
        raise forms.ValidationError(exc.args[0]) from None


class ConsultationFilterForm(StyledForm):
    date_from = forms.CharField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.CharField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
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
