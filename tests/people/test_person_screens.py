from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_scopes import scope, scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tsunagu.audit.models import AccessLogEntry
from tsunagu.people import services
from tsunagu.people.models import FamilyMember, Person

NEVER_PERSONS = ["admin", "place_staff", "committee"]


def _log(action: str | None = None) -> list[AccessLogEntry]:
    with scopes_disabled():
        entries = AccessLogEntry.objects.order_by("seq")
        return list(entries.filter(action=action) if action else entries)


def _pages(person_pk: int) -> list[str]:
    return [
        "persons/",
        "persons/?q=山田",
        "persons/new/",
        f"persons/{person_pk}/",
        f"persons/{person_pk}/edit/",
        f"persons/{person_pk}/family/new/",
    ]


@pytest.mark.parametrize("role", NEVER_PERSONS)
def test_roles_without_person_data_are_refused_on_every_person_page(
    personas: Personas, yamada: Person, role: str
) -> None:
    client = personas.client(role)
    for page in _pages(yamada.pk):
        assert client.get(personas.url(page)).status_code == 403, page
    assert client.post(personas.url("persons/new/"), {"gender": "unknown"}).status_code == 403


@pytest.mark.parametrize("role", ["lead", "counselor"])
def test_staff_who_work_cases_reach_every_person_page(
    personas: Personas, yamada: Person, role: str
) -> None:
    client = personas.client(role)
    for page in _pages(yamada.pk):
        assert client.get(personas.url(page)).status_code == 200, page


@pytest.mark.parametrize("role", ["professional", "partner"])
def test_viewing_roles_may_list_but_not_edit(personas: Personas, yamada: Person, role: str) -> None:
    client = personas.client(role)
    assert client.get(personas.url("persons/")).status_code == 200
    assert client.get(personas.url("persons/new/")).status_code == 403
    assert client.get(personas.url(f"persons/{yamada.pk}/edit/")).status_code == 403


@pytest.mark.parametrize("role", ["lead", "counselor", "professional", "partner"])
def test_another_municipalitys_person_pages_answer_404(personas: Personas, role: str) -> None:
    foreign = make_person(personas.outsider, name="三好太郎")
    client = personas.client(role)
    assert client.get(personas.url("persons/", outsider=True)).status_code == 404
    assert client.get(personas.url(f"persons/{foreign.pk}/", outsider=True)).status_code == 404
    response = client.get(personas.url(f"persons/{foreign.pk}/"))
    assert response.status_code == 404
    assert "三好太郎" not in response.content.decode()


def test_a_person_outside_sight_answers_404_not_403(personas: Personas) -> None:
    hidden = make_person(personas.municipality, name="秘匿")
    make_case(hidden, primary=personas.members["lead"], is_shared=False)
    for role in ("counselor", "professional", "partner"):
        client = personas.client(role)
        assert client.get(personas.url(f"persons/{hidden.pk}/")).status_code == 404
    assert (
        personas.client("counselor").get(personas.url(f"persons/{hidden.pk}/edit/")).status_code
        == 404
    )


