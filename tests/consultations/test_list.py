from collections.abc import Callable
from datetime import datetime, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.audit.models import AccessLogEntry
from tsunagu.cases.models import Case
from tsunagu.consultations.models import Consultation
from tsunagu.core.eras import TOKYO
from tsunagu.people.models import Person
from tsunagu.people.services import person_create


def list_url(personas: Personas, **kw: bool) -> str:
    return personas.url("consultations/", **kw)


def fill(
    personas: Personas, record: Callable[..., Consultation], n: int, person: Person | None = None
) -> None:
    start = datetime(2018, 4, 2, 9, 0, tzinfo=TOKYO)
    for i in range(n):
        record(occurred_at=start + timedelta(hours=i), person=person, summary=f"記録{i}")


@pytest.mark.parametrize("role", ["counselor", "lead"])
def test_it_lists_consultations_newest_first(
    personas: Personas, record: Callable[..., Consultation], role: str
) -> None:
    old = record(occurred_at=datetime(2018, 4, 2, 9, 0, tzinfo=TOKYO))
    new = record(occurred_at=datetime(2018, 5, 1, 9, 0, tzinfo=TOKYO))
    response = personas.client(role).get(list_url(personas))
    assert response.status_code == 200
    assert [c.pk for c in response.context["rows"]] == [new.pk, old.pk]


@pytest.mark.parametrize("role", ["committee", "place_staff", "admin"])
def test_it_refuses_roles_that_may_not_see_persons(personas: Personas, role: str) -> None:
    assert personas.client(role).get(list_url(personas)).status_code == 403


def test_a_partner_sees_no_consultation_of_the_center(
    personas: Personas, record: Callable[..., Consultation]
) -> None:
    record()
    response = personas.client("partner").get(list_url(personas))
    assert response.status_code == 200
    assert response.context["rows"] == []


def test_it_answers_404_for_another_municipality(personas: Personas) -> None:
    response = personas.client("counselor").get(list_url(personas, outsider=True))
    assert response.status_code == 404


def test_it_filters_by_date_range_in_tokyo_days_and_channel(
    personas: Personas, record: Callable[..., Consultation]
) -> None:
    record(occurred_at=datetime(2018, 4, 1, 23, 59, tzinfo=TOKYO))
    inside = record(occurred_at=datetime(2018, 4, 2, 0, 0, tzinfo=TOKYO))
    last = record(occurred_at=datetime(2018, 4, 3, 23, 59, tzinfo=TOKYO), channel="walk_in")
    record(occurred_at=datetime(2018, 4, 4, 0, 0, tzinfo=TOKYO))
    client = personas.client("lead")
    response = client.get(list_url(personas), {"date_from": "2018-04-02", "date_to": "2018-04-03"})
    assert {c.pk for c in response.context["rows"]} == {inside.pk, last.pk}
    walk_in = client.get(list_url(personas), {"channel": "walk_in"})
    assert [c.pk for c in walk_in.context["rows"]] == [last.pk]
    wareki = client.get(list_url(personas), {"date_from": "H30.4.2", "date_to": "平成30年4月3日"})
    assert {c.pk for c in wareki.context["rows"]} == {inside.pk, last.pk}


def test_it_pages_fifty_at_a_time(personas: Personas, record: Callable[..., Consultation]) -> None:
    fill(personas, record, 51)
    client = personas.client("lead")
    assert len(client.get(list_url(personas)).context["rows"]) == 50
    assert len(client.get(list_url(personas), {"page": 2}).context["rows"]) == 1


def test_a_counselor_does_not_see_calls_about_a_person_of_a_restricted_case(
    personas: Personas, record: Callable[..., Consultation], case: Case
) -> None:
    with scope(municipality=personas.municipality):
        case.is_shared = False
        case.save(update_fields=["is_shared"])
        case.assignments.all().delete()
    record(person=case.person)
    anonymous = record()
    response = personas.client("counselor").get(list_url(personas))
    assert [c.pk for c in response.context["rows"]] == [anonymous.pk]


def test_the_list_is_written_to_the_access_log(
    personas: Personas, record: Callable[..., Consultation], person: Person
) -> None:
    shown = record(person=person)
    personas.client("counselor").get(list_url(personas))
    with scope(municipality=personas.municipality):
        entry = AccessLogEntry.objects.get(action="list")
    assert {"type": "consultation", "id": shown.pk, "basis": "intake"} in entry.objects_seen
    assert {"type": "person", "id": person.pk, "basis": "intake"} in entry.objects_seen
    assert "山田" not in str(entry.objects_seen)


def _queries(personas: Personas, client: Client) -> int:
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(list_url(personas)).status_code == 200
    return len(ctx.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_rows(
    personas: Personas, record: Callable[..., Consultation], in_toyoake: Personas
) -> None:
    client = personas.client("counselor")
    people = [
        person_create(actor=None, municipality=personas.municipality, name=f"対象者{i}")
        for i in range(5)
    ]
    for p in people:
        fill(personas, record, 1, person=p)
    client.get(list_url(personas))  # the first request after logging in does more
    few = _queries(personas, client)
    for p in people:
        fill(personas, record, 5, person=p)
    many = _queries(personas, client)
    assert few == many


def test_the_detail_page_shows_one_record_and_logs_it(
    personas: Personas, record: Callable[..., Consultation], person: Person
) -> None:
    consultation = record(person=person, summary="一行目\n二行目")
    response = personas.client("counselor").get(personas.url(f"consultations/{consultation.pk}/"))
    assert response.status_code == 200
    assert "一行目<br>二行目" in response.content.decode()
    with scope(municipality=personas.municipality):
        assert AccessLogEntry.objects.filter(action="view").count() == 1


def test_the_detail_page_answers_404_for_what_the_member_may_not_see(
    personas: Personas, record: Callable[..., Consultation], case: Case
) -> None:
    with scope(municipality=personas.municipality):
        case.is_shared = False
        case.save(update_fields=["is_shared"])
        case.assignments.all().delete()
    hidden = record(person=case.person)
    response = personas.client("counselor").get(personas.url(f"consultations/{hidden.pk}/"))
    assert response.status_code == 404
    assert (
        personas.client("committee").get(personas.url(f"consultations/{hidden.pk}/")).status_code
        == 403
    )
