import pytest
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership, Organization


def test_the_admin_adds_an_organization(personas: Personas) -> None:
    client = personas.client("admin")
    response = client.post(
        personas.url("admin/organizations/"),
        {"name": "豊明市地域包括支援センター", "kind": "community_care"},
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        org = Organization.objects.get(name="豊明市地域包括支援センター")
    assert org.municipality == personas.municipality
    assert not org.is_contractor
    assert (
        "豊明市地域包括支援センター"
        in client.get(personas.url("admin/organizations/")).content.decode()
    )


def test_a_duplicate_organization_name_is_refused_with_a_message(personas: Personas) -> None:
    response = personas.client("admin").post(
        personas.url("admin/organizations/"),
        {"name": "豊明市社会福祉協議会", "kind": "npo"},
    )
    assert response.status_code == 200
    assert (
        "invalid-feedback" in response.content.decode()
        or "alert-danger" in response.content.decode()
    )


def test_the_admin_edits_its_organization(personas: Personas) -> None:
    with scope(municipality=personas.municipality):
        org = Organization.objects.get()
    response = personas.client("admin").post(
        personas.url(f"admin/organizations/{org.pk}/"),
        {"name": "豊明市社協", "kind": "welfare_council", "is_contractor": "on"},
    )
    assert response.status_code == 302
    org.refresh_from_db()
    assert org.name == "豊明市社協" and org.is_contractor


def test_another_municipalitys_organization_answers_404(personas: Personas) -> None:
    with scope(municipality=personas.outsider):
        foreign = Organization.objects.get()
    client = personas.client("admin")
    assert client.get(personas.url(f"admin/organizations/{foreign.pk}/")).status_code == 404
    response = client.post(
        personas.url(f"admin/organizations/{foreign.pk}/"), {"name": "x", "kind": "npo"}
    )
    assert response.status_code == 404
    foreign.refresh_from_db()
    assert foreign.name != "x"


@pytest.mark.parametrize("role", [r.value for r in Role if r != Role.ADMIN])
def test_other_roles_may_not_manage_the_municipality(personas: Personas, role: str) -> None:
    client = personas.client(role)
    expected = 404 if role == Role.SUPPORTER else 403  # a supporter meets only 404 (contract)
    assert client.get(personas.url("admin/organizations/")).status_code == expected
    assert client.get(personas.url("admin/members/")).status_code == expected
    with scope(municipality=personas.municipality):
        pk = personas.members["counselor"].pk
    assert client.get(personas.url(f"admin/members/{pk}/")).status_code == expected


def test_the_admin_adds_a_member_with_a_new_account(personas: Personas) -> None:
    with scope(municipality=personas.municipality):
        org = Organization.objects.get()
    response = personas.client("admin").post(
        personas.url("admin/members/"),
        {
            "username": "new-counselor",
            "display_name": "新任 相談員",
            "password": "kumo-no-ue-no-sora-42",
            "role": "counselor",
            "organization": org.pk,
        },
    )
    assert response.status_code == 302
    with scopes_disabled():
        member = Membership.objects.get(user__username="new-counselor")
    assert member.municipality == personas.municipality and member.role == "counselor"
    assert member.user.check_password("kumo-no-ue-no-sora-42")


def test_a_weak_password_is_refused_and_the_form_keeps_what_was_typed(personas: Personas) -> None:
    response = personas.client("admin").post(
        personas.url("admin/members/"),
        {"username": "weak", "display_name": "弱い 例", "password": "12345", "role": "counselor"},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'value="weak"' in page and "弱い 例" in page
    with scopes_disabled():
        assert not Membership.objects.filter(user__username="weak").exists()


def test_an_organization_of_another_municipality_cannot_be_chosen(personas: Personas) -> None:
    with scope(municipality=personas.outsider):
        foreign = Organization.objects.get()
    response = personas.client("admin").post(
        personas.url("admin/members/"),
        {
            "username": "x1",
            "password": "kumo-no-ue-no-sora-42",
            "role": "lead",
            "organization": foreign.pk,
        },
    )
    assert response.status_code == 200
    with scopes_disabled():
        assert not Membership.objects.filter(user__username="x1").exists()


def test_the_admin_changes_a_role_and_disables_a_member(personas: Personas) -> None:
    target = personas.members["counselor"]
    response = personas.client("admin").post(
        personas.url(f"admin/members/{target.pk}/"), {"role": "lead"}
    )
    assert response.status_code == 302
    target.refresh_from_db()
    assert target.role == "lead" and not target.is_active


def test_the_admin_cannot_lock_itself_out(personas: Personas) -> None:
    admin = personas.members["admin"]
    response = personas.client("admin").post(
        personas.url(f"admin/members/{admin.pk}/"), {"role": "counselor", "is_active": "on"}
    )
    assert response.status_code == 200
    admin.refresh_from_db()
    assert admin.role == "admin"


def test_another_municipalitys_member_answers_404(personas: Personas) -> None:
    foreign = personas.outsiders["counselor"]
    client = personas.client("admin")
    assert client.get(personas.url(f"admin/members/{foreign.pk}/")).status_code == 404
    client.post(personas.url(f"admin/members/{foreign.pk}/"), {"role": "admin", "is_active": "on"})
    foreign.refresh_from_db()
    assert foreign.role == "counselor"


def test_the_outsiders_admin_cannot_reach_this_municipalitys_admin_screens(
    personas: Personas,
) -> None:
    client = personas.client("admin", outsider=True)
    assert client.get(personas.url("admin/members/")).status_code == 404


def test_the_role_picker_of_a_new_member_starts_on_no_role(personas: Personas) -> None:
    page = personas.client("admin").get(personas.url("admin/members/")).content.decode()
    picker = page[page.index('name="role"') : page.index("</select>", page.index('name="role"'))]
    assert '<option value="" selected>' in picker
    assert 'value="admin" selected' not in picker


def test_a_new_member_without_a_chosen_role_is_refused_with_a_reason(personas: Personas) -> None:
    response = personas.client("admin").post(
        personas.url("admin/members/"),
        {"username": "no-role", "password": "kumo-no-ue-no-sora-42", "role": ""},
    )
    assert response.status_code == 200
    assert "メンバーの役割を選んでください。" in response.content.decode()
    with scopes_disabled():
        assert not Membership.objects.filter(user__username="no-role").exists()
