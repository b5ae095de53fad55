"""Places and programmes in a browser: one-tap attendance on a phone-sized screen (390×844)
seen counted, and axe-core (vendored) finding no serious violation on the new screens."""

from datetime import time, timedelta

import pytest
from django.utils import timezone
from django_scopes import scope
from playwright.sync_api import Page
from pytest_django.fixtures import Settings as SettingsWrapper
from pytest_django.live_server_helper import LiveServer

from tests.conftest import Personas
from tsunagu.accounts.models import User
from tsunagu.cases.services import case_open
from tsunagu.people.services import person_create
from tsunagu.places import services
from tsunagu.places.models import Session
from tsunagu.programmes import services as programme_services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CODE = "232297"


@pytest.fixture
def world(personas: Personas) -> dict[str, int]:
    m = personas.municipality
    staff = personas.members["place_staff"]
    today = timezone.localdate()
    with scope(municipality=m):
        place = services.place_create(
            actor=None,
            municipality_id=m.pk,
            name="すりーぴぃ",
            kind="person",
            access="reservation",
            capacity=5,
            rules=[services.RuleIn("FREQ=DAILY", time(10), time(16), "keep")],
            staff=[staff],
        )
        services.sessions_ensure(place, today + timedelta(days=7))
        session = Session.objects.get(place=place, date=today)
        person = person_create(actor=None, municipality=m, name="来所 一郎")
        services.reservation_create(actor=None, session=session, person=person)
        programme = programme_services.programme_create(
            actor=None,
            municipality_id=m.pk,
            name="家族心理教育 基礎編",
            kind="family_education",
            meetings=[programme_services.MeetingIn(today, time(13, 30), time(15))],
            min_sessions_to_complete=1,
            capacity=10,
            place=place,
        )
        enrolment = programme_services.enrolment_create(
            actor=None, programme=programme, name="家族 花子"
        )
        programme_services.programme_attendance_record(
            actor=None, enrolment=enrolment, meeting=programme.meetings.get()
        )
        # A consultation day with one slot booked with the visiting professional.
        day = services.place_create(
            actor=None,
            municipality_id=m.pk,
            name="相談窓口（水曜）",
            kind="consultation",
            rules=[services.RuleIn("FREQ=DAILY", time(9), time(12), "keep")],
        )
        services.sessions_ensure(day, today + timedelta(days=7))
        consultation = Session.objects.select_related("place").get(place=day, date=today)
        services.booking_create(
            actor=None,
            session=consultation,
            start=time(10),
            case=case_open(
                actor=None,
                person=person,
                opened_on=today,
                referral_source="family",
                primary=personas.members["counselor"],
            ),
            professional=personas.members["professional"],
        )
    return {
        "session": session.pk,
        "programme": programme.pk,
        "enrolment": enrolment.pk,
        "consultation": consultation.pk,
    }


def log_in(page: Page, live_server: LiveServer, settings: SettingsWrapper, role: str) -> None:
    page.set_default_timeout(60000)  # a shared, loaded machine
    # Flagged as the demo loader flags its accounts: demo mode lets them in without MFA.
    settings.TSUNAGU_DEMO_MODE = True
    User.objects.filter(username=f"toyoake-{role}").update(is_demo=True)
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(f"toyoake-{role}")
    page.locator("#id_password").fill("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/m/{CODE}/")


def test_place_staff_mark_attendance_on_a_phone_and_see_it_counted(
    live_server: LiveServer,
    personas: Personas,
    page: Page,
    world: dict[str, int],
    settings: SettingsWrapper,
) -> None:
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server, settings, "place_staff")
    # Today's schedule on the home page leads to the session.
    page.get_by_role("link", name="10:00 すりーぴぃ").click()
    page.wait_for_url(f"**/places/sessions/{world['session']}/")
    assert "記名 0人" in page.locator("#counts").inner_text()
    button = page.get_by_role("button", name="来所 一郎さんを出席にする")
    box = button.bounding_box()
    assert (
        box is not None and box["x"] + box["width"] <= 390
    )  # reachable without scrolling sideways
    button.click()
    page.wait_for_load_state()
    assert "記名 1人" in page.locator("#counts").inner_text()
    assert page.get_by_role("button", name="来所 一郎さんは出席済み（取り消す）").is_visible()


PAGES = {
    "lead": [
        "",
        "places/calendar/",
        "places/calendar/?view=week",
        "places/calendar/feed/",
        "places/statistics/",
        "programmes/",
        "programmes/new/",
        "programmes/{programme}/",
        "programmes/{programme}/sessions/1/",
        "places/sessions/{consultation}/",
    ],
    "professional": [""],
    "place_staff": ["", "places/sessions/{session}/", "programmes/{programme}/sessions/1/"],
    "committee": ["places/statistics/"],
}


@pytest.mark.parametrize("role", sorted(PAGES))
def test_new_screens_have_no_serious_accessibility_violations(
    live_server: LiveServer,
    personas: Personas,
    page: Page,
    world: dict[str, int],
    settings: SettingsWrapper,
    role: str,
) -> None:
    log_in(page, live_server, settings, role)
    problems = []
    for path in PAGES[role]:
        page.goto(f"{live_server.url}/m/{CODE}/{path.format(**world)}")
        page.add_script_tag(url=f"{live_server.url}/static/vendor/axe/axe.min.js")
        violations = page.evaluate(
            """async () => (await axe.run(document, {runOnly: ["wcag2a", "wcag2aa"]}))
                .violations.filter(v => ["serious", "critical"].includes(v.impact))
                .map(v => v.id + ": " +
                     v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", "))"""
        )
        problems += [f"/{path}: {v}" for v in violations]
    assert problems == [], "\n".join(problems)
