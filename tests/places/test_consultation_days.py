"""Consultation days (相談日): slots booked for a case with a visiting professional, who then
sees exactly the cases booked with them (the basis booking:<id>)."""

import json
import threading
from collections.abc import Callable
from datetime import time, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tests.people.helpers import make_case
from tests.people.helpers import make_person as person_in
from tsunagu.audit.models import AccessLogObject
from tsunagu.cases.models import Case
from tsunagu.places import services
from tsunagu.places.models import Booking, Place, Session

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

pytestmark = pytest.mark.django_db


def api(personas: Personas, role: str = "counselor", outsider: bool = False) -> Client:
    return Client(headers={"Authorization": f"Bearer {personas.token(role, outsider=outsider)}"})


def post(
    client: Client, url: str, body: dict[str, Any] | None = None
) -> "_MonkeyPatchedWSGIResponse":
    return client.post(url, json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def day(personas: Personas, make_place: Callable[..., Place]) -> Session:
    """Miyoshi's desk shape: every Wednesday 9:00–12:00 in slots of an hour; the next one."""
    place = make_place(
        "FREQ=WEEKLY;BYDAY=WE",
        start=time(9),
        end=time(12),
        holidays="keep",
        kind="consultation",
        name="相談窓口（水曜）",
        staff=[personas.members["place_staff"]],
    )
    today = timezone.localdate()
    with scopes_disabled():
        services.sessions_ensure(place, today + timedelta(days=14))
        return Session.objects.filter(place=place, date__gte=today).select_related("place")[0]


@pytest.fixture
def cases(personas: Personas) -> tuple[Case, Case]:
    counselor = personas.members["counselor"]
    booked = make_case(person_in(personas.municipality, name="予約 一郎"), primary=counselor)
    other = make_case(person_in(personas.municipality, name="対象外 二郎"), primary=counselor)
    return booked, other


def _book(
    personas: Personas, session: Session, case: Case, start: str = "09:00", role: str = "counselor"
) -> "_MonkeyPatchedWSGIResponse":
    return post(
        api(personas, role),
        _api(personas, f"sessions/{session.pk}/bookings"),
        {
            "start": start,
            "case_id": case.pk,
            "professional_id": personas.members["professional"].pk,
        },
    )


def _api(personas: Personas, path: str) -> str:
    return f"/api/v1/m/{personas.municipality.code}/{path}"


def test_the_professional_sees_the_booked_case_only_while_it_is_booked(
    personas: Personas, day: Session, cases: tuple[Case, Case]
) -> None:
    booked, other = cases
    response = _book(personas, day, booked)
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["start"], body["end"], body["status"]) == ("09:00", "10:00", "booked")
    page, token = personas.client("professional"), api(personas, "professional")

    assert page.get(personas.url(f"cases/{booked.pk}/")).status_code == 200
    assert token.get(_api(personas, f"cases/{booked.pk}")).status_code == 200
    assert page.get(personas.url(f"persons/{booked.person_id}/")).status_code == 200
    assert page.get(personas.url(f"cases/{other.pk}/")).status_code == 404
    assert token.get(_api(personas, f"cases/{other.pk}")).status_code == 404
    listed = token.get(_api(personas, "bookings")).json()
    assert [b["case_id"] for b in listed["items"]] == [booked.pk]
    home = page.get(personas.url()).content.decode()
    assert f'data-case="{booked.pk}"' in home and "予約 一郎" in home
    with scopes_disabled():
        logged = AccessLogObject.objects.filter(
            entry__username=personas.members["professional"].user.username,
            type="case",
            object_id=booked.pk,
        )
        assert set(logged.values_list("basis", flat=True)) == {f"booking:{body['id']}"}

    cancelled = post(api(personas), _api(personas, f"bookings/{body['id']}/cancel"))
    assert cancelled.json()["status"] == "cancelled"
    assert page.get(personas.url(f"cases/{booked.pk}/")).status_code == 404
    assert token.get(_api(personas, f"cases/{booked.pk}")).status_code == 404
    assert token.get(_api(personas, f"bookings/{body['id']}")).status_code == 404
    assert token.get(_api(personas, "bookings")).json()["items"] == []
    assert f'data-case="{booked.pk}"' not in page.get(personas.url()).content.decode()


def test_being_assigned_or_listed_no_longer_opens_a_case_to_a_professional(
    personas: Personas, cases: tuple[Case, Case]
) -> None:
    """The old rule (assignment and 支援会議 seats like any member) is gone."""
    from tsunagu.cases.models import CaseAssignment

    booked, _other = cases
    with scopes_disabled():
        CaseAssignment.objects.create(
            municipality=personas.municipality,
            case=booked,
            membership=personas.members["professional"],
        )
    page = personas.client("professional")
    assert page.get(personas.url(f"cases/{booked.pk}/")).status_code == 404
    assert page.get(personas.url("cases/")).status_code == 200
    assert "予約 一郎" not in page.get(personas.url("cases/")).content.decode()
    # A professional is no longer offered when a lead assigns staff.
    form = personas.client("lead").get(personas.url(f"cases/{booked.pk}/assign/"))
    assert personas.members["professional"].user.username not in form.content.decode()


def test_the_booking_is_on_the_case_timeline(
    personas: Personas, day: Session, cases: tuple[Case, Case]
) -> None:
    booked, _other = cases
    assert _book(personas, day, booked, start="10:00").status_code == 201
    page = personas.client("counselor").get(personas.url(f"cases/{booked.pk}/")).content.decode()
    assert "相談窓口（水曜）" in page
    assert "10:00〜11:00" in page


