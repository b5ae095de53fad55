"""The admin sets the retention period on a screen and sees what is due, as counts only."""

from django_scopes import scopes_disabled

from tests.conftest import Personas
from tests.people.helpers import make_person
from tsunagu.retention.models import RetentionPolicy

URL = "admin/retention/"


def test_the_admin_sees_the_default_period_and_what_is_due(personas: Personas) -> None:
    make_person(personas.municipality, name="山田太郎")
    page = personas.client("admin").get(personas.url(URL)).content.decode()
    assert 'name="years" value="5"' in page
    assert "山田" not in page


def test_the_admin_changes_the_period(personas: Personas) -> None:
    response = personas.client("admin").post(personas.url(URL), {"years": "10"})
    assert response.status_code == 302
    with scopes_disabled():
        policy = RetentionPolicy.objects.get(municipality=personas.municipality)
    assert policy.years == 10 and policy.updated_by == personas.members["admin"]


def test_a_period_out_of_range_is_refused_with_what_was_typed_kept(personas: Personas) -> None:
    response = personas.client("admin").post(personas.url(URL), {"years": "0"})
    assert response.status_code == 200
    assert response.context["form"].errors["years"]
    assert 'value="0"' in response.content.decode()
    with scopes_disabled():
        assert not RetentionPolicy.objects.exists()


def test_a_lead_may_not_change_the_period(personas: Personas) -> None:
    response = personas.client("lead").post(personas.url(URL), {"years": "1"})
    assert response.status_code == 403
    with scopes_disabled():
        assert not RetentionPolicy.objects.exists()


def test_another_municipalitys_admin_gets_404_and_changes_nothing(personas: Personas) -> None:
    response = personas.client("admin", outsider=True).post(personas.url(URL), {"years": "1"})
    assert response.status_code == 404
    with scopes_disabled():
        assert not RetentionPolicy.objects.exists()
