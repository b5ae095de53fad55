"""The staff screens of places and the public calendar, as staff and visitors use them."""

from collections.abc import Callable
from datetime import date, timedelta

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tsunagu.audit.models import AccessLogObject
from tsunagu.people.models import Person
from tsunagu.places import services
from tsunagu.places.models import Attendance, Place, Session

pytestmark = pytest.mark.django_db


def upcoming(place: Place) -> Session:
    with scopes_disabled():
        services.sessions_ensure(place, date.today() + timedelta(days=14))
        session = Session.objects.filter(place=place, date__gte=date.today()).first()
    assert session is not None
    return session


def test_lead_creates_a_place_in_japanese_practice(personas: Personas) -> None:
    client = personas.client("lead")
    data = {
        "name": "定例相談会",
        "kind": "consultation",
        "access": "reservation",
        "capacity": "4",
        "closed_dates": "2026-08-13\n2026-08-14",
        "s0-pattern": "monthly",
        "s0-nth1": "2",
        "s0-day1": "1",
        "s0-nth2": "4",
        "s0-day2": "3",
        "s0-start": "13:30",
        "s0-end": "16:00",
        "s0-holidays": "skip",
        "s1-holidays": "skip",
        "s2-holidays": "skip",
    }
    response = client.post(personas.url("places/new/"), data)
    assert response.status_code == 302, response.content.decode()[:3000]
    with scopes_disabled():
        place = Place.objects.get(name="定例相談会")
        assert [r.rrule for r in place.rules.all()] == ["FREQ=MONTHLY;BYDAY=2TU,4TH"]
        assert place.closed_dates == ["2026-08-13", "2026-08-14"]
    page = client.get(
        personas.url(f"places/{place.pk}/") + "?month=2026-02", HTTP_ACCEPT_LANGUAGE="ja"
    )
    text = page.content.decode()
    assert "毎月第2火曜と第4木曜 13:30〜16:00、祝日は休み" in text
    assert "建国記念の日" in text


def test_a_bad_schedule_is_named_and_nothing_typed_is_lost(personas: Personas) -> None:
    client = personas.client("lead")
    data = {
        "name": "夜の会",
        "kind": "family",
        "access": "free",
        "s0-pattern": "weekly",
        "s0-start": "19:00",
        "s0-end": "18:00",
        "s0-holidays": "skip",
        "s1-holidays": "skip",
        "s2-holidays": "skip",
    }
    response = client.post(personas.url("places/new/"), data)
    assert response.status_code == 200
    text = response.content.decode()
    assert 'value="夜の会"' in text
    assert "is-invalid" in text or "invalid-feedback" in text
    with scopes_disabled():
        assert not Place.objects.filter(name="夜の会").exists()


def test_place_staff_marks_attendance_and_sees_it_counted(
    personas: Personas, make_place: Callable[..., Place], make_person: Callable[..., Person]
) -> None:
    staff = personas.members["place_staff"]
    place = make_place("FREQ=DAILY", holidays="keep", staff=[staff])
    session = upcoming(place)
    person = make_person("来所 花子")
    with scopes_disabled():
        services.attendance_record(actor=None, session=session, person=person)
        Attendance.objects.filter(session=session).delete()
        # The person came before to this place, so the staff know them by name.
        earlier = Session.objects.filter(place=place).exclude(pk=session.pk).first()
        assert earlier is not None
        services.attendance_record(actor=None, session=earlier, person=person)
    client = personas.client("place_staff")
    url = personas.url(f"places/sessions/{session.pk}/")
    assert client.post(url, {"action": "attend", "person": person.pk}).status_code == 302
    assert client.post(url, {"action": "anonymous", "count": "3"}).status_code == 302
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="ja").content.decode()
    assert "来所 花子" in page
    with scopes_disabled():
        assert sum(a.count for a in Attendance.objects.filter(session=session)) == 4
        assert AccessLogObject.objects.filter(
            type="person", object_id=person.pk, basis__startswith="attendance:"
        ).exists()


def test_place_staff_do_not_see_other_places(
    personas: Personas, make_place: Callable[..., Place]
) -> None:
    other = make_place("FREQ=DAILY", holidays="keep", name="よそ")
    session = upcoming(other)
    client = personas.client("place_staff")
    assert client.get(personas.url(f"places/{other.pk}/")).status_code == 404
    assert client.get(personas.url(f"places/sessions/{session.pk}/")).status_code == 404
    assert "よそ" not in client.get(personas.url("places/")).content.decode()


def test_partner_and_committee_never_see_attendees(
    personas: Personas, make_place: Callable[..., Place]
) -> None:
    place = make_place("FREQ=DAILY", holidays="keep")
    session = upcoming(place)
    for role in ("partner", "committee"):
        client = personas.client(role)
        assert client.get(personas.url(f"places/sessions/{session.pk}/")).status_code == 403


def test_another_municipality_gets_404(
    personas: Personas, make_place: Callable[..., Place]
) -> None:
    place = make_place("FREQ=DAILY", holidays="keep")
    client = personas.client("lead", outsider=True)
    assert client.get(f"/m/{personas.outsider.code}/places/{place.pk}/").status_code == 404


def test_public_calendar_agrees_with_the_sessions(
    personas: Personas, make_place: Callable[..., Place]
) -> None:
    place = make_place("FREQ=WEEKLY;BYDAY=FR", public=True, address="豊明市, 新田町")
    hidden = make_place("FREQ=WEEKLY;BYDAY=FR", name="非公開")
    code = personas.municipality.code
    response = Client().get(f"/p/{code}/places/{place.pk}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    body = response.content.decode()
    with scopes_disabled():
        sessions = list(Session.objects.filter(place=place))
    assert body.count("BEGIN:VEVENT") == len(sessions) > 0
    first = sessions[0]
    assert f"DTSTART;TZID=Asia/Tokyo:{first.date:%Y%m%d}T100000" in body
    assert "LOCATION:豊明市\\, 新田町" in body
    assert all(len(line.encode()) <= 75 for line in body.split("\r\n"))
    assert Client().get(f"/p/{code}/places/{hidden.pk}.ics").status_code == 404
    assert Client().get(f"/p/{personas.outsider.code}/places/{place.pk}.ics").status_code == 404


def test_attendance_and_reservations_appear_on_the_case_timeline(
    personas: Personas, make_place: Callable[..., Place], make_person: Callable[..., Person]
) -> None:
    from tsunagu.cases.services import case_open

    place = make_place("FREQ=DAILY", holidays="keep", name="よらんDeやまき", access="reservation")
    person = make_person("時系 太郎")
    session = upcoming(place)
    lead = personas.members["lead"]
    with scopes_disabled():
        case = case_open(
            actor=lead, person=person, opened_on=date.today(), referral_source="self", primary=lead
        )
        later = Session.objects.filter(place=place, date__gt=session.date).first()
        assert later is not None
        services.reservation_create(actor=None, session=later, person=person)
        services.attendance_record(actor=None, session=session, person=person)
    page = personas.client("lead").get(
        personas.url(f"cases/{case.pk}/") + "?kind=place", HTTP_ACCEPT_LANGUAGE="ja"
    )
    text = page.content.decode()
    assert text.count('data-kind="place"') == 2
    assert "居場所・相談日に来所" in text and "よらんDeやまき" in text
    assert "初回" in text
