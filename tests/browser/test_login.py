import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from tests.conftest import Personas
from tests.security.helpers import enrol_totp, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_counselor_logs_in_and_sees_toyoake_on_the_home_page(
    live_server: LiveServer, personas: Personas, page: Page
) -> None:
    secret = enrol_totp(personas.members["counselor"].user)
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("ユーザー名").fill("toyoake-counselor")
    page.get_by_label("パスワード").fill("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/accounts/2fa/authenticate/")
    page.locator("#id_code").fill(totp_code(secret))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/m/232297/")
    assert page.locator("h1").inner_text().endswith("豊明市")
    assert "豊明市" in page.title()
