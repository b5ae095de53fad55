"""In the browser: a date typed in 和暦 is read back at once, and the calendar button is there."""

import pytest
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from tests.browser.test_quick_entry import log_in
from tests.conftest import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_counselor_types_a_birth_date_in_wareki_and_sees_it_read_back(
    live_server: LiveServer, personas: Personas, page: Page
) -> None:
    log_in(page, live_server, personas.members["counselor"])
    page.goto(f"{live_server.url}/m/232297/persons/new/")
    field = page.locator("#id_birth_date")
    field.fill("S60.4.1")
    echo = page.locator("output[for=id_birth_date]")
    assert echo.inner_text() == "昭和60年4月1日"
    field.fill("2025/4/1")
    assert echo.inner_text() == "令和7年4月1日"
    button = page.locator(".date-input-button").first
    assert button.is_visible() and button.get_attribute("aria-label")
    field.fill("昭和60年4月1日")
    page.locator("#id_name").fill("山田 太郎")
    page.locator("form button[type=submit]").last.click()
    page.wait_for_load_state()
    assert "昭和60年" in page.content() or "1985" in page.content()
