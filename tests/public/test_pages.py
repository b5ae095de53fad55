"""The public page of a municipality: live data, no login, nothing private or personal."""

from django.test import Client
from django_scopes import scope

from tests.conftest import Personas
from tests.public.conftest import PublicWorld
from tsunagu.people import services as people_services
from tsunagu.programmes import services as programme_services


def test_the_page_shows_the_center_public_places_with_sessions_and_events(
    public_world: PublicWorld, personas: Personas
) -> None:
    response = Client().get(f"/p/{personas.municipality.code}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "ひきこもり相談窓口" in page
    assert "0562-92-1111" in page
    assert "平日 8:30〜17:15" in page
    assert "ほっとスペース" in page
    assert "13:00–16:00" in page  # the place's next sessions
    assert "家族のつどい" in page
    assert f"/p/{personas.municipality.code}/events/{public_world.lecture.pk}" in page


def test_private_places_and_programmes_never_appear(
    public_world: PublicWorld, personas: Personas
) -> None:
    page = Client().get(f"/p/{personas.municipality.code}/").content.decode()
    assert "非公開の部屋" not in page
    assert "内部研修" not in page
    response = Client().get(
        f"/p/{personas.municipality.code}/events/{public_world.private_programme.pk}"
    )
    assert response.status_code == 404


def test_an_unknown_municipality_is_404(db: None) -> None:
    for path in ("", "inquiry", "statistics", "events/1", "events/cancel/abc"):
        assert Client().get(f"/p/999999/{path}").status_code == 404


def test_another_municipalitys_event_is_404_under_this_code(
    public_world: PublicWorld, personas: Personas
) -> None:
    response = Client().get(f"/p/{personas.outsider.code}/events/{public_world.lecture.pk}")
    assert response.status_code == 404


def test_no_personal_data_on_the_page(public_world: PublicWorld, personas: Personas) -> None:
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        person = people_services.person_create(
            actor=lead, municipality=personas.municipality, name="架空 太郎"
        )
        programme_services.enrolment_create(
            actor=lead, programme=public_world.lecture, person=person
        )
        programme_services.enrolment_create(
            actor=lead, programme=public_world.lecture, name="公開 花子", contact="090-0000-0000"
        )
    code = personas.municipality.code
    for path in ("", f"events/{public_world.lecture.pk}", "statistics", "inquiry"):
        page = Client().get(f"/p/{code}/{path}").content.decode()
        for secret in ("架空", "太郎", "公開 花子", "090-0000-0000"):
            assert secret not in page, (path, secret)


def test_the_page_needs_no_cookie_and_may_be_cached(
    public_world: PublicWorld, personas: Personas
) -> None:
    response = Client().get(f"/p/{personas.municipality.code}/")
    assert not response.cookies
    assert "public" in response["Cache-Control"]
    assert "max-age=60" in response["Cache-Control"]


def test_staff_texts_are_shown_escaped(public_world: PublicWorld, personas: Personas) -> None:
    from tsunagu.public import services

    with scope(municipality=personas.municipality):
        services.page_save(
            actor=personas.members["lead"], introduction="<script>alert(1)</script>ようこそ"
        )
    page = Client().get(f"/p/{personas.municipality.code}/").content.decode()
    assert "<script>alert(1)" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;ようこそ" in page


def test_the_page_is_readable_on_a_phone(public_world: PublicWorld, personas: Personas) -> None:
    page = Client().get(f"/p/{personas.municipality.code}/").content.decode()
    assert 'name="viewport" content="width=device-width, initial-scale=1"' in page
    assert '<html lang="ja">' in page


def test_public_pages_run_under_the_strict_csp_with_no_inline_code(
    public_world: PublicWorld, personas: Personas
) -> None:
    code = personas.municipality.code
    for path in ("", "inquiry", "statistics", f"events/{public_world.lecture.pk}"):
        response = Client().get(f"/p/{code}/{path}")
        policy = response["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "unsafe-inline" not in policy
        page = response.content.decode()
        assert "<script" not in page, path
        assert " style=" not in page and "<style" not in page, path


def test_english_readers_get_the_page_in_english(
    public_world: PublicWorld, personas: Personas
) -> None:
    page = Client(headers={"Accept-Language": "en"}).get(f"/p/{personas.municipality.code}/")
    assert "How to reach us" in page.content.decode()
    assert '<html lang="en">' in page.content.decode()


def test_staff_edit_the_page_texts_and_they_appear(
    public_world: PublicWorld, personas: Personas
) -> None:
    lead = personas.client("lead")
    response = lead.post(
        personas.url("public-page/"),
        {"center_name": "つながる窓口", "introduction": "<b>ようこそ</b>", "phone": "0562-00-0000"},
    )
    assert response.status_code == 302
    from django.core.cache import cache

    cache.clear()  # the rendered page is kept for a minute
    page = Client().get(f"/p/{personas.municipality.code}/").content.decode()
    assert "つながる窓口" in page
    assert "&lt;b&gt;ようこそ&lt;/b&gt;" in page
    refused = lead.post(personas.url("public-page/"), {"map_url": "javascript:alert(1)"})
    assert refused.status_code == 200
    assert personas.client("counselor").get(personas.url("public-page/")).status_code == 403
