"""axe-core (vendored, served by Tsunagu itself) finds no serious accessibility problem."""

from datetime import date

import pytest
from django.utils import timezone
from django_scopes import scope

from tsunagu.cases.services import case_open, risk_raise
from tsunagu.consultations.services import consultation_record
from tsunagu.people.services import family_member_create, person_create

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PAGES = {
    "lead": [
        "",
        "persons/",
        "persons/{person}/",
        "cases/",
        "cases/{case}/",
        "consultations/",
        "consultations/new/",
        "statistics/",
        "meetings/",
        "audit/",
        "audit/persons/{person}/access/",
        "audit/cases/{case}/history/",
        "accounts/lockouts/",
    ],
    "admin": [
        "admin/organizations/",
        "admin/members/",
        "statistics/groups/",
        "consultations/import/",
    ],
    "committee": ["", "statistics/"],
}


@pytest.fixture
def casework(personas):
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


@pytest.mark.parametrize("role", sorted(PAGES))
def test_pages_have_no_serious_accessibility_violations(
    live_server, personas, page, casework, settings, role
):
    # Persona usernames are demo account names: demo mode lets them in without a second factor.
    settings.TSUNAGU_DEMO_MODE = True
    page.goto(f"{live_server.url}/accounts/login/")
    page.locator("#id_username").fill(f"toyoake-{role}")
    page.locator("#id_password").fill("correct horse battery staple")
    page.keyboard.press("Enter")
    page.wait_for_url(f"{live_server.url}/m/232297/")
    problems = []
    for path in PAGES[role]:
        page.goto(f"{live_server.url}/m/232297/{path.format(**casework)}")
        page.add_script_tag(url=f"{live_server.url}/static/vendor/axe/axe.min.js")
        violations = page.evaluate(
            """async () => (await axe.run(document, {runOnly: ["wcag2a", "wcag2aa"]}))
                .violations.filter(v => ["serious", "critical"].includes(v.impact))
                .map(v => v.id + ": " +
                     v.nodes.map(n => n.target.join(" ")).slice(0, 3).join(", "))"""
        )
        problems += [f"/{path}: {v}" for v in violations]
    assert problems == [], "\n".join(problems)
