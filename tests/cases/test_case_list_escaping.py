"""The case list's rows go through Django's autoescaping (cases/_case_rows.html)."""

from django_scopes import scope

from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tsunagu.cases import services
from tsunagu.cases.models import Case
from tsunagu.people import services as people_services


def test_markup_in_a_name_is_shown_as_text_in_the_case_list(personas: Personas) -> None:
    person = make_person(personas.municipality, name="<script>alert('x')</script>")
    lead = personas.members["lead"]
    case = make_case(person, primary=personas.members["counselor"])
    user = personas.members["counselor"].user
    user.display_name = '<img src=x onerror="alert(1)">'
    user.save(update_fields=["display_name"])
    with scope(municipality=personas.municipality):
        services.risk_raise(actor=lead, case=case, kind="suicidal_ideation")
    page = personas.client("lead").get(personas.url("cases/")).content.decode()
    assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    # The rest of the row is still markup.
    assert f'<a href="/m/232297/cases/{case.pk}/">#{case.pk}</a>' in page
    assert 'data-risk="suicidal_ideation"' in page and 'class="table-danger"' in page


def test_a_row_without_a_name_says_so(personas: Personas) -> None:
    person = make_person(personas.municipality)
    make_case(person, primary=personas.members["counselor"])
    page = personas.client("lead").get(personas.url("cases/")).content.decode()
    assert f'data-person-link>No.{person.number} <span class="text-muted">（氏名未登録）' in page


def test_a_changed_row_is_rendered_anew(personas: Personas, case: Case) -> None:
    client = personas.client("lead")
    assert "山田太郎" in client.get(personas.url("cases/")).content.decode()
    with scope(municipality=personas.municipality):
        people_services.person_update(actor=None, person=case.person, name="山田次郎")
    page = client.get(personas.url("cases/")).content.decode()
    assert "山田次郎" in page and "山田太郎" not in page
