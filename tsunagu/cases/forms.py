"""Forms of casework: opening a case, and the small forms of each action on its page."""

import uuid
from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.cases.codes import OPEN_STAGES, ClosureReason, ReferralSource, RiskKind
from tsunagu.core.forms import JapaneseDateField, StyledForm
from tsunagu.people.codes import Relation
from tsunagu.people.forms import DateInput
from tsunagu.people.models import FamilyMember, Person
from tsunagu.tenancy.models import Membership

STAGE_CHOICES = [(s.value, s.label) for s in OPEN_STAGES]


class MemberChoiceField(forms.ModelChoiceField[Membership]):
    def label_from_instance(self, obj: Any) -> str:
        name = str(obj.user)
        return f"{name} ({obj.get_role_display()})"


class MembersChoiceField(forms.ModelMultipleChoiceField[Membership]):
    def label_from_instance(self, obj: Any) -> str:
        name = str(obj.user)
        return f"{name} ({obj.get_role_display()})"


class FamilyChoiceField(forms.ModelMultipleChoiceField[FamilyMember]):
    def label_from_instance(self, obj: Any) -> str:
        return str(obj)


class CaseOpenForm(StyledForm):
    """Open a case for a known person, or for a family before the person is met."""

    person_number = forms.IntegerField(
        label=_("Person number"),
        required=False,
        min_value=1,
        help_text=_("Leave empty and tick the box below when the person is not known yet."),
    )
    new_person = forms.BooleanField(
        label=_("Create an unknown person (known only through the family or others)"),
        required=False,
    )
    new_person_name = forms.CharField(
        label=_("Name of the new person, if known"), max_length=100, required=False
    )
    family_relation = forms.ChoiceField(
        label=_("Who consults: relation"),
        choices=[("", "—"), *Relation.choices],
        required=False,
    )
    family_name = forms.CharField(label=_("Their name"), max_length=100, required=False)
    family_phone = forms.CharField(label=_("Their phone"), max_length=30, required=False)
    opened_on = JapaneseDateField(label=_("Opened on"), widget=DateInput())
    referral_source = forms.ChoiceField(label=_("Referral source"), choices=ReferralSource.choices)
    goal = forms.CharField(
        label=_("Goal in the person's or family's own words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    primary = MemberChoiceField(
        label=_("Primary staff"), queryset=Membership.objects.none(), required=False
    )
    others = MembersChoiceField(
        label=_("Other staff"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 4}),
    )
    is_shared = forms.BooleanField(
        label=_("Shared with the center's counselors"), required=False, initial=True
    )
    # One token per form served: sent twice (a double click), it opens one case.
    submission = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)

    def __init__(
        self,
        *args: Any,
        persons: QuerySet[Person],
        assignable: QuerySet[Membership],
        person: Person | None = None,
        may_assign: bool = False,
        **kwargs: Any,
    ) -> None:
        initial = kwargs.setdefault("initial", {})
        initial.setdefault("opened_on", timezone.localdate())
        initial.setdefault("submission", uuid.uuid4().hex)
        super().__init__(*args, **kwargs)
        self.persons = persons
        self.person = person
        if person is not None:
            for name in ("person_number", "new_person", "new_person_name"):
                del self.fields[name]
        if may_assign:
            primary = self.fields["primary"]
            others = self.fields["others"]
            assert isinstance(primary, forms.ModelChoiceField)
            assert isinstance(others, forms.ModelMultipleChoiceField)
            primary.queryset = assignable
            others.queryset = assignable
        else:
            for name in ("primary", "others", "is_shared"):
                del self.fields[name]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.person is not None:
            data["person"] = self.person
            return data
        number, new = data.get("person_number"), data.get("new_person")
        if number and new:
            self.add_error(
                "new_person", _("Give a person number or create a new person, not both.")
            )
        elif not number and not new:
            self.add_error(
                "person_number", _("Give the person's number, or create an unknown person.")
            )
        elif number:
            data["person"] = self.persons.filter(number=number).first()
            if data["person"] is None:
                self.add_error("person_number", _("No person with this number."))
        if (data.get("family_name") or data.get("family_phone")) and not data.get(
            "family_relation"
        ):
            self.add_error("family_relation", _("Say how they are related to the person."))
        return data


class StageForm(StyledForm):
    to_stage = forms.ChoiceField(label=_("New stage"), choices=STAGE_CHOICES)
    reason = forms.CharField(
        label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2})
    )


class PlanItemForm(StyledForm):
    what = forms.CharField(label=_("What"), widget=forms.Textarea(attrs={"rows": 2}))
    who = forms.CharField(label=_("Who"), max_length=100, required=False)
    due_on = JapaneseDateField(label=_("By when"), required=False, widget=DateInput())
    review_on = JapaneseDateField(label=_("Review on"), required=False, widget=DateInput())


class PlanReviewForm(StyledForm):
    note = forms.CharField(label=_("Review note"), widget=forms.Textarea(attrs={"rows": 2}))
    next_review_on = JapaneseDateField(
        label=_("Next review on"), required=False, widget=DateInput()
    )
    done = forms.BooleanField(label=_("Done"), required=False)


class RiskRaiseForm(StyledForm):
    kind = forms.ChoiceField(label=_("Risk"), choices=RiskKind.choices)
    detail = forms.CharField(
        label=_("Details"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class RiskClearForm(StyledForm):
    note = forms.CharField(label=_("Why it is cleared"), widget=forms.Textarea(attrs={"rows": 2}))


class CloseForm(StyledForm):
    reason = forms.ChoiceField(label=_("Closure reason"), choices=ClosureReason.choices)
    closed_on = JapaneseDateField(label=_("Closed on"), widget=DateInput())
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("closed_on", timezone.localdate())
        super().__init__(*args, **kwargs)


class ReopenForm(StyledForm):
    stage = forms.ChoiceField(label=_("Reopen at stage"), choices=STAGE_CHOICES)
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class CaseEditForm(StyledForm):
    goal = forms.CharField(
        label=_("Goal in the person's or family's own words"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    referral_source = forms.ChoiceField(label=_("Referral source"), choices=ReferralSource.choices)
    family_members = FamilyChoiceField(
        label=_("Family members and contacts in this case"),
        queryset=FamilyMember.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    is_shared = forms.BooleanField(label=_("Shared with the center's counselors"), required=False)
    # The case's version when the form was opened: a save after someone else's is refused.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=0)

    def __init__(self, *args: Any, person: Person, may_restrict: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        family = self.fields["family_members"]
        assert isinstance(family, forms.ModelMultipleChoiceField)
        family.queryset = FamilyMember.objects.filter(person=person)
        family.widget.attrs["class"] = "form-check-input"
        if not may_restrict:
            del self.fields["is_shared"]


class AssignForm(StyledForm):
    primary = MemberChoiceField(label=_("Primary staff"), queryset=Membership.objects.none())
    others = MembersChoiceField(
        label=_("Other staff"),
        queryset=Membership.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, assignable: QuerySet[Membership], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        primary = self.fields["primary"]
        others = self.fields["others"]
        assert isinstance(primary, forms.ModelChoiceField)
        assert isinstance(others, forms.ModelMultipleChoiceField)
        primary.queryset = assignable
        others.queryset = assignable
        others.widget.attrs["class"] = "form-check-input"
