"""Programmes: courses of N sessions, enrolment, attendance and completion (修了)."""

import json
from datetime import date, time
from typing import TYPE_CHECKING

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tsunagu.people.services import person_create
from tsunagu.programmes import selectors, services
from tsunagu.programmes.models import Enrolment, ProgrammeSession

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db
TOYOAKE = "232297"


def api(personas: Personas, role: str = "lead", outsider: bool = False) -> Client:
    return Client(headers={"Authorization": f"Bearer {personas.token(role, outsider=outsider)}"})


def post(client: Client, url: str, body: dict[str, object]) -> "_MonkeyPatchedWSGIResponse":
    return client.post(url, json.dumps(body), content_type="application/json")


BASICS = {
    "name": "家族心理教育 基礎編",
    "kind": "family_education",
    "min_sessions_to_complete": 4,
    "capacity": 2,
    "sessions": [
        {"date": f"2026-0{m}-10", "start": "13:30", "end": "15:30", "title": f"第{m - 3}回"}
        for m in range(4, 10)
    ],
}


def test_a_course_completes_after_enough_sessions(personas: Personas) -> None:
    client = api(personas)
    created = post(client, f"/api/v1/m/{TOYOAKE}/programmes", BASICS)
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["min_sessions_to_complete"], len(body["sessions"])) == (
        "family_education",
        4,
        6,
    )
    assert [s["date"] for s in body["sessions"]][:2] == ["2026-04-10", "2026-05-10"]
    with scopes_disabled():
        person = person_create(actor=None, municipality=personas.municipality, name="家族 一")
    url = f"/api/v1/m/{TOYOAKE}/programmes/{body['id']}/enrolments"
    enrolled = post(client, url, {"person_id": person.pk})
    assert enrolled.status_code == 201
    assert enrolled.json()["completed"] is False
    for s in body["sessions"][:3]:
        got = post(
            client, f"/api/v1/m/{TOYOAKE}/sessions/{s['id']}/attendance", {"person_id": person.pk}
        )
        assert got.status_code == 201
    with scopes_disabled():
        enrolment = Enrolment.objects.get(person=person)
        assert enrolment.completed_on is None
    fourth = body["sessions"][4]
    post(
        client, f"/api/v1/m/{TOYOAKE}/sessions/{fourth['id']}/attendance", {"person_id": person.pk}
    )
    with scopes_disabled():
        enrolment.refresh_from_db()
        assert enrolment.completed_on == date(2026, 8, 10)


def test_citizens_enrol_and_the_course_fills_up(personas: Personas) -> None:
    client = api(personas)
    body = post(client, f"/api/v1/m/{TOYOAKE}/programmes", BASICS).json()
    url = f"/api/v1/m/{TOYOAKE}/programmes/{body['id']}/enrolments"
    assert post(client, url, {"name": "市民 一", "contact": "0562-00-0000"}).status_code == 201
    assert post(client, url, {"name": "市民 二"}).status_code == 201
    full = post(client, url, {"name": "市民 三"})
    assert full.status_code == 409
    assert post(client, url, {}).status_code == 422


def test_bad_programmes_are_422_naming_the_field(personas: Personas) -> None:
    client = api(personas)
    changes: list[tuple[dict[str, object], str]] = [
        ({"kind": "picnic"}, "kind"),
        ({"min_sessions_to_complete": 0}, "min_sessions_to_complete"),
        ({"sessions": [{"date": "2026-04-10", "start": "15:00", "end": "14:00"}]}, "end"),
        ({"sessions": [{"date": "1800-04-10", "start": "13:00", "end": "14:00"}]}, "date"),
        ({"capacity": 0}, "capacity"),
    ]
    for change, field in changes:
        response = post(client, f"/api/v1/m/{TOYOAKE}/programmes", {**BASICS, **change})
        assert response.status_code == 422, change
        assert any(field in e["field"] for e in response.json()["errors"]), response.json()


def test_completing_a_supporter_course_makes_a_supporter_candidate(personas: Personas) -> None:
    m = personas.municipality
    with scopes_disabled():
        course = services.programme_create(
            actor=None,
            municipality_id=m.pk,
            name="サポーター養成講座",
            kind="supporter_course",
            min_sessions_to_complete=2,
            meetings=[services.MeetingIn(date(2026, 6, d), time(10), time(12)) for d in (1, 8)],
        )
        citizen = services.enrolment_create(actor=None, programme=course, name="市民 サポ")
        meetings = list(ProgrammeSession.objects.filter(programme=course))
        services.programme_attendance_record(actor=None, enrolment=citizen, meeting=meetings[0])
        assert list(selectors.supporter_candidates(municipality_id=m.pk)) == []
        services.programme_attendance_record(actor=None, enrolment=citizen, meeting=meetings[1])
        assert list(selectors.supporter_candidates(municipality_id=m.pk)) == [citizen]
        services.programme_attendance_remove(actor=None, enrolment=citizen, meeting=meetings[1])
        assert list(selectors.supporter_candidates(municipality_id=m.pk)) == []


def test_roles_and_other_municipalities(personas: Personas) -> None:
    body = post(api(personas), f"/api/v1/m/{TOYOAKE}/programmes", BASICS).json()
    for role in ("partner", "committee"):
        assert api(personas, role).get(f"/api/v1/m/{TOYOAKE}/programmes").status_code == 403
    assert (
        post(api(personas, "counselor"), f"/api/v1/m/{TOYOAKE}/programmes", BASICS).status_code
        == 403
    )
    outsider = api(personas, outsider=True)
    code = personas.outsider.code
    assert outsider.get(f"/api/v1/m/{code}/programmes/{body['id']}").status_code == 404
    url = f"/api/v1/m/{code}/programmes/{body['id']}/enrolments"
    assert post(outsider, url, {"name": "x"}).status_code == 404
