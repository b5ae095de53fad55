"""Forms of the survey screens: a round, a district, and a district's answer from paper."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagu.core.forms import JapaneseDateField, JapaneseDateInput
from tsunagu.surveys.codes import Duration, SurveyAgeBand, SurveyGender


class SurveyForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    conducted_on = JapaneseDateField(label=_("Conducted on"), widget=JapaneseDateInput())


class DistrictForm(forms.Form):
    name = forms.CharField(label=_("District"), max_length=50)
    volunteers = forms.CharField(
        label=_("民生委員・福祉委員 covering it"), max_length=200, required=False
    )


class AnswerForm(forms.Form):
    """One number per age band and gender, one per duration: the paper questionnaire's grid."""

    answered_on = JapaneseDateField(label=_("Answered on"), widget=JapaneseDateInput())
    known_to_center = forms.IntegerField(
        label=_("Of them known to the center"), min_value=0, initial=0
    )
    notes = forms.CharField(
        label=_("Notes (no names)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Never write a name or an address here."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for band, band_label in SurveyAgeBand.choices:
            for gender, gender_label in SurveyGender.choices:
                self.fields[f"n_{band}_{gender}"] = forms.IntegerField(
                    label=f"{band_label} {gender_label}", min_value=0, required=False
                )
        for code, label in Duration.choices:
            self.fields[f"d_{code}"] = forms.IntegerField(label=label, min_value=0, required=False)
        for field in self.fields.values():
            field.widget.attrs.setdefault("class", "form-control form-control-sm")

    def grid(self) -> list[tuple[str, list[forms.BoundField]]]:
        return [
            (str(label), [self[f"n_{band}_{g}"] for g in SurveyGender.values])
            for band, label in SurveyAgeBand.choices
        ]

    def duration_fields(self) -> list[forms.BoundField]:
        return [self[f"d_{code}"] for code in Duration.values]

    def service_fields(self) -> dict[str, Any]:
        c = self.cleaned_data
        counts = {
            band: {g: c.get(f"n_{band}_{g}") or 0 for g in SurveyGender.values}
            for band in SurveyAgeBand.values
        }
        return {
            "counts": counts,
            "durations": {d: c.get(f"d_{d}") or 0 for d in Duration.values},
            "known_to_center": c["known_to_center"],
            "notes": c.get("notes", ""),
            "answered_on": c["answered_on"],
        }

    @staticmethod
    def initial_from(answer: Any) -> dict[str, Any]:
        initial: dict[str, Any] = {
            "answered_on": answer.answered_on,
            "known_to_center": answer.known_to_center,
            "notes": answer.notes,
        }
        for band, by_gender in (answer.counts or {}).items():
            for gender, n in by_gender.items():
                initial[f"n_{band}_{gender}"] = n
        for code, n in (answer.durations or {}).items():
            initial[f"d_{code}"] = n
        return initial
