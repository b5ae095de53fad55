"""The case list counts at most 1,000 cases, as the persons screen does, and then asks to
narrow the list down; below that it says how many there are."""

import re

import pytest

from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tsunagu.core import paging


def count_line(page: str) -> str:
    found = re.search(r'<p[^>]*id="case-count">(.*?)</p>', page, re.S)
    assert found, "no count line"
    return found[1]


def test_a_list_under_the_cap_says_exactly_how_many(personas: Personas) -> None:
    for _ in range(3):
        make_case(make_person(personas.municipality), primary=personas.members["counselor"])
    page = personas.client("lead").get(personas.url("cases/")).content.decode()
    assert count_line(page) == "3件のケース"


@pytest.mark.parametrize("role", ["lead", "counselor"])
def test_past_the_cap_the_list_asks_to_narrow_it_down(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    for _ in range(3):
        make_case(make_person(personas.municipality), primary=personas.members["counselor"])
    page = personas.client(role).get(personas.url("cases/")).content.decode()
    assert count_line(page) == "2件以上（段階・自分の担当・リスクありで絞り込んでください）"
    assert len(re.findall(r'<a href="/m/\d+/cases/\d+/">#\d+</a>', page)) == 2
    # Exactly at the cap it is a count again.
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    page = personas.client(role).get(personas.url("cases/")).content.decode()
    assert count_line(page) == "3件のケース"
