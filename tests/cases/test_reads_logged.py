"""Forms and answers that show a case are written to the access log; writes as writes."""

from django.test import Client
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tests.people.helpers import make_person
from tsunagu.audit.models import AccessLogEntry
from tsunagu.cases.models import Case


def _last() -> AccessLogEntry:
    with scopes_disabled():
        entry = AccessLogEntry.objects.order_by("seq").last()
    assert entry is not None
    return entry


def test_the_edit_form_of_a_case_is_logged_with_its_person(personas: Personas, case: Case) -> None:
    response = personas.client("counselor").get(personas.url(f"cases/{case.pk}/edit/"))
    assert response.status_code == 200
    entry = _last()
    assert (entry.action, entry.username) == ("view", "toyoake-counselor")
    assert {"type": "case", "id": case.pk, "basis": "assignment"} in entry.objects_seen
    assert {"type": "person", "id": case.person_id, "basis": "assignment"} in entry.objects_seen


def test_the_assignment_form_is_logged(personas: Personas, case: Case) -> None:
    response = personas.client("lead").get(personas.url(f"cases/{case.pk}/assign/"))
    assert response.status_code == 200
    entry = _last()
    assert entry.action == "view"
    assert {"type": "case", "id": case.pk, "basis": "role"} in entry.objects_seen


def test_the_new_case_form_for_a_person_is_logged(personas: Personas) -> None:
    person = make_person(personas.municipality, name="佐藤")
    response = personas.client("counselor").get(personas.url(f"cases/new/?person={person.pk}"))
    assert response.status_code == 200
    entry = _last()
    assert entry.action == "view"
    assert entry.objects_seen == [{"type": "person", "id": person.pk, "basis": "intake"}]


def test_opening_a_case_is_logged_as_a_create(personas: Personas) -> None:
    response = personas.client("counselor").post(
        personas.url("cases/new/"),
        {"new_person": "on", "opened_on": "2026-04-01", "referral_source": "family"},
    )
    assert response.status_code == 302
    entry = _last()
    assert entry.action == "create"
    assert {o["type"] for o in entry.objects_seen} == {"person", "case"}


def test_an_action_on_the_case_page_is_logged_as_an_update(personas: Personas, case: Case) -> None:
    url = personas.url(f"cases/{case.pk}/plan/")
    response = personas.client("counselor").post(url, {"plan-what": "週1回の面談"})
    assert response.status_code == 302
    entry = _last()
    assert entry.action == "update"
    assert {"type": "case", "id": case.pk, "basis": "assignment"} in entry.objects_seen


def test_an_empty_api_patch_answers_the_case_and_is_logged_as_an_update(
    personas: Personas, case: Case
) -> None:
    response = Client().patch(
        f"/api/v1/m/{personas.municipality.code}/cases/{case.pk}",
        data={},
        content_type="application/json",
        headers={"Authorization": f"Bearer {personas.token('counselor')}"},
    )
    assert response.status_code == 200 and response.json()["goal"] == "外に出たい"
    entry = _last()
    assert (entry.action, entry.channel) == ("update", "api")
    assert {"type": "case", "id": case.pk, "basis": "assignment"} in entry.objects_seen
