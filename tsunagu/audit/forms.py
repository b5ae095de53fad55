"""Forms of the audit screens: find a person's accesses, choose a member and a period."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.audit.models import AccessAction
from tsunagu.core.forms import JapaneseDateField, JapaneseDateInput, StyledForm
from tsunagu.tenancy.models import Membership, Municipality

# A leak report rarely covers more than a few years; a bound keeps one export reasonable.
MAX_PERIOD_DAYS = 366 * 5


def _member_label(member: Membership) -> str:
    return f"{member.user} ({member.user.username}, {member.get_role_display()})"


class PersonNumberForm(StyledForm):
    number = forms.IntegerField(label=_("Person number"), min_value=1)


class CaseNumberForm(StyledForm):
    case = forms.IntegerField(label=_("Case number"), min_value=1)


class MemberPeriodForm(StyledForm):
    """The log's filters: a period, and optionally one member and one kind of action."""

    member: forms.ModelChoiceField[Membership] = forms.ModelChoiceField(
        label=_("Member"),
        queryset=Membership.objects.none(),
        required=False,
        empty_label=_("Every member"),
    )
    start = JapaneseDateField(label=_("From"), widget=JapaneseDateInput())
    end = JapaneseDateField(label=_("To (inclusive)"), widget=JapaneseDateInput())
    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("Every action")), *AccessAction.choices],
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["member"]
        assert isinstance(field, forms.ModelChoiceField)
        # Former members too: a leak report often concerns someone who has left.
        field.queryset = Membership.objects.filter(municipality=municipality).select_related("user")
        field.label_from_instance = _member_label  # type: ignore[method-assign,assignment]
        if not self.is_bound:
            today = timezone.localdate()
            self.initial.setdefault("start", today.replace(day=1))
            self.initial.setdefault("end", today)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start: date | None = data.get("start")
        end: date | None = data.get("end")
        if start and end:
            if end < start:
                self.add_error("end", _("The end comes before the start."))
            elif (end - start).days > MAX_PERIOD_DAYS:
                self.add_error("end", _("Choose a period of at most five years."))
        return data
