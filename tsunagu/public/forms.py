"""Forms of the public side (inquiry, sign-up) and the staff's editor of the page's texts."""

import re
from typing import Any

from django import forms
from django.core.validators import validate_email
from django.utils.translation import gettext_lazy as _

from tsunagu.consultations.codes import MainConcern
from tsunagu.core.forms import StyledForm
from tsunagu.public.codes import ReplyBy, Writer

MAX_TEXT = 2000
_PHONE = re.compile(r"^[0-9０-９+()\-－ー\s]{6,20}$")


class ProtectedForm(forms.Form):
    """A honeypot field people never see and a signed form token (the form session)."""

    # Named like a field a robot fills in; hidden from people and from assistive technology.
    website = forms.CharField(required=False, label=_("Leave this field empty"))
    form_token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.Select) and not isinstance(widget, forms.RadioSelect):
                widget.attrs.setdefault("class", "form-select")
            elif not isinstance(widget, (forms.RadioSelect, forms.HiddenInput)):
                widget.attrs.setdefault("class", "form-control")

    def full_clean(self) -> None:
        super().full_clean()
        # Each refused field names its message, so a screen reader reads it with the field.
        for name in self.errors:
            if name in self.fields:
                bound = self[name]
                ids = [f"{bound.auto_id}_errors"]
                if self.fields[name].help_text:
                    ids.append(f"{bound.auto_id}_helptext")
                attrs = self.fields[name].widget.attrs
                attrs["aria-describedby"] = " ".join(ids)
                attrs["class"] = f"{attrs.get('class', '')} is-invalid".strip()

    @property
    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class InquiryForm(ProtectedForm):
    writer = forms.ChoiceField(
        label=_("Who is writing?"), choices=Writer.choices, widget=forms.RadioSelect
    )
    about = forms.ChoiceField(
        label=_("What is it about?"),
        choices=[("", _("Not sure / prefer not to say")), *MainConcern.choices],
        required=False,
    )
    text = forms.CharField(
        label=_("Your message"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("Up to 2000 characters. You need not give any name."),
        error_messages={"required": _("Write a few words about your concern.")},
    )
    reply_by = forms.ChoiceField(
        label=_("How should we reply?"),
        choices=ReplyBy.choices,
        widget=forms.RadioSelect,
        initial=ReplyBy.NONE,
    )
    reply_to = forms.CharField(
        label=_("E-mail address or phone number for the reply"),
        max_length=200,
        required=False,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["writer"].error_messages["required"] = _("Choose who is writing.")
        self.fields["reply_by"].error_messages["required"] = _("Choose how we should reply.")

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        reply_by, reply_to = data.get("reply_by"), (data.get("reply_to") or "").strip()
        if reply_by in (ReplyBy.EMAIL, ReplyBy.PHONE) and not reply_to:
            self.add_error("reply_to", _("Enter where we should reply, or choose no reply."))
        elif reply_by == ReplyBy.EMAIL:
            try:
                validate_email(reply_to)
            except forms.ValidationError:
                self.add_error("reply_to", _("Enter an e-mail address such as name@example.jp."))
        elif reply_by == ReplyBy.PHONE and not _PHONE.match(reply_to):
            self.add_error("reply_to", _("Enter a phone number such as 0120-000-000."))
        return data


class SignupForm(ProtectedForm):
    name = forms.CharField(
        label=_("Name"),
        max_length=100,
        error_messages={"required": _("Enter your name.")},
        help_text=_("A nickname is fine."),
    )
    contact = forms.CharField(
        label=_("Phone number or e-mail address"),
        max_length=200,
        error_messages={"required": _("Enter a phone number or e-mail address.")},
        help_text=_("Only to tell you if the event changes."),
    )
    # Set by the page when the event is full: the sign-up goes on the waiting list.
    waiting = forms.BooleanField(required=False, widget=forms.HiddenInput)


class NewCaseForm(StyledForm):
    """Opening a case from a web inquiry: the person's name if the inquiry gives it."""

    name = forms.CharField(
        label=_("Name of the person (if known)"),
        max_length=100,
        required=False,
        help_text=_("Leave empty to open the case for a person not yet named."),
    )


class PublicPageForm(StyledForm):
    center_name = forms.CharField(label=_("Name of the center"), max_length=100, required=False)
    introduction = forms.CharField(
        label=_("Introduction"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("Plain text; line breaks are kept. No HTML."),
    )
    hours = forms.CharField(label=_("Opening hours"), max_length=200, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    map_url = forms.URLField(
        label=_("Map link"),
        required=False,
        assume_scheme="https",
        help_text=_("Shown as plain text, e.g. a link to a map service."),
    )
    access = forms.CharField(
        label=_("Access"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_map_url(self) -> str:
        value: str = self.cleaned_data.get("map_url") or ""
        if value and not value.lower().startswith(("https://", "http://")):
            raise forms.ValidationError(_("Enter a web address starting with https://."))
        return value
