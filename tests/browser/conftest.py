"""Playwright in Debian's Chromium against the live test server."""

from collections.abc import Iterator
from datetime import date

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import Browser, Page
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from tests.conftest import Personas
from tsunagu.cases.services import case_open, risk_raise
from tsunagu.consultations.services import consultation_record
from tsunagu.people.services import family_member_create, person_create
from tsunagu.tenancy.models import Membership


@pytest.fixture(scope="module")
def chromium_browser(chromium_path: str) -> Iterator[Browser]:
    """One Chromium per test module; every test gets a fresh context (cookies, storage) of it.

    Playwright's sync API runs an event loop in the test thread, and Django refuses ORM calls
    there; allow them only while the browser runs (this module's tests), so nothing else
    inherits it.
    """
    from playwright.sync_api import sync_playwright

    with pytest.MonkeyPatch.context() as patch, sync_playwright() as playwright:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        browser = playwright.chromium.launch(
            executable_path=chromium_path,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(chromium_browser: Browser) -> Iterator[Page]:
    # A new context shares nothing with the previous test's: no cookie, no storage, no cache.
    context = chromium_browser.new_context(locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(15000)
    yield page
    context.close()


@pytest.fixture
def casework(personas: Personas) -> dict[str, int]:
    """A person with family, an open case with a risk flag, and a consultation (ids by name)."""
    m = personas.municipality
    lead = personas.members["lead"]
    with scope(municipality=m):
        person = person_create(
            actor=lead, municipality=m, name="架空 三郎", name_kana="カクウ サブロウ"
        )
        family_member_create(actor=lead, person=person, name="架空 春子", relation="mother")
        case = case_open(
            actor=lead,
            person=person,
            opened_on=date(2026, 4, 1),
            referral_source="family",
            primary=lead,
        )
        risk_raise(actor=lead, case=case, kind="family_crisis")
        consultation_record(
            actor=lead,
            municipality=m,
            occurred_at=timezone.now(),
            channel="phone",
            consulter="family",
            consulter_relation="mother",
            person=person,
            case=case,
        )
    return {"person": person.pk, "case": case.pk}


def log_in_as_demo(
    page: Page,
    live_server: LiveServer,
    settings: SettingsWrapper,
    member: Membership,
    lands_on: str = "",
) -> None:
    """Log `member` in as the demo loader's flagged accounts are: demo mode, no second factor
    (`lands_on`: the path under the municipality a role is sent to instead of its home)."""
    settings.TSUNAGU_DEMO_MODE = True
    member.user.is_demo = True
    member.user.save(update_fields=["is_demo"])
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(member.user.username)
    page.locator("#id_password").fill("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/m/{member.municipality.code}/{lands_on}")
