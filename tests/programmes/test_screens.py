"""The staff screens of programmes: enrolment (満席 when full), one-tap attendance per session,
completion and the 修了証 as PDF with the participant's name in it."""

import io
from datetime import date, time

import pytest
from django_scopes import scopes_disabled
from pypdf import PdfReader

from tests.conftest import Personas
from tsunagu.audit.models import AccessLogObject
from tsunagu.people.models import FamilyMember
from tsunagu.people.services import person_create
from tsunagu.places.models import Place
from tsunagu.programmes import services
from tsunagu.programmes.models import Enrolment, Programme

pytestmark = pytest.mark.django_db


def course(
    personas: Personas,
    *,
    capacity: int | None = None,
    needed: int = 2,
    sessions: int = 3,
    place: Place | None = None,
    name: str = "家族心理教育 基礎編",
) -> Programme:
    with scopes_disabled():
        return services.programme_create(
            actor=None,
            municipality_id=personas.municipality.pk,
            name=name,
            kind="family_education",
            meetings=[
                services.MeetingIn(
                    date(2026, 4 + i, 10), time(13, 30), time(15, 30), f"第{i + 1}回"
                )
                for i in range(sessions)
            ],
            min_sessions_to_complete=needed,
            capacity=capacity,
            place=place,
        )


def test_lead_creates_a_course_with_its_sessions(personas: Personas) -> None:
    client = personas.client("lead")
    response = client.post(
        personas.url("programmes/new/"),
        {
            "name": "サポーター養成講座",
            "kind": "supporter_course",
            "capacity": "20",
            "min_sessions_to_complete": "4",
            "sessions": "2026-06-12 10:00 12:00 第1回 ひきこもりとは\n2026-07-12 10:00 12:00",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    with scopes_disabled():
        programme = Programme.objects.get(name="サポーター養成講座")
        assert [(m.number, m.session.date) for m in programme.meetings.order_by("number")] == [
            (1, date(2026, 6, 12)),
            (2, date(2026, 7, 12)),
        ]
    bad = client.post(
        personas.url("programmes/new/"),
        {"name": "研修会", "kind": "training", "sessions": "2026-06-12 12:00 10:00"},
    )
    assert bad.status_code == 200
    assert "研修会" in bad.content.decode()


def test_enrolment_of_a_person_a_family_member_and_a_citizen_until_full(personas: Personas) -> None:
    programme = course(personas, capacity=3)
    with scopes_disabled():
        person = person_create(actor=None, municipality=personas.municipality, name="本人 一郎")
        mother = FamilyMember.objects.create(
            municipality=personas.municipality, person=person, name="本人 母子", relation="mother"
        )
    client = personas.client("counselor")
    url = personas.url(f"programmes/{programme.pk}/")
    found = client.get(url + f"?number={person.number}").content.decode()
    assert "本人 一郎" in found and "本人 母子" in found
    assert client.post(url, {"action": "enrol_person", "person": person.pk}).status_code == 302
    assert (
        client.post(url, {"action": "enrol_family", "family_member": mother.pk}).status_code == 302
    )
    client.post(url, {"action": "enrol_citizen", "name": "市民 花子", "contact": "0562-00-0000"})
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "本人 一郎" in page and "本人 母子" in page and "市民 花子" in page
    assert "満席" in page
    refused = client.post(
        url,
        {"action": "enrol_citizen", "name": "市民 四郎"},
        HTTP_ACCEPT_LANGUAGE="ja",
        follow=True,
    )
    assert "満席" in refused.content.decode()
    with scopes_disabled():
        assert Enrolment.objects.filter(programme=programme).count() == 3
        assert not Enrolment.objects.filter(name="市民 四郎").exists()
    listing = client.get(personas.url("programmes/"), HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "家族心理教育 基礎編" in listing and "満席" in listing


def test_one_tap_attendance_completes_and_gives_a_certificate(personas: Personas) -> None:
    programme = course(personas, needed=2)
    with scopes_disabled():
        enrolment = services.enrolment_create(
            actor=None, programme=programme, name="修了 予定子", contact=""
        )
    client = personas.client("counselor")
    certificate = personas.url(f"programmes/enrolments/{enrolment.pk}/certificate.pdf")
    assert client.get(certificate).status_code == 404  # not completed yet
    for number in (1, 2):
        url = personas.url(f"programmes/{programme.pk}/sessions/{number}/")
        assert client.post(url, {"enrolment": enrolment.pk, "action": "attend"}).status_code == 302
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
        assert "出席 1 / 1" in page
    with scopes_disabled():
        enrolment.refresh_from_db()
        assert enrolment.completed_on == date(2026, 5, 10)
    detail = client.get(personas.url(f"programmes/{programme.pk}/"), HTTP_ACCEPT_LANGUAGE="ja")
    assert "修了" in detail.content.decode()
    response = client.get(certificate, HTTP_ACCEPT_LANGUAGE="ja")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    text = text.replace("\x00", "").replace("\n", " ")
    assert "修了証" in text
    assert "修了 予定子" in text
    assert "家族心理教育 基礎編" in text
    # Undo the second tap: no longer completed, no certificate.
    url = personas.url(f"programmes/{programme.pk}/sessions/2/")
    client.post(url, {"enrolment": enrolment.pk, "action": "undo"})
    with scopes_disabled():
        enrolment.refresh_from_db()
        assert enrolment.completed_on is None
    assert client.get(certificate).status_code == 404


def test_roles_and_other_municipalities(personas: Personas) -> None:
    programme = course(personas)
    with scopes_disabled():
        person = person_create(actor=None, municipality=personas.municipality, name="参加 秘子")
        enrolment = services.enrolment_create(actor=None, programme=programme, person=person)
    detail = personas.url(f"programmes/{programme.pk}/")
    meeting = personas.url(f"programmes/{programme.pk}/sessions/1/")
    for role in ("partner", "committee", "supporter"):
        client = personas.client(role)
        expected = 404 if role == "supporter" else 403  # a supporter meets only 404 (contract)
        assert client.get(personas.url("programmes/")).status_code == expected
        assert client.get(detail).status_code == expected
        assert client.get(meeting).status_code == expected
    # Place staff see programmes held at the places they run only.
    assert personas.client("place_staff").get(detail).status_code == 404
    # The lead sees the participant by name, and the read is in the access log.
    lead = personas.client("lead")
    assert "参加 秘子" in lead.get(detail).content.decode()
    with scopes_disabled():
        assert AccessLogObject.objects.filter(type="enrolment", object_id=enrolment.pk).exists()
    # Admin sees programmes but no names (no person.view).
    assert "参加 秘子" not in personas.client("admin").get(detail).content.decode()
    outsider = personas.client("lead", outsider=True)
    code = personas.outsider.code
    assert outsider.get(f"/m/{code}/programmes/{programme.pk}/").status_code == 404
    assert outsider.get(f"/m/{code}/programmes/{programme.pk}/sessions/1/").status_code == 404
    certificate = f"/m/{code}/programmes/enrolments/{enrolment.pk}/certificate.pdf"
    assert outsider.get(certificate).status_code == 404
