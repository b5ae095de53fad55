"""Public statistics: one whole fiscal year, through disclosure control; no small count ever."""

import re
from datetime import datetime, timedelta

from django.test import Client
from django.utils import timezone
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.consultations.services import consultation_record
from tsunagu.core.eras import TOKYO, fiscal_year


def record(personas: Personas, when: datetime, channel: str, n: int) -> None:
    with scope(municipality=personas.municipality):
        for i in range(n):
            consultation_record(
                actor=None,
                municipality=personas.municipality,
                occurred_at=when + timedelta(minutes=i),
                channel=channel,
                consulter="family",
            )


def cells(page: str, table: str) -> dict[str, str]:
    body = page[page.index(f'id="{table}"') :]
    body = body[: body.index("</table>")]
    return dict(re.findall(r'<th scope="row">([^<]+)</th><td class="text-end">(.*?)</td>', body))


def test_only_the_last_whole_fiscal_year_with_small_counts_withheld(personas: Personas) -> None:
    last_year = fiscal_year(timezone.localdate()) - 1
    in_last_year = datetime(last_year, 6, 1, 10, tzinfo=TOKYO)
    record(personas, in_last_year, "phone", 12)
    record(personas, in_last_year, "walk_in", 7)
    record(personas, in_last_year, "web", 2)  # a small count: never shown
    record(personas, timezone.now() - timedelta(minutes=5), "phone", 40)  # this year: not yet
    response = Client().get(f"/p/{personas.municipality.code}/statistics")
    assert response.status_code == 200
    page = response.content.decode()
    by_channel = cells(page, "by-channel")
    assert "—" in by_channel["Web"] or "—" in by_channel.get("web", "")
    shown = {k: v for k, v in by_channel.items() if "—" not in v}
    assert "2" not in shown.values()
    # The web count cannot be worked out: not every other cell and the total are shown.
    found = re.search(r'<dd id="total">(.*?)</dd>', page)
    assert found is not None
    total = found.group(1)
    assert "—" in total or len(shown) < len(by_channel) - 1
    # Nothing of the current fiscal year (40 phone calls).
    assert "52" not in page and "61" not in page
    assert str(last_year) in page or "年度" in page


def test_no_count_from_one_to_four_is_on_the_page(personas: Personas) -> None:
    last_year = fiscal_year(timezone.localdate()) - 1
    record(personas, datetime(last_year, 9, 1, 10, tzinfo=TOKYO), "phone", 3)
    page = Client().get(f"/p/{personas.municipality.code}/statistics").content.decode()
    for table in ("by-channel", "by-consulter"):
        for value in cells(page, table).values():
            assert value.strip() not in {"1", "2", "3", "4"}
    for figure in ("total", "people"):
        found = re.search(rf'<dd id="{figure}">(.*?)</dd>', page)
        assert found is not None, figure
        value = found.group(1)
        assert value.strip() not in {"1", "2", "3", "4"}
