"""The contract of places and sessions, as a partner system would call it."""

import json
import threading
from collections.abc import Callable
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.db import connection
from django.test import Client
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tsunagu.audit.models import AccessLogObject
from tsunagu.people.models import Person
from tsunagu.places import services
from tsunagu.places.models import Place, Reservation, Session

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db

TOYOAKE = "232297"


def api(personas: Personas, role: str = "lead", outsider: bool = False) -> Client:
    token = personas.token(role, outsider=outsider)
    return Client(headers={"Authorization": f"Bearer {token}"})


def post(client: Client, url: str, body: Any) -> "_MonkeyPatchedWSGIResponse":
    return client.post(url, json.dumps(body), content_type="application/json")


def patch(client: Client, url: str, body: Any) -> "_MonkeyPatchedWSGIResponse":
    return client.patch(url, json.dumps(body), content_type="application/json")


SWALLOW = {
    "name": "フリースペース・スワロー",
    "kind": "person",
    "access": "free",
    "capacity": None,
    "public": True,
    "schedules": [
        {"rrule": "FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "start": "10:00", "end": "16:30"},
        {"rrule": "FREQ=WEEKLY;BYDAY=SA", "start": "10:00", "end": "16:00", "holidays": "skip"},
    ],
    "closed_dates": ["2026-08-14"],
}


def test_create_a_place_and_read_it_back(personas: Personas) -> None:
    client = api(personas)
    response = post(client, f"/api/v1/m/{TOYOAKE}/places", SWALLOW)
    assert response.status_code == 201, response.content
    body = response.json()
    assert {k: body[k] for k in ("name", "kind", "access", "capacity", "public")} == {
        "name": "フリースペース・スワロー",
        "kind": "person",
        "access": "free",
        "capacity": None,
        "public": True,
    }
    assert body["closed_dates"] == ["2026-08-14"]
    assert [(s["rrule"], s["start"], s["end"], s["holidays"]) for s in body["schedules"]] == [
        ("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "10:00", "16:30", "skip"),
        ("FREQ=WEEKLY;BYDAY=SA", "10:00", "16:00", "skip"),
    ]
    got = client.get(f"/api/v1/m/{TOYOAKE}/places/{body['id']}").json()
    assert got == body
    listed = client.get(f"/api/v1/m/{TOYOAKE}/places").json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"schedules": [{"rrule": "FREQ=NEVER", "start": "10:00", "end": "11:00"}]}, "rrule"),
        ({"schedules": [{"rrule": "FREQ=DAILY", "start": "15:00", "end": "10:00"}]}, "end"),
        ({"schedules": [{"rrule": "FREQ=DAILY", "start": "25:00", "end": "26:00"}]}, "start"),
        ({"closed_dates": ["1850-01-01"]}, "closed_dates"),
        ({"capacity": 0}, "capacity"),
        ({"kind": "zoo"}, "kind"),
    ],
)
def test_bad_input_is_a_422_naming_the_field(
    personas: Personas, change: dict[str, Any], field: str
) -> None:
    response = post(api(personas), f"/api/v1/m/{TOYOAKE}/places", {**SWALLOW, **change})
    assert response.status_code == 422
    fields = [e["field"] for e in response.json()["errors"]]
    assert any(field in f for f in fields), fields


def test_sessions_of_a_period_far_ahead_agree_with_the_rule(personas: Personas) -> None:
    client = api(personas)
    place = post(client, f"/api/v1/m/{TOYOAKE}/places", SWALLOW).json()
    url = f"/api/v1/m/{TOYOAKE}/places/{place['id']}/sessions"
    # Golden Week 2030: 4/29 昭和の日, 5/3–5/6 (5/6 振替休日).
    body = client.get(url, {"from": "2030-04-27", "to": "2030-05-07"}).json()
    assert [(s["date"], s["start"], s["end"]) for s in body["items"]] == [
        ("2030-04-27", "10:00", "16:00"),
        ("2030-04-30", "10:00", "16:30"),
        ("2030-05-01", "10:00", "16:30"),
        ("2030-05-02", "10:00", "16:30"),
        ("2030-05-07", "10:00", "16:30"),
    ]
    assert body["count"] == 5 and {s["status"] for s in body["items"]} == {"scheduled"}
    too_long = client.get(url, {"from": "2030-01-01", "to": "2031-02-05"})
    assert too_long.status_code == 422
    assert client.get(url, {"from": "2030-01-01", "to": "2030-02-04"}).status_code == 200
    backwards = client.get(url, {"from": "2030-02-01", "to": "2030-01-01"})
    assert backwards.status_code == 422
    assert client.get(url, {"from": "1800-01-01"}).status_code == 422


