"""The staff menu is kept per municipality, role and language: never another role's links,
another city's addresses or another language's words."""

import re

from tests.conftest import Personas


def menu(page: bytes) -> str:
    found = re.search(r'<nav aria-label="[^"]*">(.*?)</nav>', page.decode(), re.S)
    assert found is not None, "the page has no main navigation"
    return found.group(1)


def test_each_role_gets_its_own_menu_in_turn(personas: Personas) -> None:
    home = personas.url("")
    lead = menu(personas.client("lead").get(home, HTTP_ACCEPT_LANGUAGE="ja").content)
    committee = menu(personas.client("committee").get(home, HTTP_ACCEPT_LANGUAGE="ja").content)
    again = menu(personas.client("lead").get(home, HTTP_ACCEPT_LANGUAGE="ja").content)
    assert f"/m/{personas.municipality.code}/audit/" in lead
    assert "/audit/" not in committee and "/persons/" not in committee
    assert "/statistics/" in committee
    assert again == lead


def test_the_menu_follows_the_municipality_and_the_language(personas: Personas) -> None:
    ours = personas.client("lead")
    theirs = personas.client("lead", outsider=True)
    japanese = menu(ours.get(personas.url(""), HTTP_ACCEPT_LANGUAGE="ja").content)
    english = menu(ours.get(personas.url(""), HTTP_ACCEPT_LANGUAGE="en").content)
    other_city = menu(theirs.get(personas.url("", outsider=True)).content)
    assert "対象者" in japanese and "Persons" in english and "対象者" not in english
    assert f"/m/{personas.outsider.code}/" in other_city
    assert f"/m/{personas.municipality.code}/" not in other_city
