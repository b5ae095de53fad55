"""ケース記録票: a case prints on A4 with its person, family, plan and consultations in 和暦."""

import io
import re
from datetime import date, datetime
from typing import TYPE_CHECKING

import pytest
from django_scopes import scope, scopes_disabled
from pypdf import PdfReader
from pypdf.generic import DictionaryObject

from tests.conftest import Personas
from tests.exporting import export
from tests.people.helpers import make_case, make_person
from tsunagu.audit.models import AccessLogEntry
from tsunagu.cases.models import Case
from tsunagu.consultations.services import consultation_record
from tsunagu.core.eras import TOKYO
from tsunagu.people.services import family_member_create

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


@pytest.fixture
def case(personas: Personas) -> Case:
    person = make_person(
        personas.municipality,
        name="山田 太郎",
        name_kana="ヤマダ タロウ",
        birth_date=date(1990, 5, 1),
    )
    case = make_case(person, primary=personas.members["counselor"], goal="週に一度は外へ")
    with scope(municipality=personas.municipality):
        family_member_create(actor=None, person=person, name="山田 花子", relation="mother")
        for day, summary in (
            (date(2025, 4, 10), "母から電話で相談"),
            (date(2025, 6, 2), "来所面談"),
        ):
            consultation_record(
                actor=personas.members["counselor"],
                municipality=personas.municipality,
                occurred_at=datetime(day.year, day.month, day.day, 10, 0, tzinfo=TOKYO),
                channel="phone",
                consulter="family",
                consulter_relation="mother",
                person=person,
                case=case,
                summary=summary,
            )
    return case


def _text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    return "".join(p.extract_text().replace("\x00", "") for p in reader.pages)


def _dictionary(obj: object) -> DictionaryObject:
    assert isinstance(obj, DictionaryObject)
    return obj


def _get(
    personas: Personas,
    case: Case,
    role: str = "counselor",
    query: str = "",
    outsider: bool = False,
) -> "_MonkeyPatchedWSGIResponse":
    """The record as the case page's button makes it: queued, made, downloaded."""
    url = personas.url(f"exports/cases/{case.pk}/record.pdf", outsider=outsider) + query
    return export(personas.client(role), url)


def test_the_case_page_offers_the_record(personas: Personas, case: Case) -> None:
    page = personas.client("counselor").get(personas.url(f"cases/{case.pk}/")).content.decode()
    assert 'id="case-record-pdf"' in page


def test_the_record_prints_the_person_family_goal_and_consultations_in_wareki(
    personas: Personas, case: Case
) -> None:
    response = _get(personas, case)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    text = _text(response.content)
    for expected in (
        "ケース記録票",
        "山田 太郎",
        "山田 花子",
        "週に一度は外へ",
        "母から電話で相談",
    ):
        assert expected in text, expected
    assert "平成2年5月1日" in text  # birth date in 和暦
    assert "令和7年4月10日" in text
    resources = PdfReader(io.BytesIO(response.content)).pages[0]["/Resources"]
    assert isinstance(resources, DictionaryObject)
    font = resources["/Font"]
    assert isinstance(font, DictionaryObject)
    names = [str(_dictionary(f.get_object())["/BaseFont"]) for f in font.values()]
    assert all(re.fullmatch(r"/[A-Z]{6}\+.+", n) for n in names)  # embedded subsets


def test_a_period_limits_the_consultations_and_accepts_wareki(
    personas: Personas, case: Case
) -> None:
    text = _text(_get(personas, case, query="?from=R7.5.1&to=R7.6.30").content)
    assert "来所面談" in text and "母から電話で相談" not in text


@pytest.mark.parametrize("query", ["?from=R7.13.1", "?from=2025-06-30&to=2025-04-01", "?to=明日"])
def test_a_period_that_cannot_be_read_is_a_clear_400(
    personas: Personas, case: Case, query: str
) -> None:
    response = _get(personas, case, query=query)
    assert response.status_code == 400
    assert any(ord(c) > 0x3000 for c in response.content.decode())


def test_printing_is_an_export_in_the_access_log(personas: Personas, case: Case) -> None:
    _get(personas, case)
    with scopes_disabled():
        entry = AccessLogEntry.objects.order_by("-seq").first()
        assert entry is not None
        seen = {(o.type, o.object_id) for o in entry.seen.all()}
    assert entry.action == "export"
    assert ("case", case.pk) in seen and ("person", case.person_id) in seen
    assert sum(1 for kind, _ in seen if kind == "consultation") == 2


@pytest.mark.parametrize("role", ["admin", "place_staff", "committee"])
def test_roles_without_case_access_are_refused(personas: Personas, case: Case, role: str) -> None:
    assert _get(personas, case, role).status_code == 403


def test_a_restricted_case_is_404_to_a_counselor_not_assigned(personas: Personas) -> None:
    person = make_person(personas.municipality, name="秘匿 花子")
    hidden = make_case(person, primary=personas.members["lead"], is_shared=False)
    response = _get(personas, hidden, "counselor")
    assert response.status_code == 404 and "秘匿" not in response.content.decode(errors="ignore")


def test_another_municipality_answers_404(personas: Personas, case: Case) -> None:
    assert _get(personas, case, "lead", outsider=True).status_code == 404


def test_staff_are_printed_by_their_display_name_not_their_username(
    personas: Personas, case: Case
) -> None:
    counselor = personas.members["counselor"].user
    counselor.display_name = "相談 花子"
    counselor.save(update_fields=["display_name"])
    text = _text(_get(personas, case).content)
    assert "相談 花子" in text
    assert counselor.username not in text
