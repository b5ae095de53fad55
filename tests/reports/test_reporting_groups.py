import pytest
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.reports.models import ReportingGroup
from tsunagu.reports.services import reporting_group_save
from tsunagu.tenancy.models import Municipality


def groups_of(m: Municipality) -> list[tuple[str, list[str]]]:
    with scope(municipality=m):
        return list(ReportingGroup.objects.filter(municipality=m).values_list("name", "channels"))


@pytest.mark.parametrize("role", ["admin", "lead"])
def test_the_admin_and_the_lead_add_a_group(personas: Personas, role: str) -> None:
    client = personas.client(role)
    url = personas.url("statistics/groups/")
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"name": "その他（メール・手紙）", "channels": ["email", "letter"], "position": "1"}
    )
    assert response.status_code == 302
    assert groups_of(personas.municipality) == [("その他（メール・手紙）", ["email", "letter"])]
    assert "その他（メール・手紙）" in client.get(url).content.decode()


def test_a_group_needs_a_channel_and_a_unique_name(
    personas: Personas, mail_and_letters: ReportingGroup
) -> None:
    client = personas.client("admin")
    url = personas.url("statistics/groups/")
    response = client.post(url, {"name": "空", "position": "0"})
    assert response.status_code == 200 and 'id="id_channels_errors"' in response.content.decode()
    response = client.post(
        url, {"name": "その他（メール・手紙）", "channels": ["web"], "position": "0"}
    )
    assert response.status_code == 200 and 'id="id_name_errors"' in response.content.decode()
    assert len(groups_of(personas.municipality)) == 1


def test_the_admin_edits_and_deletes_a_group(
    personas: Personas, mail_and_letters: ReportingGroup
) -> None:
    client = personas.client("admin")
    url = personas.url(f"statistics/groups/{mail_and_letters.pk}/")
    assert client.get(url).status_code == 200
    response = client.post(url, {"name": "文書", "channels": ["letter"], "position": "3"})
    assert response.status_code == 302
    assert groups_of(personas.municipality) == [("文書", ["letter"])]
    assert client.get(url + "delete/").status_code == 405
    assert client.post(url + "delete/").status_code == 302
    assert groups_of(personas.municipality) == []


@pytest.mark.parametrize("role", ["counselor", "committee", "professional", "partner"])
def test_other_roles_may_not_manage_groups(
    personas: Personas, role: str, mail_and_letters: ReportingGroup
) -> None:
    client = personas.client(role)
    assert client.get(personas.url("statistics/groups/")).status_code == 403
    url = personas.url(f"statistics/groups/{mail_and_letters.pk}/")
    assert (
        client.post(url, {"name": "x", "channels": ["phone"], "position": "0"}).status_code == 403
    )
    assert client.post(url + "delete/").status_code == 403
    assert groups_of(personas.municipality) == [("その他（メール・手紙）", ["email", "letter"])]


def test_another_municipalitys_group_answers_404(personas: Personas) -> None:
    with scope(municipality=personas.outsider):
        foreign = reporting_group_save(
            municipality=personas.outsider, name="その他", channels=["email", "agency"]
        )
    client = personas.client("admin")
    url = personas.url(f"statistics/groups/{foreign.pk}/")
    assert client.get(url).status_code == 404
    assert (
        client.post(url, {"name": "x", "channels": ["phone"], "position": "0"}).status_code == 404
    )
    assert client.post(url + "delete/").status_code == 404
    assert groups_of(personas.outsider) == [("その他", ["email", "agency"])]


def test_a_group_stores_its_channels_in_code_list_order(personas: Personas) -> None:
    with scope(municipality=personas.municipality):
        group = reporting_group_save(
            municipality=personas.municipality, name="x", channels=["letter", "email"]
        )
    assert group.channels == ["email", "letter"]