def test_one_slot_is_booked_once_and_only_inside_the_day(
    personas: Personas, day: Session, cases: tuple[Case, Case]
) -> None:
    booked, other = cases
    assert _book(personas, day, booked).status_code == 201
    taken = _book(personas, day, other)
    assert taken.status_code == 409
    for start in ("12:00", "08:00", "09:30", "25:00"):
        refused = _book(personas, day, other, start=start)
        assert refused.status_code == 422, start
        assert refused.json()["errors"][0]["field"] == "start"
    wrong_professional = post(
        api(personas),
        _api(personas, f"sessions/{day.pk}/bookings"),
        {"start": "11:00", "case_id": other.pk, "professional_id": personas.members["lead"].pk},
    )
    assert wrong_professional.status_code == 422
    assert wrong_professional.json()["errors"][0]["field"] == "professional_id"
    slots = api(personas).get(_api(personas, f"sessions/{day.pk}/slots")).json()["items"]
    assert [(s["start"], s["booked"]) for s in slots] == [
        ("09:00", True),
        ("10:00", False),
        ("11:00", False),
    ]
    # The database itself keeps one booking per slot.
    with scopes_disabled(), pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            municipality=personas.municipality,
            session=day,
            start=time(9),
            end=time(10),
            case=other,
            professional=personas.members["professional"],
        )


def test_who_may_book_and_who_meets_404(
    personas: Personas, day: Session, cases: tuple[Case, Case], make_place: Callable[..., Place]
) -> None:
    booked, _other = cases
    # Place staff run the day but see no case: the case is unknown to them (no leak).
    refused = _book(personas, day, booked, role="place_staff")
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["field"] == "case_id"
    for role in ("professional", "partner", "committee", "admin"):
        assert _book(personas, day, booked, role=role).status_code == 403, role
    # Another municipality's lead: neither the session nor the booking exists.
    outsider = api(personas, "lead", outsider=True)
    url = f"/api/v1/m/{personas.outsider.code}/sessions/{day.pk}/bookings"
    answer = post(outsider, url, {"start": "09:00", "case_id": booked.pk, "professional_id": 1})
    assert answer.status_code == 404
    made = _book(personas, day, booked).json()
    assert (
        outsider.get(f"/api/v1/m/{personas.outsider.code}/bookings/{made['id']}").status_code == 404
    )
    outsider_professional = api(personas, "professional", outsider=True)
    mine = outsider_professional.get(f"/api/v1/m/{personas.outsider.code}/bookings").json()
    assert mine["items"] == []
    # Booking a day that is no consultation day: 409.
    place = make_place(kind="person", name="居場所")
    with scopes_disabled():
        services.sessions_ensure(place, timezone.localdate() + timedelta(days=14))
        plain = Session.objects.filter(place=place, date__gte=timezone.localdate())[0]
    assert _book(personas, plain, booked).status_code == 409


def test_booking_from_the_session_page_with_problems_next_to_the_fields(
    personas: Personas, day: Session, cases: tuple[Case, Case]
) -> None:
    booked, _other = cases
    client = personas.client("counselor")
    url = personas.url(f"places/sessions/{day.pk}/")
    professional = personas.members["professional"].pk
    unknown = client.post(
        url, {"action": "book", "slot": "09:00", "case": 999999, "professional": professional}
    )
    assert unknown.status_code == 200
    assert 'id="id_case_errors"' in unknown.content.decode()
    done = client.post(
        url, {"action": "book", "slot": "09:00", "case": booked.pk, "professional": professional}
    )
    assert done.status_code == 302
    page = client.get(url).content.decode()
    assert "予約 一郎" in page and 'data-slot="09:00"' in page
    assert '<option value="09:00"' not in page  # a booked slot is offered no more
    with scopes_disabled():
        booking = Booking.objects.get(session=day)
    client.post(url, {"action": "cancel_booking", "booking": booking.pk})
    with scopes_disabled():
        booking.refresh_from_db()
    assert booking.is_cancelled


def test_a_place_staff_member_sees_the_slot_taken_but_not_the_case(
    personas: Personas, day: Session, cases: tuple[Case, Case]
) -> None:
    booked, _other = cases
    _book(personas, day, booked)
    page = personas.client("place_staff").get(personas.url(f"places/sessions/{day.pk}/"))
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-slot="09:00"' in text and "予約 一郎" not in text
    assert 'id="book-slot"' not in text


@pytest.mark.django_db(transaction=True)
def test_two_requests_for_one_slot_exactly_one_wins(personas: Personas, day: Session) -> None:
    """Eight threads book the same slot for eight cases at once, on whichever database the
    suite runs (SQLite here, PostgreSQL with DATABASE_URL); a write the database turned away
    as locked is tried again."""
    counselor = personas.members["counselor"]
    cases = [
        make_case(person_in(personas.municipality, name=f"同時{i}"), primary=counselor)
        for i in range(8)
    ]
    barrier = threading.Barrier(len(cases))
    outcomes: list[str] = []

    def book(case: Case) -> None:
        try:
            barrier.wait()
            for _attempt in range(200):
                try:
                    with scope(municipality=personas.municipality):
                        services.booking_create(
                            actor=None,
                            session=day,
                            start=time(11),
                            case=case,
                            professional=personas.members["professional"],
                        )
                    outcomes.append("won")
                    return
                except services.SlotTaken:
                    outcomes.append("taken")
                    return
                except OperationalError:  # SQLite: "database table is locked"; try again
                    threading.Event().wait(0.01)
            outcomes.append("gave up")
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(c,)) for c in cases]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["taken"] * 7 + ["won"]
    with scopes_disabled():
        assert Booking.objects.filter(session=day, cancelled_at__isnull=True).count() == 1
