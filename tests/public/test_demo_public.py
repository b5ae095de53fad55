"""Every public page of the demo, rendered without login, names no person of the demo."""

import re

import pytest
from django.core.management import call_command
from django.test import Client
from django_scopes import scopes_disabled

from tsunagu.people.models import FamilyMember, Person
from tsunagu.programmes.models import Enrolment
from tsunagu.supporters.models import Supporter
from tsunagu.tenancy.models import Municipality


def test_no_public_page_of_the_demo_names_a_person(
    db: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TSUNAGU_DEMO_PASSWORD", "demo-pass-for-tests")
    call_command("demo", "--no-serve")
    capsys.readouterr()
    with scopes_disabled():
        names = {
            n
            for model, fields in (
                (Person, ("name", "name_kana")),
                (FamilyMember, ("name", "name_kana")),
                (Enrolment, ("name",)),
                (Supporter, ("name",)),
            )
            for row in model.objects.values_list(*fields)
            for n in row
            if n
        }
        codes = list(Municipality.objects.values_list("code", flat=True))
    names |= {n.replace(" ", "").replace("\u3000", "") for n in names}
    assert len(names) > 50
    pages = 0
    for code in codes:
        top = Client().get(f"/p/{code}/")
        assert top.status_code == 200
        html = top.content.decode()
        paths = ["", "inquiry", "statistics"]
        paths += sorted(set(re.findall(rf'href="/p/{code}/(events/\d+)"', html)))
        for path in paths:
            page = Client().get(f"/p/{code}/{path}").content.decode()
            pages += 1
            found = sorted(n for n in names if n in page)
            assert found == [], f"/p/{code}/{path} names {found}"
    assert pages >= 13  # the four cities' pages and at least one event
