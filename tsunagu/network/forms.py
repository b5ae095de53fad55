from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tsunagu.cases.models import Case
from tsunagu.core.forms import StyledForm
from tsunagu.network.models import LegalBasis
from tsunagu.tenancy.models import Membership, Municipality


class SupportMeetingForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=100)
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    held_on = forms.DateField(label=_("Held on"), widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(
        label=_("Sharing ends on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("ends_on") and data.get("held_on") and data["ends_on"] < data["held_on"]:
            self.add_error("ends_on", _("The end must not be before the meeting."))
        return data


class _MemberChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Membership) -> str:
        org = f"（{obj.organization.name}）" if obj.organization else ""
        return f"{obj.user} — {obj.get_role_display()}{org}"


class SupportMeetingListingForm(forms.Form):
    cases: forms.ModelMultipleChoiceField[Case] = forms.ModelMultipleChoiceField(
        label=_("Cases shared at this meeting"),
        queryset=Case.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    members = _MemberChoices(
        label=_("Members"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cases = self.fields["cases"]
        members = self.fields["members"]
        assert isinstance(cases, forms.ModelMultipleChoiceField)
        assert isinstance(members, _MemberChoices)
        cases.queryset = Case.objects.filter(municipality=municipality).select_related("person")
        members.queryset = Membership.objects.filter(
            municipality=municipality, is_active=True
        ).select_related("user", "organization")
