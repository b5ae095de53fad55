"""An admin resets a member's forgotten password in the browser (issue 12 item 11): the
member page, a confirmation, a one-time link; the member sets a new password with it and logs
in. The confirmation page has no serious accessibility problem."""

import pytest
from playwright.sync_api import Browser, Page
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from tests.browser.conftest import log_in_as_demo
from tests.conftest import Personas

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "asa-no-sanpo-2026"


def serious_violations(page: Page, live_server: LiveServer) -> list[str]:
    page.add_script_tag(url=f"{live_server.url}/static/vendor/axe/axe.min.js")
    violations: list[str] = page.evaluate(
        """async () => (await axe.run(document, {runOnly: ["wcag2a", "wcag2aa"]}))
            .violations.filter(v => ["serious", "critical"].includes(v.impact)).map(v => v.id)"""
    )
    return violations


def test_the_admin_resets_a_password_and_the_member_sets_a_new_one(
    live_server: LiveServer,
    personas: Personas,
    page: Page,
    chromium_browser: Browser,
    settings: SettingsWrapper,
) -> None:
    admin, counselor = personas.members["admin"], personas.members["counselor"]
    log_in_as_demo(page, live_server, settings, admin)
    page.goto(f"{live_server.url}/m/232297/admin/members/{counselor.pk}/")
    page.get_by_role("link", name="パスワードをリセット").click()
    page.wait_for_url(f"**/admin/members/{counselor.pk}/password-reset/")
    assert serious_violations(page, live_server) == []
    counselor.user.refresh_from_db()
    assert counselor.user.has_usable_password()  # asking changed nothing
    page.get_by_role("button", name="はい、パスワードをリセットする").click()
    link = page.locator("#reset-link").input_value()
    assert "/accounts/password/reset/key/" in link
    counselor.user.refresh_from_db()
    assert not counselor.user.has_usable_password()

    member_context = chromium_browser.new_context(locale="ja-JP")
    member = member_context.new_page()
    member.set_default_timeout(15000)
    member.goto(link)
    member.locator("#id_password1").fill(NEW_PASSWORD)
    member.locator("#id_password2").fill(NEW_PASSWORD)
    member.locator("#id_password2").press("Enter")
    member.wait_for_url("**/accounts/password/reset/key/done/")
    counselor.user.refresh_from_db()
    assert counselor.user.check_password(NEW_PASSWORD)
    # The link worked once.
    member.goto(link)
    assert member.locator("#id_password1").count() == 0
    member_context.close()
