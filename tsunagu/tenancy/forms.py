from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from tsunagu.core.forms import StyledForm
from tsunagu.tenancy.codes import OrganizationKind, Role
from tsunagu.tenancy.models import Municipality, Organization


class OrganizationForm(StyledForm):
    name = forms.CharField(label=_("Name"), max_length=100)
    kind = forms.ChoiceField(label=_("Kind"), choices=OrganizationKind.choices)
    is_contractor = forms.BooleanField(
        label=_("Operates under contract with the city (委託先)"), required=False
    )


class _MembershipFields(StyledForm):
    role = forms.ChoiceField(label=_("Role"), choices=Role.choices)
    organization: forms.ModelChoiceField[Organization] = forms.ModelChoiceField(
        label=_("Organization"), queryset=Organization.objects.none(), required=False
    )

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["organization"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = Organization.objects.filter(municipality=municipality)


class MembershipCreateForm(_MembershipFields):
    username = forms.RegexField(
        label=_("Username"),
        max_length=150,
        regex=r"^[\w.@+-]+\Z",
        error_messages={"invalid": _("Use letters, digits and @ . + - _ only.")},
    )
    display_name = forms.CharField(label=_("Display name"), max_length=100, required=False)
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput(render_value=True),
        error_messages={"required": _("A new account needs an initial password.")},
        help_text=_("The member changes it after the first log-in."),
    )
    field_order = ["username", "display_name", "password", "role", "organization"]

    def __init__(self, *args: Any, municipality: Municipality, **kwargs: Any) -> None:
        super().__init__(*args, municipality=municipality, **kwargs)
        # A new member starts on no role at all: the admin chooses one, so nobody becomes
        # an admin (the first choice) by leaving the picker as it was.
        role = self.fields["role"]
        assert isinstance(role, forms.ChoiceField)
        role.choices = [("", _("— choose a role —")), *Role.choices]
        role.error_messages["required"] = _("Choose the member's role.")


class MembershipUpdateForm(_MembershipFields):
    is_active = forms.BooleanField(label=_("Active"), required=False)


def validation_error_to_form(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, field by field where it can."""
    if hasattr(error, "error_dict"):
        for field, errors in error.error_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
