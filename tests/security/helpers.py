"""Logging in as a person would: password, then a code from an authenticator app."""

import time
from typing import TYPE_CHECKING, Any

from allauth.mfa.models import Authenticator
from allauth.mfa.recovery_codes.internal.auth import RecoveryCodes
from allauth.mfa.totp.internal.auth import TOTP, format_hotp_value, generate_totp_secret, hotp_value
from django.test import Client
from django.urls import reverse

from tsunagu.accounts.models import User

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

PASSWORD = "correct horse battery staple"


def enrol_totp(user: User) -> str:
    """Give the user an authenticator app (as after enrolment); return its secret."""
    secret: str = generate_totp_secret()
    TOTP.activate(user, secret)
    return secret


def recovery_codes(user: User) -> list[str]:
    authenticator = RecoveryCodes.activate(user).instance
    assert authenticator.type == Authenticator.Type.RECOVERY_CODES
    codes: list[str] = RecoveryCodes(authenticator).get_unused_codes()
    return codes


def totp_code(secret: str, *, step: int = 0) -> str:
    """The app's current code; `step` ±1 gives a neighbouring one (allauth refuses reuse)."""
    code: str = format_hotp_value(hotp_value(secret, int(time.time()) // 30 + step))
    return code


def log_in(
    client: Client, username: str, password: str = PASSWORD, **extra: Any
) -> "_MonkeyPatchedWSGIResponse":
    """`extra` goes to `Client.post`: `follow=True`, or environ values such as `REMOTE_ADDR`."""
    return client.post(reverse("login"), {"username": username, "password": password}, **extra)


def log_in_with_totp(
    client: Client, username: str, secret: str, *, step: int = 0
) -> "_MonkeyPatchedWSGIResponse":
    response = log_in(client, username)
    assert response.status_code == 302
    assert response["Location"] == reverse("mfa_authenticate")
    return client.post(reverse("mfa_authenticate"), {"code": totp_code(secret, step=step)})
