"""Demo mode lets the demo accounts in without a second factor, on one machine, never more."""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.test import Client, RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tsunagu.accounts.mfa import enable_demo_mode
from tsunagu.accounts.models import User
from tsunagu.accounts.services import api_token_create_for_session
from tsunagu.tenancy.models import Membership


def demo_account(user: User) -> User:
    """Flag the account as the demo loader does (`tsunagu demo`)."""
    user.is_demo = True
    user.save(update_fields=["is_demo"])
    return user


def without_mfa(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_without_the_flag_demo_accounts_must_enrol(
    personas: Personas, settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_DEMO_MODE = False
    response = without_mfa(personas.members["counselor"].user).get(personas.url())
    assert response["Location"] == "/accounts/2fa/"


def test_with_the_flag_a_demo_account_works_without_a_second_factor(
    personas: Personas, settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_DEMO_MODE = True
    user = demo_account(personas.members["counselor"].user)
    assert without_mfa(user).get(personas.url()).status_code == 200


def test_with_the_flag_an_account_named_like_the_demos_still_must_enrol(
    personas: Personas, settings: SettingsWrapper
) -> None:
    # The personas' usernames are the demo's (toyoake-counselor …), but only the flag counts.
    settings.TSUNAGU_DEMO_MODE = True
    user = personas.members["counselor"].user
    assert user.username == "toyoake-counselor" and not user.is_demo
    assert without_mfa(user).get(personas.url())["Location"] == "/accounts/2fa/"


def test_with_the_flag_other_accounts_still_must_enrol(
    personas: Personas, settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_DEMO_MODE = True
    user = User.objects.create_user(username="tanaka", password="long enough passphrase")
    Membership.objects.create(municipality=personas.municipality, user=user, role="counselor")
    assert without_mfa(user).get(personas.url())["Location"] == "/accounts/2fa/"


def test_the_flag_is_ignored_under_production_settings(
    personas: Personas, settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_DEMO_MODE = True
    settings.TSUNAGU_PRODUCTION = True
    user = demo_account(personas.members["counselor"].user)
    response = without_mfa(user).get(personas.url())
    assert response["Location"] == "/accounts/2fa/"


def test_demo_mode_mints_no_api_token_without_a_second_factor(
    personas: Personas, settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_DEMO_MODE = True
    member = personas.members["counselor"]
    demo_account(member.user)
    request = RequestFactory().get("/")
    request.user = member.user
    request.session = without_mfa(member.user).session
    with pytest.raises(PermissionDenied):
        api_token_create_for_session(request=request, membership=member)


def test_tsunagu_demo_turns_demo_mode_on_for_its_server_only(
    db: None, settings: SettingsWrapper, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.TSUNAGU_DEMO_MODE = False
    settings.MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = False
    served: list[bool] = []
    # The command's own `call_command` is Django's (it does not re-export it by name).
    from django.core.management import call_command as real_call_command

    from tsunagu.demo.management.commands import demo

    def fake_call_command(name: str, *args: Any, **kwargs: Any) -> Any:
        if name == "serve":
            served.append(settings.TSUNAGU_DEMO_MODE)
            return None
        return real_call_command(name, *args, **kwargs)

    monkeypatch.setattr(demo, "call_command", fake_call_command)
    real_call_command("demo", "--no-serve")
    assert settings.TSUNAGU_DEMO_MODE is False
    real_call_command("demo")
    assert served == [True]


def test_enabling_demo_mode_is_refused_under_production_settings(settings: SettingsWrapper) -> None:
    settings.TSUNAGU_PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        enable_demo_mode()


def _run(args: list[str], **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        args,
        capture_output=True,
        text=True,
        env={
            # The browser tests allow Django's async-unsafe calls; a deployment never does.
            **{k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"},
            "SECRET_KEY": secrets.token_urlsafe(50),
            "TSUNAGU_SALT_KEY": secrets.token_urlsafe(16),
            "TSUNAGU_AUDIT_KEY": secrets.token_urlsafe(32),
            **env,
        },
        timeout=120,
    )


def test_production_settings_refuse_to_start_in_demo_mode(tmp_path: Path) -> None:
    result = _run(
        [sys.executable, "-c", "import config.settings_production"],
        TSUNAGU_DEMO_MODE="1",
        TSUNAGU_DATA_DIR=str(tmp_path),
    )
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "TSUNAGU_DEMO_MODE" in result.stderr


def test_the_tsunagu_command_names_the_demo_flag_without_a_traceback(tmp_path: Path) -> None:
    result = _run(
        [sys.executable, "-m", "tsunagu.core.cli", "check"],
        TSUNAGU_DEMO_MODE="1",
        DJANGO_SETTINGS_MODULE="config.settings_production",
        TSUNAGU_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 2
    assert "TSUNAGU_DEMO_MODE" in result.stderr
    assert "Traceback" not in result.stderr


def test_production_settings_pass_the_deploy_checks(tmp_path: Path) -> None:
    result = _run(
        [sys.executable, "-m", "tsunagu.core.cli", "check", "--deploy", "--fail-level", "WARNING"],
        DJANGO_SETTINGS_MODULE="config.settings_production",
        TSUNAGU_ALLOWED_HOSTS="tsunagu.example.jp",
        TSUNAGU_DATA_DIR=str(tmp_path),
        TSUNAGU_DEMO_MODE="",
        DATABASE_URL="",
    )
    assert result.returncode == 0, result.stderr + result.stdout
