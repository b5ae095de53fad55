"""The log-in form: allauth's, with the field named `username` as before (ids, axes, scripts)."""

from typing import Any

from allauth.account.forms import LoginForm as AllauthLoginForm
from django import forms
from django.utils.translation import gettext_lazy as _


class LoginForm(AllauthLoginForm):  # type: ignore[misc]  # allauth ships no types
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # allauth calls it "login"; "username" keeps #id_username for browser tests and lets
        # django-axes read the username it locks out.
        fields: dict[str, forms.Field] = self.fields  # type: ignore[has-type]
        username = fields.pop("login")
        username.label = _("Username")
        username.widget.attrs.pop("placeholder", None)
        username.widget.attrs["autofocus"] = True
        self.fields = {"username": username, **fields}

    def clean_username(self) -> str:
        return str(self.cleaned_data["username"]).strip()

    def clean(self) -> dict[str, Any]:
        if "username" in self.cleaned_data:
            self.cleaned_data["login"] = self.cleaned_data["username"]
        cleaned: dict[str, Any] = super().clean()
        return cleaned
