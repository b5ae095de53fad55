"""In Chromium, the pages and Swagger UI run under the policy without a single violation."""

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from tests.conftest import Personas
from tests.security.helpers import enrol_totp, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def watch_violations(page: Page) -> list[str]:
    seen: list[str] = []
    page.on(
        "console",
        lambda m: seen.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return seen


def test_the_api_docs_render_without_violations(live_server: LiveServer, page: Page) -> None:
    violations = watch_violations(page)
    page.goto(f"{live_server.url}/api/v1/docs")
    page.locator(".swagger-ui .info .title").wait_for()
    assert "Tsunagu API" in page.locator(".swagger-ui .info .title").inner_text()
    assert violations == []


def test_login_enrolment_and_staff_pages_run_without_violations(
    live_server: LiveServer, personas: Personas, page: Page
) -> None:
    violations = watch_violations(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill("toyoake-lead")
    page.locator("#id_password").fill("correct horse battery staple")
    page.keyboard.press("Enter")
    # No second factor yet: the enrolment page, with the passkey and app choices.
    page.wait_for_url(f"{live_server.url}/accounts/2fa/")
    page.goto(f"{live_server.url}/accounts/2fa/totp/activate/")
    secret = page.locator("#authenticator_secret").input_value()
    page.locator("#id_code").fill(totp_code(secret))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/accounts/2fa/recovery-codes/")
    assert len(page.locator("#recovery_codes").input_value().split()) == 10
    page.goto(f"{live_server.url}/accounts/2fa/webauthn/add/")
    page.goto(f"{live_server.url}/m/232297/")
    page.wait_for_url(f"{live_server.url}/m/232297/")
    assert violations == []


def test_a_member_with_an_app_types_its_code_after_the_password(
    live_server: LiveServer, personas: Personas, page: Page
) -> None:
    secret = enrol_totp(personas.members["admin"].user)
    violations = watch_violations(page)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill("toyoake-admin")
    page.locator("#id_password").fill("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/accounts/2fa/authenticate/")
    page.locator("#id_code").fill(totp_code(secret))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/m/232297/")
    page.goto(f"{live_server.url}/m/232297/accounts/lockouts/")
    assert page.locator("#no-lockouts").is_visible()
    assert violations == []