def test_the_search_answers_htmx_with_the_results_only(personas: Personas, yamada: Person) -> None:
    make_person(personas.municipality, name="佐藤")
    response = personas.client("counselor").get(
        personas.url("persons/"), {"q": "ﾔﾏﾀﾞ"}, headers={"HX-Request": "true"}
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "山田太郎" in page and "佐藤" not in page
    assert "<html" not in page and 'id="person-table"' in page


def test_the_list_page_searches_as_you_type(personas: Personas, yamada: Person) -> None:
    page = personas.client("counselor").get(personas.url("persons/")).content.decode()
    assert 'hx-get="/m/232297/persons/"' in page and 'hx-target="#person-results"' in page
    assert "delay:" in page


def test_a_list_and_a_search_are_written_to_the_access_log(
    personas: Personas, yamada: Person
) -> None:
    make_person(personas.municipality, name="佐藤")
    client = personas.client("counselor")
    client.get(personas.url("persons/"))
    client.get(personas.url("persons/"), {"q": "山田"})
    listed, searched = _log("list")[-1], _log("search")[-1]
    assert {o["id"] for o in listed.objects_seen} == {yamada.pk, yamada.pk + 1}
    assert searched.objects_seen == [{"type": "person", "id": yamada.pk, "basis": "assignment"}]
    assert searched.channel == "web" and searched.username == "toyoake-counselor"


def test_a_person_page_is_written_to_the_access_log_with_its_basis(
    personas: Personas, yamada: Person
) -> None:
    personas.client("lead").get(personas.url(f"persons/{yamada.pk}/"))
    entry = _log("view")[-1]
    with scopes_disabled():
        [case] = yamada.cases.all()
    # The page lists the person's cases: they are recorded with the person.
    assert entry.objects_seen == [
        {"type": "person", "id": yamada.pk, "basis": "role"},
        {"type": "case", "id": case.pk, "basis": "role"},
    ]
    assert "山田" not in str(entry.objects_seen)


def test_the_list_takes_the_same_number_of_queries_for_5_or_30_persons(personas: Personas) -> None:
    client = personas.client("counselor")
    client.get(personas.url("persons/"))  # the session and the access log's chain head exist now
    counts = []
    for total in (5, 30):
        while len(_all_persons(personas)) < total:
            person = make_person(personas.municipality, name="山田", birth_date=date(1990, 5, 1))
            make_case(person, primary=personas.members["counselor"])
        with CaptureQueriesContext(connection) as queries:
            assert client.get(personas.url("persons/")).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def _all_persons(personas: Personas) -> list[Person]:
    with scope(municipality=personas.municipality):
        return list(Person.objects.all())


def test_a_counselor_registers_a_person_with_nothing_but_defaults(personas: Personas) -> None:
    make_person(personas.municipality)
    response = personas.client("counselor").post(
        personas.url("persons/new/"), {"gender": "unknown"}
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        person = Person.objects.get(number=2)
    assert response["Location"] == personas.url(f"persons/{person.pk}/")
    assert person.name == ""


def test_it_saves_backgrounds_and_the_guideline_axes(personas: Personas) -> None:
    response = personas.client("counselor").post(
        personas.url("persons/new/"),
        {
            "name": "山田太郎",
            "gender": "male",
            "withdrawal_since_year": "2015",
            "withdrawal_since_month": "4",
            "backgrounds": ["left_job", "illness"],
            "axis_environment": "母と二人暮らし",
            "axis_mental_disorder": "",
        },
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        person = Person.objects.get()
    assert person.backgrounds == ["left_job", "illness"]
    assert person.guideline_axes == {"environment": "母と二人暮らし"}


def test_the_person_page_shows_derived_withdrawal_and_age_band(
    personas: Personas, yamada: Person, settings: SettingsWrapper
) -> None:
    with scope(municipality=personas.municipality):
        services.person_update(
            actor=None,
            person=yamada,
            birth_date=date(1985, 1, 1),
            withdrawal_since_year=2010,
            withdrawal_since_month=1,
            backgrounds=["school_refusal"],
        )
    page = personas.client("counselor").get(personas.url(f"persons/{yamada.pk}/")).content.decode()
    assert 'id="withdrawal"' in page and "2010年1月から" in page
    assert 'data-code="school_refusal"' in page


def test_a_refused_form_keeps_what_was_typed(personas: Personas) -> None:
    response = personas.client("counselor").post(
        personas.url("persons/new/"),
        {"name": "山田太郎", "gender": "unknown", "withdrawal_since_month": "13"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "山田太郎" in page and "invalid-feedback" in page
    assert _all_persons(personas) == []


def test_a_counselor_edits_a_person(personas: Personas, yamada: Person) -> None:
    response = personas.client("counselor").post(
        personas.url(f"persons/{yamada.pk}/edit/"),
        {"name": "山田次郎", "gender": "male", "district": "沓掛"},
    )
    assert response.status_code == 302
    yamada.refresh_from_db()
    assert yamada.name == "山田次郎" and yamada.name_key == "山田次郎"


def test_a_counselor_adds_and_edits_a_family_member(personas: Personas, yamada: Person) -> None:
    client = personas.client("counselor")
    response = client.post(
        personas.url(f"persons/{yamada.pk}/family/new/"),
        {
            "relation": "mother",
            "name": "山田花子",
            "phone": "0562-00-0000",
            "consults_on_behalf": "on",
        },
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        mother = FamilyMember.objects.get()
    assert mother.consults_on_behalf and mother.person_id == yamada.pk
    response = client.post(
        personas.url(f"persons/{yamada.pk}/family/{mother.pk}/"),
        {"relation": "mother", "name": "山田花子", "phone": "0562-11-1111"},
    )
    assert response.status_code == 302
    mother.refresh_from_db()
    assert mother.phone == "0562-11-1111" and not mother.consults_on_behalf
    page = client.get(personas.url(f"persons/{yamada.pk}/")).content.decode()
    assert "0562-11-1111" in page


def test_a_family_member_of_another_person_answers_404(personas: Personas, yamada: Person) -> None:
    other = make_person(personas.municipality)
    with scope(municipality=personas.municipality):
        sibling = services.family_member_create(actor=None, person=other, relation="sibling")
    url = personas.url(f"persons/{yamada.pk}/family/{sibling.pk}/")
    assert personas.client("counselor").get(url).status_code == 404


def test_a_search_with_more_matches_than_the_cap_says_so(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tsunagu.core import paging

    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    for n in range(3):
        make_person(personas.municipality, name=f"山田{n}")
    page = personas.client("lead").get(personas.url("persons/"), {"q": "山田"}).content.decode()
    assert "2件以上" in page
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    page = personas.client("lead").get(personas.url("persons/"), {"q": "山田"}).content.decode()
    assert "件以上" not in page and "3" in page
