from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.cases.models import Case
from tsunagu.core.forms import (
    JapaneseDateField,
    JapaneseDateInput,
    StyledForm,
    validate_supported_date,
)
from tsunagu.network.codes import REFERRAL_MOVES, Destination, MeetingKind, ReferralStatus
from tsunagu.network.models import LegalBasis, Meeting, MeetingBody, Referral, SupportMeeting
from tsunagu.people.models import Consent
from tsunagu.policy.casework import consent_in_force
from tsunagu.tenancy.models import Membership, Municipality, Organization


class SupportMeetingForm(StyledForm):
    title = forms.CharField(label=_("Title"), max_length=100)
    legal_basis = forms.ChoiceField(label=_("Legal basis"), choices=LegalBasis.choices)
    held_on = JapaneseDateField(label=_("Held on"), widget=JapaneseDateInput())
    ends_on = JapaneseDateField(
        label=_("Sharing ends on"),
        required=False,
        widget=JapaneseDateInput(),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("ends_on") and data.get("held_on") and data["ends_on"] < data["held_on"]:
            self.add_error("ends_on", _("The end must not be before the meeting."))
        return data


class _MemberChoice:
    def label_from_instance(self, obj: Membership) -> str:
        org = f"（{obj.organization.name}）" if obj.organization else ""
        return f"{obj.user} — {obj.get_role_display()}{org}"


class _OwnerChoice(_MemberChoice, forms.ModelChoiceField[Membership]):
    pass


class _MemberChoices(forms.ModelMultipleChoiceField[Membership]):
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


class PartnerProfileForm(StyledForm):
    destination = forms.ChoiceField(label=_("Kind of destination"), choices=Destination.choices)
    contact = forms.CharField(label=_("Contact"), max_length=200, required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    offers = forms.CharField(label=_("What they offer"), required=False, widget=forms.Textarea)
    opening_hours = forms.CharField(label=_("Opening hours"), max_length=200, required=False)


class _ConsentChoice(forms.ModelChoiceField[Consent]):
    def label_from_instance(self, obj: Consent) -> str:
        names = "・".join(o.name for o in obj.organizations.all())
        return _("Consent from %(day)s to %(names)s") % {"day": obj.valid_from, "names": names}


class ReferralForm(StyledForm):
    """つなぎ from one case: the consents and meetings offered are those in force for it."""

    destination = forms.ChoiceField(label=_("Destination"), choices=Destination.choices)
    organization: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        label=_("Receiving organization"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("Needed to share anything: the organization whose staff will read it."),
    )
    purpose = forms.CharField(label=_("Purpose"), widget=forms.Textarea(attrs={"rows": 3}))
    consent = _ConsentChoice(
        label=_("Consent that allows sharing"), queryset=Consent.objects.none(), required=False
    )
    meeting: forms.ModelChoiceField[SupportMeeting] = forms.ModelChoiceField(
        label=_("Support meeting that allows sharing"),
        queryset=SupportMeeting.objects.none(),
        required=False,
    )
    shared = forms.CharField(
        label=_("What is shared"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("The receiving organization reads this; leave empty to share nothing."),
    )
    requested_on = JapaneseDateField(label=_("Requested on"), widget=JapaneseDateInput())

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        today = timezone.localdate()
        organization = self.fields["organization"]
        consent = self.fields["consent"]
        meeting = self.fields["meeting"]
        assert isinstance(organization, forms.ModelChoiceField)
        assert isinstance(consent, forms.ModelChoiceField)
        assert isinstance(meeting, forms.ModelChoiceField)
        organization.queryset = Organization.objects.filter(municipality_id=case.municipality_id)
        consent.queryset = Consent.objects.filter(
            consent_in_force(today=today), person_id=case.person_id
        ).prefetch_related("organizations")
        meeting.queryset = SupportMeeting.objects.filter(
            Q(ends_on__isnull=True) | Q(ends_on__gte=today), cases=case, held_on__lte=today
        )


class ReferralAnswerForm(StyledForm):
    status = forms.ChoiceField(label=_("New status"), required=False)
    note = forms.CharField(
        label=_("Feedback"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, referral: Referral, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        status = self.fields["status"]
        assert isinstance(status, forms.ChoiceField)
        status.choices = [("", _("(no change)"))] + [
            (code, label)
            for code, label in ReferralStatus.choices
            if code in REFERRAL_MOVES[referral.status]
        ]


class MeetingForm(StyledForm):
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    body: forms.ModelChoiceField[MeetingBody] = forms.ModelChoiceField(
        label=_("Body"), queryset=MeetingBody.objects.none(), required=False
    )
    title = forms.CharField(label=_("Title"), max_length=100)
    held_on = JapaneseDateField(label=_("Held on"), widget=JapaneseDateInput())
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    agenda = forms.CharField(
        label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        body = self.fields["body"]
        assert isinstance(body, forms.ModelChoiceField)
        body.queryset = MeetingBody.objects.filter(municipality=municipality)


class MeetingRecordForm(StyledForm):
    agenda = forms.CharField(
        label=_("Agenda"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    minutes = forms.CharField(
        label=_("Minutes of the meeting"), required=False, widget=forms.Textarea(attrs={"rows": 8})
    )
    decisions = forms.CharField(
        label=_("Decisions"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    present: forms.ModelMultipleChoiceField[Organization] = forms.ModelMultipleChoiceField(
        label=_("Attended"),
        queryset=Organization.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, meeting: Meeting, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        present = self.fields["present"]
        assert isinstance(present, forms.ModelMultipleChoiceField)
        present.queryset = Organization.objects.filter(municipality_id=meeting.municipality_id)


class ActionItemForm(StyledForm):
    what = forms.CharField(label=_("What"), widget=forms.Textarea(attrs={"rows": 2}))
    owner = _OwnerChoice(label=_("Owner"), queryset=Membership.objects.none())
    due_on = JapaneseDateField(label=_("Due on"), widget=JapaneseDateInput())

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        owner = self.fields["owner"]
        assert isinstance(owner, _OwnerChoice)
        owner.queryset = Membership.objects.filter(
            municipality=municipality, is_active=True
        ).select_related("user", "organization")


class SeriesForm(StyledForm):
    """A meeting series without its rule (the rule: tsunagu.core.schedule_forms.ScheduleForm)."""

    title = forms.CharField(label=_("Title"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=MeetingKind.choices)
    body: forms.ModelChoiceField[MeetingBody] = forms.ModelChoiceField(
        label=_("Body"), queryset=MeetingBody.objects.none(), required=False
    )
    place = forms.CharField(label=_("Place"), max_length=100, required=False)
    starts_on = JapaneseDateField(
        label=_("From"),
        widget=JapaneseDateInput(),
        help_text=_("The first possible day; every other month counts from it."),
        validators=[validate_supported_date],
    )
    ends_on = JapaneseDateField(
        label=_("Until"),
        widget=JapaneseDateInput(),
        required=False,
        validators=[validate_supported_date],
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        body = self.fields["body"]
        assert isinstance(body, forms.ModelChoiceField)
        body.queryset = MeetingBody.objects.filter(municipality=municipality)


class MailServerForm(StyledForm):
    host = forms.CharField(label=_("Host"), max_length=200)
    port = forms.IntegerField(label=_("Port"), min_value=1, max_value=65535, initial=587)
    use_tls = forms.BooleanField(label=_("Use TLS (STARTTLS)"), required=False, initial=True)
    username = forms.CharField(label=_("User name"), max_length=200, required=False)
    password = forms.CharField(
        label=_("Password"),
        required=False,
        max_length=200,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Leave blank to keep the password stored; it is never shown."),
    )
    forget_password = forms.BooleanField(label=_("Remove the stored password"), required=False)
    from_address = forms.EmailField(label=_("Sender address"))
