"""Pages and answers that show a person are written to the access log, edit forms included,
and every write is logged as a write (issue 13, item 1)."""

from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tsunagu.audit.models import AccessLogEntry
from tsunagu.people import services
from tsunagu.people.models import Consent, FamilyMember, Person

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


def _last() -> AccessLogEntry:
    with scopes_disabled():
        entry = AccessLogEntry.objects.order_by("seq").last()
    assert entry is not None
    return entry


def _entries() -> int:
    with scopes_disabled():
        return AccessLogEntry.objects.count()


@pytest.fixture
def family(yamada: Person) -> FamilyMember:
    with scope(municipality=yamada.municipality):
        return services.family_member_create(
            actor=None, person=yamada, relation="mother", name="山田花子"
        )


@pytest.fixture
def consent(personas: Personas, yamada: Person) -> Consent:
    partner = personas.members["partner"].organization
    assert partner is not None
    with scope(municipality=yamada.municipality):
        return services.consent_record(
            actor=None,
            person=yamada,
            organizations=[partner],
            purposes="就労支援のため",
            valid_from=timezone.localdate() - timedelta(days=1),
            valid_until=None,
            form="written",
        )


def test_the_edit_form_of_a_person_is_logged(personas: Personas, yamada: Person) -> None:
    response = personas.client("counselor").get(personas.url(f"persons/{yamada.pk}/edit/"))
    assert response.status_code == 200 and "山田太郎" in response.content.decode()
    entry = _last()
    assert (entry.action, entry.username) == ("view", "toyoake-counselor")
    assert entry.objects_seen == [{"type": "person", "id": yamada.pk, "basis": "assignment"}]


def test_the_edit_form_of_a_family_member_is_logged(
    personas: Personas, yamada: Person, family: FamilyMember
) -> None:
    url = personas.url(f"persons/{yamada.pk}/family/{family.pk}/")
    response = personas.client("counselor").get(url)
    assert response.status_code == 200 and "山田花子" in response.content.decode()
    entry = _last()
    assert entry.action == "view"
    assert entry.objects_seen == [
        {"type": "person", "id": yamada.pk, "basis": "assignment"},
        {"type": "family_member", "id": family.pk, "basis": "assignment"},
    ]


def test_the_consent_revoke_confirmation_is_logged(
    personas: Personas, yamada: Person, consent: Consent
) -> None:
    url = personas.url(f"persons/{yamada.pk}/consents/{consent.pk}/revoke/")
    assert personas.client("lead").get(url).status_code == 200
    entry = _last()
    assert entry.action == "view"
    assert {"type": "person", "id": yamada.pk, "basis": "role"} in entry.objects_seen
    assert {"type": "consent", "id": consent.pk, "basis": "role"} in entry.objects_seen


def test_revoking_is_logged_as_an_update(
    personas: Personas, yamada: Person, consent: Consent
) -> None:
    url = personas.url(f"persons/{yamada.pk}/consents/{consent.pk}/revoke/")
    assert personas.client("lead").post(url).status_code == 302
    entry = _last()
    assert entry.action == "update"
    assert {"type": "consent", "id": consent.pk, "basis": "role"} in entry.objects_seen


def test_the_person_page_logs_the_cases_it_lists(personas: Personas, yamada: Person) -> None:
    personas.client("counselor").get(personas.url(f"persons/{yamada.pk}/"))
    entry = _last()
    assert entry.action == "view"
    assert {o["type"] for o in entry.objects_seen} == {"person", "case"}


def test_registering_and_changing_a_person_on_the_screen_are_logged_as_writes(
    personas: Personas,
) -> None:
    client = personas.client("counselor")
    response = client.post(personas.url("persons/new/"), {"name": "新規", "gender": "unknown"})
    assert response.status_code == 302, response.content.decode()[:2000]
    created = _last()
    assert created.action == "create"
    [person_seen] = [o for o in created.objects_seen if o["type"] == "person"]
    edit = personas.url(f"persons/{person_seen['id']}/edit/")
    client.post(edit, {"name": "新規二", "gender": "unknown"})
    assert _last().action == "update"


def test_a_family_member_added_is_logged_as_a_create(personas: Personas, yamada: Person) -> None:
    url = personas.url(f"persons/{yamada.pk}/family/new/")
    response = personas.client("counselor").post(url, {"relation": "father", "name": "山田一郎"})
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        added = FamilyMember.objects.get(person=yamada, relation="father")
    entry = _last()
    assert entry.action == "create"
    assert {"type": "family_member", "id": added.pk, "basis": "role"} in entry.objects_seen


def _api(method: str, personas: Personas, path: str, **kwargs: Any) -> "_MonkeyPatchedWSGIResponse":
    headers = {"Authorization": f"Bearer {personas.token('counselor')}"}
    response: _MonkeyPatchedWSGIResponse = getattr(Client(), method)(
        f"/api/v1/m/{personas.municipality.code}/persons{path}",
        headers=headers,
        content_type="application/json",
        **kwargs,
    )
    return response


def test_an_empty_api_patch_answers_the_person_and_is_logged_as_an_update(
    personas: Personas, yamada: Person
) -> None:
    before = _entries()
    response = _api("patch", personas, f"/{yamada.pk}", data={})
    assert response.status_code == 200 and response.json()["name"] == "山田太郎"
    assert _entries() > before
    entry = _last()
    assert (entry.action, entry.channel) == ("update", "api")
    assert {"type": "person", "id": yamada.pk, "basis": "assignment"} in entry.objects_seen


def test_a_person_created_through_the_api_is_logged_as_a_create(personas: Personas) -> None:
    response = _api("post", personas, "", data={"name": "新規"})
    assert response.status_code == 201, response.content
    entry = _last()
    assert (entry.action, entry.channel) == ("create", "api")
    assert {"type": "person", "id": response.json()["id"], "basis": "role"} in entry.objects_seen
