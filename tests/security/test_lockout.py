"""Five failed log-ins lock that username from that address for 15 minutes, nothing more."""

import logging
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from axes.models import AccessAttempt
from django.test import Client
from django.utils import timezone
from django.utils.translation import override
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.security.helpers import log_in

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

OFFICE = "203.0.113.10"
HOME = "198.51.100.7"


def fail(
    client: Client, username: str, times: int, ip: str = OFFICE
) -> "_MonkeyPatchedWSGIResponse":
    response = None
    for _ in range(times):
        response = log_in(client, username, "wrong password", REMOTE_ADDR=ip)
    assert response is not None  # times >= 1
    return response


def test_settings_lock_by_username_and_address_together(settings: SettingsWrapper) -> None:
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_FAILURE_LIMIT == 5
    assert timedelta(minutes=15) == settings.AXES_COOLOFF_TIME


def test_four_failures_still_let_the_right_password_in(personas: Personas) -> None:
    client = Client()
    assert fail(client, "toyoake-counselor", 4).status_code == 200
    assert log_in(client, "toyoake-counselor", REMOTE_ADDR=OFFICE).status_code == 302


def test_the_fifth_failure_locks_out_with_a_clear_page(personas: Personas) -> None:
    client = Client()
    with override("en"):
        response = fail(client, "toyoake-counselor", 5)
    assert response.status_code == 429
    page = response.content.decode()
    assert 'id="lockout-message"' in page
    assert "15分" in page
    assert log_in(client, "toyoake-counselor", REMOTE_ADDR=OFFICE).status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_page_is_in_japanese_by_default(personas: Personas) -> None:
    response = fail(Client(), "toyoake-counselor", 5)
    assert 'lang="ja"' in response.content.decode()


def test_the_same_username_from_another_address_is_not_locked(personas: Personas) -> None:
    fail(Client(), "toyoake-counselor", 5)
    response = log_in(Client(), "toyoake-counselor", REMOTE_ADDR=HOME)
    assert response.status_code == 302
    assert response["Location"] != "/accounts/login/"


def test_another_username_from_the_same_address_is_not_locked(personas: Personas) -> None:
    fail(Client(), "toyoake-counselor", 5)
    assert log_in(Client(), "toyoake-lead", REMOTE_ADDR=OFFICE).status_code == 302


def test_behind_the_proxy_the_forwarded_address_is_the_one_locked(
    personas: Personas, settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_TRUSTED_PROXY_COUNT = 1
    proxy = "10.0.0.1"
    for _ in range(5):
        log_in(
            Client(),
            "toyoake-counselor",
            "wrong password",
            REMOTE_ADDR=proxy,
            HTTP_X_FORWARDED_FOR=f"1.2.3.4, {OFFICE}",
        )
    assert AccessAttempt.objects.get().ip_address == OFFICE
    response = log_in(Client(), "toyoake-counselor", REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR=HOME)
    assert response.status_code == 302


def test_the_lockout_ends_after_the_cool_off(personas: Personas) -> None:
    fail(Client(), "toyoake-counselor", 5)
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert log_in(Client(), "toyoake-counselor", REMOTE_ADDR=OFFICE).status_code == 302


def test_the_log_names_the_username_but_no_address(
    personas: Personas, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO):
        fail(Client(), "toyoake-counselor", 5)
    assert "login locked out: username='toyoake-counselor'" in caplog.text
    assert OFFICE not in caplog.text
    assert "wrong password" not in caplog.text


# Spellings of "toyoake-counselor" that name the same account or look like it: letter case,
# full-width letters and hyphen, surrounding (full-width) spaces, and a mix.
VARIANTS = [
    "TOYOAKE-COUNSELOR",
    "Toyoake-Counselor",
    "ｔｏｙｏａｋｅ－ｃｏｕｎｓｅｌｏｒ",
    "  toyoake-counselor  ",
    "\u3000toyoake-counselor\u3000",
    " ＴＯＹＯＡＫＥ-counSELOR\t",
]


@pytest.mark.parametrize("variant", VARIANTS)
def test_no_spelling_of_a_locked_username_logs_in_or_clears_the_lock(
    personas: Personas, variant: str
) -> None:
    fail(Client(), "toyoake-counselor", 5)
    client = Client()
    assert log_in(client, variant, REMOTE_ADDR=OFFICE).status_code == 429
    assert "_auth_user_id" not in client.session
    assert log_in(Client(), "toyoake-counselor", REMOTE_ADDR=OFFICE).status_code == 429


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_locked_variant_locks_the_username_itself(personas: Personas, variant: str) -> None:
    fail(Client(), variant, 5)
    assert log_in(Client(), "toyoake-counselor", REMOTE_ADDR=OFFICE).status_code == 429


def test_failures_under_different_spellings_add_up_to_one_lock(personas: Personas) -> None:
    for variant in VARIANTS[:5]:
        fail(Client(), variant, 1)
    assert log_in(Client(), "toyoake-counselor", REMOTE_ADDR=OFFICE).status_code == 429
    assert AccessAttempt.objects.values_list("username", flat=True).distinct().get() == (
        "toyoake-counselor"
    )


def test_a_successful_log_in_before_the_limit_resets_every_spelling(personas: Personas) -> None:
    fail(Client(), "TOYOAKE-COUNSELOR", 4)
    assert log_in(Client(), "toyoake-counselor", REMOTE_ADDR=OFFICE).status_code == 302
    assert fail(Client(), "Toyoake-Counselor", 4).status_code == 200
    assert log_in(Client(), "toyoake-counselor", REMOTE_ADDR=OFFICE).status_code == 302
