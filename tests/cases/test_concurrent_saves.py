"""Two staff saving the same case: the second is told and nothing is overwritten (optimistic
locking); a form sent twice (a double click) opens one case."""

import re

from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tests.people.helpers import make_person
from tsunagu.cases.models import Case


def _edit(personas: Personas, case: Case, role: str) -> dict[str, str]:
    """The edit form as served to `role`: its fields with their values."""
    page = personas.client(role).get(personas.url(f"cases/{case.pk}/edit/")).content.decode()
    version = re.search(r'name="version" value="(\d+)"', page)
    assert version, "the edit form carries the case's version"
    return {"goal": "", "referral_source": case.referral_source, "version": version.group(1)}


def test_the_second_of_two_saves_from_the_same_version_is_refused(
    personas: Personas, case: Case
) -> None:
    url = personas.url(f"cases/{case.pk}/edit/")
    first, second = _edit(personas, case, "counselor"), _edit(personas, case, "lead")
    saved = personas.client("counselor").post(url, {**first, "goal": "働きたい"})
    assert saved.status_code == 302
    refused = personas.client("lead").post(
        url, {**second, "goal": "外に出たい・改", "is_shared": "on"}
    )
    assert refused.status_code == 200
    assert "他の職員がこのケースを保存しました" in refused.content.decode()
    with scope(municipality=personas.municipality):
        case = Case.objects.get(pk=case.pk)
    assert case.goal == "働きたい" and case.version == 1


def test_saves_one_after_the_other_both_pass(personas: Personas, case: Case) -> None:
    url = personas.url(f"cases/{case.pk}/edit/")
    client = personas.client("counselor")
    assert client.post(url, {**_edit(personas, case, "counselor"), "goal": "一"}).status_code == 302
    assert client.post(url, {**_edit(personas, case, "counselor"), "goal": "二"}).status_code == 302
    with scope(municipality=personas.municipality):
        assert Case.objects.get(pk=case.pk).goal == "二"


def test_a_new_case_form_sent_twice_opens_one_case(personas: Personas) -> None:
    person = make_person(personas.municipality, name="佐藤")
    client = personas.client("counselor")
    url = personas.url(f"cases/new/?person={person.pk}")
    token = re.search(r'name="submission" value="(\w+)"', client.get(url).content.decode())
    assert token
    data = {"opened_on": "2026-04-01", "referral_source": "family", "submission": token.group(1)}
    first = client.post(url, data)
    second = client.post(url, data)
    with scopes_disabled():
        [case] = Case.objects.all()
    assert first["Location"] == second["Location"] == personas.url(f"cases/{case.pk}/")


def test_a_refused_form_can_be_sent_again_with_its_token(personas: Personas) -> None:
    person = make_person(personas.municipality, name="佐藤")
    client = personas.client("counselor")
    url = personas.url(f"cases/new/?person={person.pk}")
    data = {"referral_source": "family", "submission": "a" * 32, "opened_on": "1800-01-01"}
    assert client.post(url, data).status_code == 200
    assert client.post(url, {**data, "opened_on": "2026-04-01"}).status_code == 302
    with scopes_disabled():
        assert Case.objects.count() == 1
