"""The consultation list exports to CSV and XLSX with the list's filters, through the queue:
only the records the member may see, formula-safe cells, 和暦 next to the ISO date, the
print-ready sheet, and each export in the access log."""

import csv
import io
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING

import openpyxl
import pytest
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tests.core.test_spreadsheet import FORMULAS
from tests.exporting import export
from tsunagu.audit.models import AccessLogEntry
from tsunagu.consultations.models import Consultation
from tsunagu.core.eras import TOKYO
from tsunagu.people.models import Person

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


FILTERS = "?date_from=2018-04-01&date_to=2018-04-30&channel=phone"


def url(personas: Personas, kind: str, query: str = FILTERS, **kw: bool) -> str:
    return personas.url(f"exports/consultations.{kind}", **kw) + query


def csv_rows(response: "_MonkeyPatchedWSGIResponse") -> list[list[str]]:
    return list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))


@pytest.fixture
def calls(record: Callable[..., Consultation], person: Person) -> dict[str, Consultation]:
    """In April 2018 two phone calls (one about 山田 太郎) and a visit; a phone call in May."""
    return {
        "april_phone": record(
            occurred_at=datetime(2018, 4, 2, 14, 30, tzinfo=TOKYO),
            person=person,
            summary="母から電話",
        ),
        "april_phone_2": record(
            occurred_at=datetime(2018, 4, 20, 9, 0, tzinfo=TOKYO), summary="匿名の電話"
        ),
        "april_visit": record(
            occurred_at=datetime(2018, 4, 10, 10, 0, tzinfo=TOKYO),
            channel="home_visit",
            summary="訪問した",
        ),
        "may_phone": record(
            occurred_at=datetime(2018, 5, 1, 10, 0, tzinfo=TOKYO), summary="五月の電話"
        ),
    }


def test_the_list_offers_both_exports_with_its_filters(
    personas: Personas, calls: dict[str, Consultation]
) -> None:
    html = personas.client("counselor").get(personas.url("consultations/") + FILTERS)
    page = html.content.decode()
    query = FILTERS[1:].replace("&", "&amp;")
    assert f'action="/m/232297/exports/consultations.csv?{query}"' in page
    assert f'action="/m/232297/exports/consultations.xlsx?{query}"' in page


def test_the_csv_holds_the_filtered_records_only(
    personas: Personas, calls: dict[str, Consultation]
) -> None:
    response = export(personas.client("counselor"), url(personas, "csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = csv_rows(response)
    assert rows[0][:3] == ["日時", "日時（和暦）", "相談方法"]
    summaries = [r[10] for r in rows[1:]]
    assert summaries == ["匿名の電話", "母から電話"]  # newest first, as on the list
    taro = next(r for r in rows if r[10] == "母から電話")
    assert taro[0] == "2018-04-02 14:30" and taro[1] == "平成30年4月2日 14:30"
    assert taro[5] == "山田 太郎"
    unfiltered = csv_rows(export(personas.client("counselor"), url(personas, "csv", "")))
    assert len(unfiltered) == 5


def test_the_xlsx_holds_the_same_records_on_a_print_ready_sheet(
    personas: Personas, calls: dict[str, Consultation]
) -> None:
    response = export(personas.client("counselor"), url(personas, "xlsx"))
    assert response.status_code == 200
    assert "consultation_records_232297_" in response["Content-Disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert [r[10] for r in values[1:]] == ["匿名の電話", "母から電話"]
    assert sheet["A1"].font.b and sheet.print_title_rows == "$1:$1"
    assert sheet.page_setup.orientation == "landscape"


@pytest.mark.parametrize("text", FORMULAS[:6] + FORMULAS[-2:])
def test_formula_prefixes_are_neutralized_in_both_files(
    personas: Personas, record: Callable[..., Consultation], text: str
) -> None:
    record(occurred_at=datetime(2018, 4, 2, 9, 0, tzinfo=TOKYO), summary=text)
    rows = csv_rows(export(personas.client("counselor"), url(personas, "csv")))
    # The CSV cell gets an apostrophe; XLSX keeps the text as quoted text, never a formula.
    assert rows[1][10].startswith("'") and rows[1][10][1:].strip() == text.strip()
    response = export(personas.client("counselor"), url(personas, "xlsx"))
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    cell = sheet.cell(row=2, column=11)
    assert cell.data_type == "s" and cell.quotePrefix
    assert not any(c.data_type == "f" for r in sheet.iter_rows() for c in r)


def test_each_download_is_an_export_in_the_access_log(
    personas: Personas, calls: dict[str, Consultation], person: Person
) -> None:
    for kind in ("csv", "xlsx"):
        export(personas.client("counselor"), url(personas, kind))
        with scopes_disabled():
            entry = AccessLogEntry.objects.order_by("-seq").first()
            assert entry is not None
            seen = {(o.type, o.object_id) for o in entry.seen.all()}
        assert entry.action == "export" and entry.path.endswith("/download/")
        assert entry.membership_id_at_time == personas.members["counselor"].pk
        assert ("consultation", calls["april_phone"].pk) in seen
        assert ("consultation", calls["april_phone_2"].pk) in seen
        assert ("person", person.pk) in seen
        assert ("consultation", calls["may_phone"].pk) not in seen


def test_filters_that_cannot_be_read_are_refused_naming_the_field(
    personas: Personas, calls: dict[str, Consultation]
) -> None:
    response = personas.client("counselor").post(
        url(personas, "csv", "?date_from=2018-04-30&date_to=2018-04-01"),
        headers={"Accept-Language": "ja"},
    )
    assert response.status_code == 400
    assert "終了日:" in response.content.decode()  # the field, named


@pytest.mark.parametrize("role", ["committee", "place_staff", "admin"])
def test_roles_that_may_not_see_persons_may_not_export_them(personas: Personas, role: str) -> None:
    assert personas.client(role).post(url(personas, "csv")).status_code == 403


def test_another_municipality_answers_404(personas: Personas) -> None:
    client = personas.client("counselor")
    assert client.post(url(personas, "csv", outsider=True)).status_code == 404
