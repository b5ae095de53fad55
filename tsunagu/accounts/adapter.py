"""How django-allauth behaves here: no sign-up, and TOTP secrets encrypted at rest."""

import time
from functools import lru_cache
from typing import Any

from allauth.account import app_settings as account_settings
from allauth.account.adapter import DefaultAccountAdapter
from allauth.account.authentication import get_authentication_records
from allauth.core import context
from allauth.mfa.adapter import DefaultMFAAdapter
from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField


class AccountAdapter(DefaultAccountAdapter):  # type: ignore[misc]  # allauth ships no types
    def is_reauthentication_required(self, *, app: str, **kwargs: Any) -> bool:
        """A password typed in the last minutes counts, so enrolling right after log-in
        does not ask for it again; older sessions must type it again to change factors."""
        required = bool(super().is_reauthentication_required(app=app, **kwargs))
        request = context.request
        if not required or request is None or not request.user.is_authenticated:
            return required
        records = get_authentication_records(request, request.user)
        recent = [r for r in records if r.get("method") == "password" and "at" in r]
        timeout = account_settings.REAUTHENTICATION_TIMEOUT
        return not (recent and time.time() - recent[-1]["at"] < timeout)

    error_messages = {
        **DefaultAccountAdapter.error_messages,
        "username_password_mismatch": _(
            "The username or password is not correct. Check them and try again"
            " (the password is case-sensitive)."
        ),
        "account_inactive": _("This account is disabled. Ask your municipality's administrator."),
    }

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        # A municipality's admin adds its members; nobody creates an account alone.
        return False


@lru_cache(maxsize=4)
def _cipher(secret_key: str, fallbacks: tuple[str, ...], salt_key: str) -> EncryptedTextField:
    # The same keys as the encrypted columns (SECRET_KEY, its fallbacks, SALT_KEY); the field
    # caches them, and deriving them is slow, so one field per key set.
    del secret_key, fallbacks, salt_key
    return EncryptedTextField()


def _field() -> EncryptedTextField:
    return _cipher(
        settings.SECRET_KEY, tuple(settings.SECRET_KEY_FALLBACKS), str(settings.SALT_KEY)
    )


class MfaAdapter(DefaultMFAAdapter):  # type: ignore[misc]  # allauth ships no types
    def encrypt(self, text: str) -> str:
        return str(_field().get_prep_value(text))

    def decrypt(self, encrypted_text: str) -> str:
        return str(_field().to_python(encrypted_text))
