"""The consultation list counts at most 1,000 records, like the persons and cases screens,
and then asks to narrow it down with the filters; below that it says how many there are."""

import re

import pytest

from tests.conftest import Personas
from tests.people.helpers import make_consultation, make_person
from tsunagu.core import paging


def count_line(page: str) -> str:
    found = re.search(r'<p[^>]*id="consultation-count">(.*?)</p>', page, re.S)
    assert found, "no count line"
    return found[1]


@pytest.mark.parametrize("role", ["lead", "counselor"])
def test_past_the_cap_the_list_asks_to_narrow_it_down(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, role: str
) -> None:
    for _ in range(3):
        make_consultation(personas.municipality, person=make_person(personas.municipality))
    client = personas.client(role)
    assert count_line(client.get(personas.url("consultations/")).content.decode()) == "3件の相談"
    monkeypatch.setattr(paging, "COUNT_CAP", 2)
    page = client.get(personas.url("consultations/")).content.decode()
    assert count_line(page) == "2件以上（上の条件で絞り込んでください）"
    monkeypatch.setattr(paging, "COUNT_CAP", 3)
    page = client.get(personas.url("consultations/")).content.decode()
    assert count_line(page) == "3件の相談"
