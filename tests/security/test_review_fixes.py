"""Refusals found in review: each answers clearly and changes nothing."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from allauth.mfa.models import Authenticator
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tsunagu.accounts.models import User
from tsunagu.audit.models import AccessLogEntry
from tsunagu.demo.services import demo_load
from tsunagu.network import services as meeting_services
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership


def test_the_demo_refuses_to_load_under_production_settings(
    db: None, settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_PRODUCTION = True
    with pytest.raises(ImproperlyConfigured):
        demo_load()
    assert not User.objects.filter(username="toyoake-admin").exists()


def test_the_access_log_records_the_clients_address_behind_the_proxy(
    personas: Personas, settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_TRUSTED_PROXY_COUNT = 1
    client = personas.client("lead")
    client.get(personas.url("persons/"), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="203.0.113.7")
    client.get(personas.url("cases/"), REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR="not-an-ip")
    with scopes_disabled():
        addresses = list(AccessLogEntry.objects.order_by("seq").values_list("ip", flat=True))
    assert addresses == ["203.0.113.7", None]


def test_an_admin_cannot_reset_the_second_factor_of_an_account_another_municipality_uses(
    personas: Personas,
) -> None:
    shared = personas.outsiders["lead"]
    with scopes_disabled():
        member = Membership.objects.create(
            municipality=personas.municipality, user=shared.user, role=Role.COUNSELOR
        )
    Authenticator.objects.create(user=shared.user, type=Authenticator.Type.TOTP, data={})
    response = personas.client("admin").post(
        personas.url(f"admin/members/{member.pk}/mfa-reset/"), follow=True
    )
    assert response.status_code == 200
    assert "alert-danger" in response.content.decode()
    assert Authenticator.objects.filter(user=shared.user).count() == 1


def test_token_lifetimes_beyond_ten_years_are_a_clear_error(personas: Personas) -> None:
    with pytest.raises(CommandError, match="3650"):
        call_command(
            "token", "create", "toyoake-lead", "--municipality", "232297", "--days", "5000000"
        )


def _settings_import(module: str, **env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TSUNAGU_", "SECRET_KEY"))}
    return subprocess.run(
        [sys.executable, "-m", "tsunagu.core.cli", "check"],
        capture_output=True,
        text=True,
        env={**base, "DJANGO_SETTINGS_MODULE": module, **env},
        timeout=120,
    )


def test_production_settings_require_the_encryption_salt(tmp_path: Path) -> None:
    result = _settings_import(
        "config.settings_production",
        SECRET_KEY=secrets.token_urlsafe(50),
        TSUNAGU_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 2
    assert "TSUNAGU_SALT_KEY" in result.stderr and "Traceback" not in result.stderr


def test_production_settings_require_the_audit_key(tmp_path: Path) -> None:
    # Generated beside the database, the key of the access log's chain would protect nothing
    # against whoever can read the data directory.
    result = _settings_import(
        "config.settings_production",
        SECRET_KEY=secrets.token_urlsafe(50),
        TSUNAGU_SALT_KEY=secrets.token_urlsafe(16),
        TSUNAGU_DATA_DIR=str(tmp_path),
    )
    assert result.returncode == 2
    assert "TSUNAGU_AUDIT_KEY" in result.stderr and "Traceback" not in result.stderr


def test_a_malformed_number_setting_is_a_clear_error(tmp_path: Path) -> None:
    result = _settings_import(
        "config.settings", TSUNAGU_TOKEN_DAYS="ninety", TSUNAGU_DATA_DIR=str(tmp_path)
    )
    assert result.returncode == 2
    assert "TSUNAGU_TOKEN_DAYS" in result.stderr and "Traceback" not in result.stderr


def test_the_meeting_page_logs_the_cases_its_form_lists(personas: Personas) -> None:
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        meeting = meeting_services.support_meeting_create(
            actor=lead, title="支援会議", legal_basis="ssa_9", held_on=timezone.localdate()
        )
    personas.client("lead").get(personas.url(f"meetings/{meeting.pk}/"))
    with scopes_disabled():
        assert AccessLogEntry.objects.filter(path__endswith=f"meetings/{meeting.pk}/").exists()


def test_the_sqlite_database_file_is_created_readable_by_the_service_only(tmp_path: Path) -> None:
    result = _settings_import("config.settings", TSUNAGU_DATA_DIR=str(tmp_path), DATABASE_URL="")
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "tsunagu.sqlite3").stat().st_mode & 0o777 == 0o600
