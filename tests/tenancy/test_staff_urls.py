from tests.conftest import Personas
from tsunagu.tenancy.codes import Role


def test_another_municipalitys_url_answers_404(personas: Personas) -> None:
    response = personas.client("admin").get(personas.url(outsider=True))
    assert response.status_code == 404
    assert "三好市" not in response.content.decode()


def test_an_unknown_municipality_answers_404_like_a_foreign_one(personas: Personas) -> None:
    assert personas.client("lead").get("/m/999999/").status_code == 404


def test_anonymous_visitors_are_sent_to_the_login_page(personas: Personas) -> None:
    response = personas.client("lead").__class__().get(personas.url())
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/m/232297/")


def test_an_inactive_membership_answers_404(personas: Personas) -> None:
    member = personas.members["counselor"]
    member.is_active = False
    member.save(update_fields=["is_active"])
    assert personas.client("counselor").get(personas.url()).status_code == 404


def test_the_root_sends_a_single_membership_to_its_municipality(personas: Personas) -> None:
    response = personas.client("counselor").get("/")
    assert response.status_code == 302
    assert response["Location"] == "/m/232297/"


def test_a_user_of_two_municipalities_chooses_and_switches(personas: Personas) -> None:
    from django_scopes import scopes_disabled

    from tsunagu.tenancy.models import Membership

    member = personas.members["counselor"]
    with scopes_disabled():
        Membership.objects.create(user=member.user, municipality=personas.outsider, role=Role.LEAD)
    client = personas.client("counselor")
    page = client.get("/").content.decode()
    assert "豊明市" in page and "三好市" in page
    assert client.get(personas.url(outsider=True)).status_code == 200
    assert client.get(personas.url()).status_code == 200


def test_the_navigation_shows_admin_screens_only_to_the_admin(personas: Personas) -> None:
    admin_page = personas.client("admin").get(personas.url()).content.decode()
    counselor_page = personas.client("counselor").get(personas.url()).content.decode()
    assert "/m/232297/admin/members/" in admin_page
    assert "/m/232297/admin/members/" not in counselor_page


def test_pages_have_landmarks_and_a_skip_link(personas: Personas) -> None:
    page = personas.client("counselor").get(personas.url()).content.decode()
    for landmark in ("<header", "<nav", 'id="main"', "<footer", 'href="#main"', 'lang="ja"'):
        assert landmark in page