def test_patching_schedules_changes_the_future(personas: Personas) -> None:
    client = api(personas)
    place = post(client, f"/api/v1/m/{TOYOAKE}/places", SWALLOW).json()
    new = [{"rrule": "FREQ=MONTHLY;BYDAY=1WE", "start": "13:30", "end": "15:00"}]
    response = patch(client, f"/api/v1/m/{TOYOAKE}/places/{place['id']}", {"schedules": new})
    assert response.status_code == 200
    assert response.json()["schedules"][0]["rrule"] == "FREQ=MONTHLY;BYDAY=1WE"
    items = client.get(
        f"/api/v1/m/{TOYOAKE}/places/{place['id']}/sessions",
        {"from": "2031-01-01", "to": "2031-03-31"},
    ).json()["items"]
    # 2031-01-01 is 元日 and inside the year-end closure.
    assert [s["date"] for s in items] == ["2031-02-05", "2031-03-05"]


def _session(
    personas: Personas, make_place: Callable[..., Place], **fields: Any
) -> tuple[Place, Session]:
    place = make_place("FREQ=DAILY", holidays="keep", **fields)
    with scopes_disabled():
        services.sessions_ensure(place, date.today() + timedelta(days=5))
        session = Session.objects.filter(place=place, date__gt=date.today()).first()
    assert session is not None
    return place, session


def test_reservations_409_when_full_or_free(
    personas: Personas, make_place: Callable[..., Place], make_person: Callable[..., Person]
) -> None:
    _place, session = _session(personas, make_place, access="reservation", capacity=1)
    client = api(personas)
    url = f"/api/v1/m/{TOYOAKE}/sessions/{session.pk}/reservations"
    first, second = make_person("一"), make_person("二")
    assert post(client, url, {"person_id": first.pk}).status_code == 201
    full = post(client, url, {"person_id": second.pk})
    assert full.status_code == 409
    assert "満席" in full.json()["detail"] or "full" in full.json()["detail"]
    waiting = post(client, url, {"person_id": second.pk, "wait": True})
    assert waiting.status_code == 201 and waiting.json()["status"] == "waiting"
    _free_place, free = _session(personas, make_place, name="自由")
    free_url = f"/api/v1/m/{TOYOAKE}/sessions/{free.pk}/reservations"
    assert post(client, free_url, {"person_id": first.pk}).status_code == 409


def test_attendance_named_and_anonymous(
    personas: Personas, make_place: Callable[..., Place], make_person: Callable[..., Person]
) -> None:
    _place, session = _session(personas, make_place)
    client = api(personas)
    url = f"/api/v1/m/{TOYOAKE}/sessions/{session.pk}/attendance"
    person = make_person()
    named = post(client, url, {"person_id": person.pk})
    assert named.status_code == 201 and named.json()["first_visit"] is True
    assert post(client, url, {"anonymous": 4}).status_code == 201
    assert post(client, url, {"anonymous": 0}).status_code == 422
    assert post(client, url, {}).status_code == 422
    with scopes_disabled():
        seen = AccessLogObject.objects.filter(type="person", object_id=person.pk)
        assert seen.exists()


def test_another_municipality_gets_404(
    personas: Personas, make_place: Callable[..., Place]
) -> None:
    _place, session = _session(personas, make_place)
    outsider = api(personas, outsider=True)
    code = personas.outsider.code
    assert outsider.get(f"/api/v1/m/{code}/places/{_place.pk}").status_code == 404
    assert outsider.get(f"/api/v1/m/{TOYOAKE}/places").status_code == 404
    url = f"/api/v1/m/{code}/sessions/{session.pk}/attendance"
    assert post(outsider, url, {"anonymous": 1}).status_code == 404


def test_wrong_roles_are_refused(personas: Personas, make_place: Callable[..., Place]) -> None:
    place, session = _session(personas, make_place)
    for role in ("partner", "committee", "professional"):
        client = api(personas, role)
        assert client.get(f"/api/v1/m/{TOYOAKE}/places/{place.pk}").status_code == 403
        url = f"/api/v1/m/{TOYOAKE}/sessions/{session.pk}/attendance"
        assert post(client, url, {"anonymous": 1}).status_code == 403
    staff = api(personas, "place_staff")
    # Place staff see only the places they run: another place is not there at all.
    assert staff.get(f"/api/v1/m/{TOYOAKE}/places/{place.pk}").status_code == 404
    assert post(staff, f"/api/v1/m/{TOYOAKE}/places", SWALLOW).status_code == 403


