"""Security events into the log (ids only), and enrolment counted as a second factor shown."""

import logging
from typing import Any

from allauth.mfa.models import Authenticator
from allauth.mfa.signals import (
    authentication_failed,
    authenticator_added,
    authenticator_removed,
    authenticator_reset,
)
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from tsunagu.accounts.mfa import FACTOR_TYPES, mark_enrolled

logger = logging.getLogger("tsunagu.security")


@receiver(authenticator_added)
def on_authenticator_added(
    sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    logger.info("mfa enrolled: user_id=%s type=%s", user.pk, authenticator.type)
    if request is not None and authenticator.type in FACTOR_TYPES:
        # Enrolling checked a code from the new authenticator: this session has shown it.
        mark_enrolled(request)


@receiver(authenticator_removed)
def on_authenticator_removed(
    sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    logger.info("mfa removed: user_id=%s type=%s", user.pk, authenticator.type)


@receiver(authenticator_reset)
def on_authenticator_reset(
    sender: Any, request: Any, user: Any, authenticator: Authenticator, **kwargs: Any
) -> None:
    logger.info("mfa reset by its user: user_id=%s type=%s", user.pk, authenticator.type)


@receiver(authentication_failed)
def on_mfa_failed(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    logger.warning("mfa code refused: user_id=%s", user.pk)


@receiver(user_login_failed)
def on_login_failed(sender: Any, credentials: dict[str, Any], **kwargs: Any) -> None:
    # Django masks the password in `credentials`; only the username is logged.
    logger.warning("login refused: username=%r", credentials.get("username"))


@receiver(user_logged_in)
def on_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    logger.info("login: user_id=%s", user.pk)
