"""A lead puts a case on a 支援会議; a partner opens it only after acknowledging secrecy, and
only until the meeting's period ends."""

import re
from datetime import date, timedelta

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import Page
from pytest_django.live_server_helper import LiveServer

from tests.conftest import Personas
from tests.security.helpers import enrol_totp, totp_code
from tsunagu.cases.services import case_open
from tsunagu.network.models import SupportMeeting
from tsunagu.people.services import person_create
from tsunagu.tenancy.models import Membership

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def log_in(page: Page, live_server: LiveServer, member: Membership) -> None:
    secret = enrol_totp(member.user)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(member.user.username)
    page.locator("#id_password").fill("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/accounts/2fa/authenticate/")
    page.locator("#id_code").fill(totp_code(secret))
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/m/232297/")


def test_a_partner_opens_a_listed_case_only_after_acknowledging_and_while_in_force(
    live_server: LiveServer, personas: Personas, page: Page
) -> None:
    lead, partner = personas.members["lead"], personas.members["partner"]
    with scope(municipality=personas.municipality):
        person = person_create(actor=None, municipality=personas.municipality, name="架空 次郎")
        case = case_open(
            actor=lead,
            person=person,
            opened_on=date(2026, 4, 1),
            referral_source="family",
            primary=lead,
        )
    base = f"{live_server.url}/m/232297"
    today = timezone.localdate()

    log_in(page, live_server, lead)
    page.goto(f"{base}/meetings/")
    page.locator("#id_title").fill("第1回 支援会議")
    page.locator("#id_held_on").fill(today.isoformat())
    page.locator("#id_ends_on").fill((today + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="作成").click()
    page.wait_for_url(re.compile(r"/meetings/\d+/$"))
    page.locator(f"input[name=cases][value='{case.pk}']").check()
    page.locator(f"input[name=members][value='{partner.pk}']").check()
    page.get_by_role("button", name="保存").click()
    page.wait_for_url(re.compile(r"/meetings/\d+/$"))
    with scope(municipality=personas.municipality):
        meeting = SupportMeeting.objects.get()
        assert list(meeting.cases.all()) == [case]

    browser = page.context.browser
    assert browser is not None
    other = browser.new_context(locale="ja-JP")
    partner_page = other.new_page()
    partner_page.set_default_timeout(15000)
    log_in(partner_page, live_server, partner)
    response = partner_page.goto(f"{base}/cases/{case.pk}/")
    assert response is not None
    assert response.status == 404
    partner_page.goto(f"{base}/meetings/{meeting.pk}/")
    partner_page.get_by_role("button", name=re.compile("守秘義務")).click()
    partner_page.wait_for_url(re.compile(rf"/meetings/{meeting.pk}/$"))
    response = partner_page.goto(f"{base}/cases/{case.pk}/")
    assert response is not None
    assert response.status == 200
    assert "架空 次郎" in partner_page.content()

    # The meeting's period ends: the case is out of sight again.
    with scope(municipality=personas.municipality):
        SupportMeeting.objects.filter(pk=meeting.pk).update(
            held_on=today - timedelta(days=10), ends_on=today - timedelta(days=1)
        )
    response = partner_page.goto(f"{base}/cases/{case.pk}/")
    assert response is not None
    assert response.status == 404
    other.close()
