"""Behind a trusted proxy, a request without its header is a misconfiguration said out loud."""

import logging
from typing import Any

import pytest
from django.test import RequestFactory
from pytest_django.fixtures import Settings as SettingsWrapper

from tsunagu.accounts import lockout


@pytest.fixture(autouse=True)
def _fresh_warning(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lockout, "_proxy_warned", False)


def _ip(**headers: Any) -> str | None:
    return lockout.client_ip(RequestFactory().get("/", REMOTE_ADDR="10.0.0.9", **headers))


@pytest.mark.parametrize(
    "headers",
    [{}, {"HTTP_X_FORWARDED_FOR": ""}],
    ids=["no header", "empty header"],
)
def test_a_request_past_the_proxy_is_warned_about_once_without_an_address(
    settings: SettingsWrapper, caplog: pytest.LogCaptureFixture, headers: dict[str, Any]
) -> None:
    settings.TSUNAGU_TRUSTED_PROXY_COUNT = 1
    with caplog.at_level(logging.WARNING, logger="tsunagu.security"):
        assert _ip(**headers) == "10.0.0.9"
        _ip(**headers)
    warnings = [r for r in caplog.records if "TSUNAGU_TRUSTED_PROXY_COUNT" in r.getMessage()]
    assert len(warnings) == 1
    assert "10.0.0.9" not in caplog.text


def test_too_short_a_chain_for_two_proxies_is_warned_about(
    settings: SettingsWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    settings.TSUNAGU_TRUSTED_PROXY_COUNT = 2
    with caplog.at_level(logging.WARNING, logger="tsunagu.security"):
        assert _ip(HTTP_X_FORWARDED_FOR="203.0.113.5") == "10.0.0.9"
    assert "too short" in caplog.text and "203.0.113.5" not in caplog.text


def test_requests_through_the_proxy_or_without_one_configured_are_quiet(
    settings: SettingsWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="tsunagu.security"):
        settings.TSUNAGU_TRUSTED_PROXY_COUNT = 1
        assert _ip(HTTP_X_FORWARDED_FOR="203.0.113.5") == "203.0.113.5"
        settings.TSUNAGU_TRUSTED_PROXY_COUNT = 0
        assert _ip() == "10.0.0.9"
    assert "TSUNAGU_TRUSTED_PROXY_COUNT" not in caplog.text