def test_place_statistics(
    personas: Personas, make_place: Callable[..., Place], make_person: Callable[..., Person]
) -> None:
    place = make_place("FREQ=WEEKLY;BYDAY=WE", holidays="keep", starts_on=date(2025, 4, 1))
    with scopes_disabled():
        services.sessions_ensure(place, date(2025, 4, 30))
        first, second = Session.objects.filter(place=place)[:2]
        a, b = make_person("一"), make_person("二")
        services.attendance_record(actor=None, session=first, person=a)
        services.attendance_record(actor=None, session=second, person=a)
        services.attendance_record(actor=None, session=second, person=b)
        services.attendance_record(actor=None, session=second, anonymous=2)
    body = api(personas, "lead").get(f"/api/v1/m/{TOYOAKE}/stats/places", {"fiscal_year": "2025"})
    assert body.status_code == 200
    data = body.json()
    assert (data["from"], data["to"]) == ("2025-04-01", "2026-03-31")
    assert data["places"] == [
        {
            "id": place.pk,
            "name": place.name,
            "sessions": 5,
            "visits": 5,
            "people": 2,
            "new_people": 2,
        }
    ]
    assert data["visits_total"] == 5
    # The committee gets them through the disclosure module: two people could be named.
    committee = api(personas, "committee")
    data = committee.get(f"/api/v1/m/{TOYOAKE}/stats/places", {"fiscal_year": "2025"}).json()
    assert data["places"][0] | {"people": 2, "new_people": 2} == {
        "id": place.pk,
        "name": place.name,
        "sessions": 5,
        "visits": 5,
        "people": 2,
        "new_people": 2,
    }
    assert data["places"][0]["people"] is None and data["places"][0]["new_people"] is None
    # ... and for whole fiscal years only (a one-day period could be differenced).
    one_day = {"from": "2025-04-02", "to": "2025-04-02"}
    refused = committee.get(f"/api/v1/m/{TOYOAKE}/stats/places", one_day)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "fiscal_year"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_requests_for_the_last_seat_exactly_one_wins(
    personas: Personas, make_place: Callable[..., Place], make_person: Callable[..., Person]
) -> None:
    _place, session = _session(personas, make_place, access="reservation", capacity=3)
    people = [make_person(f"人{i}") for i in range(12)]
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []

    def book(person: Person) -> None:
        try:
            barrier.wait()
            with scopes_disabled():
                services.reservation_create(actor=None, session=session, person=person)
            outcomes.append("won")
        except services.Full:
            outcomes.append("full")
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["full"] * 9 + ["won"] * 3
    with scopes_disabled():
        assert Reservation.objects.filter(session=session, status="reserved").count() == 3


def test_null_clears_a_text_and_is_refused_for_a_required_field(personas: Personas) -> None:
    client = api(personas)
    place = post(client, f"/api/v1/m/{TOYOAKE}/places", {**SWALLOW, "organization": "NPO"})
    url = f"/api/v1/m/{TOYOAKE}/places/{place.json()['id']}"
    for text in ("organization", "address", "activities"):
        response = patch(client, url, {text: None})
        assert response.status_code == 200, (text, response.content)
    assert patch(client, url, {"organization": None}).json()["organization"] == ""
    refused = patch(client, url, {"name": None})
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "name"


@pytest.mark.django_db(transaction=True)
def test_many_concurrent_bookings_never_exceed_capacity(
    personas: Personas, make_place: Callable[..., Place], make_person: Callable[..., Person]
) -> None:
    """On whichever database the suite runs (SQLite here, PostgreSQL with DATABASE_URL): twelve
    threads book three seats at once; a booking the database turned away as locked is tried
    again, as a person pressing the button again would, and still never a fourth seat."""
    from django.db import OperationalError

    _place, session = _session(personas, make_place, access="reservation", capacity=3)
    people = [make_person(f"同時{i}") for i in range(12)]
    barrier = threading.Barrier(len(people))
    outcomes: list[str] = []

    def book(person: Person) -> None:
        try:
            barrier.wait()
            for _attempt in range(200):
                try:
                    with scopes_disabled():
                        services.reservation_create(actor=None, session=session, person=person)
                    outcomes.append("won")
                    return
                except services.Full:
                    outcomes.append("full")
                    return
                except OperationalError:  # SQLite: "database table is locked"; try again
                    threading.Event().wait(0.01)
            outcomes.append("gave up")
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(p,)) for p in people]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["full"] * 9 + ["won"] * 3
    with scopes_disabled():
        assert Reservation.objects.filter(session=session, status="reserved").count() == 3
