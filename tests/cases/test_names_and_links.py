"""Names as counselors read them (issue 12 item 10): a person's name links to their page
wherever the case number links to the case; staff appear by display name, not username;
未把握 says only that no person is known yet, a person without a name is 氏名未登録."""

import re

from django_scopes import scope

from tests.conftest import Personas
from tests.people.helpers import make_case, make_consultation, make_person
from tsunagu.cases import services
from tsunagu.people.models import Person
from tsunagu.tenancy.models import Membership


def html(personas: Personas, role: str, path: str) -> str:
    response = personas.client(role).get(personas.url(path))
    assert response.status_code == 200
    return response.content.decode()


def text(page: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page))


def named_counselor(personas: Personas) -> Membership:
    counselor = personas.members["counselor"]
    counselor.user.display_name = "相談 花子"
    counselor.user.save()
    return counselor


def person_link(personas: Personas, person: Person) -> str:
    return f'href="{personas.url(f"persons/{person.pk}/")}"'


def test_the_case_list_links_the_person_to_their_page(personas: Personas) -> None:
    person = make_person(personas.municipality, name="山田 太郎")
    make_case(person, primary=personas.members["counselor"])
    page = html(personas, "lead", "cases/")
    link = re.search(rf"<a {person_link(personas, person)}[^>]*>(.*?)</a>", page, re.S)
    assert link and "山田 太郎" in link[1]


def test_the_case_page_links_the_person_by_name(personas: Personas) -> None:
    person = make_person(personas.municipality, name="山田 太郎")
    case = make_case(person, primary=personas.members["counselor"])
    page = html(personas, "lead", f"cases/{case.pk}/")
    link = re.search(rf"<a {person_link(personas, person)}[^>]*>(.*?)</a>", page, re.S)
    assert link and "山田 太郎" in link[1]


def test_a_risk_on_the_home_page_links_case_and_person_apart(personas: Personas) -> None:
    person = make_person(personas.municipality, name="山田 太郎")
    case = make_case(person, primary=personas.members["counselor"])
    with scope(municipality=personas.municipality):
        services.risk_raise(actor=None, case=case, kind="suicidal_ideation")
    page = html(personas, "counselor", "")
    assert f'href="{personas.url(f"cases/{case.pk}/")}">#{case.pk}</a>' in page
    link = re.search(rf'<a class="[^"]*" {person_link(personas, person)}>(.*?)</a>', page, re.S)
    assert link and "山田 太郎" in link[1]


def test_staff_appear_by_display_name_not_username(personas: Personas) -> None:
    counselor = named_counselor(personas)
    person = make_person(personas.municipality, name="山田 太郎")
    case = make_case(person, primary=counselor)
    make_consultation(personas.municipality, person=person, case=case, staff=counselor)
    for path in (f"cases/{case.pk}/", "cases/", "consultations/", f"persons/{person.pk}/"):
        page = text(html(personas, "lead", path))
        assert "相談 花子" in page, path
        assert "toyoake-counselor" not in page, path


def test_a_person_without_a_name_is_not_called_unknown(personas: Personas) -> None:
    person = make_person(personas.municipality)
    case = make_case(person, primary=personas.members["counselor"])
    for path in ("cases/", f"cases/{case.pk}/", f"persons/{person.pk}/"):
        page = text(html(personas, "lead", path))
        assert "氏名未登録" in page, path
        assert "未把握" not in page, path


def test_a_consultation_with_no_person_yet_says_so(personas: Personas) -> None:
    make_consultation(personas.municipality, summary="匿名の電話")
    page = text(html(personas, "lead", "consultations/"))
    assert "対象者未把握" in page
