"""Ids in query strings and form data that `str.isdigit()` accepted but `int()` or the database
refused (superscript digits, other scripts' digits, numbers beyond 64 bits) are treated as no
id, never a server error."""

from typing import Any

import pytest

from tests.conftest import Personas
from tests.security.world import World
from tsunagu.core.ids import parse_id

BAD = ["²", "٣", "9" * 30, str(2**63), "0", "-1", "1e3", " 1"]


@pytest.mark.parametrize("raw", BAD)
def test_parse_id_refuses_what_is_not_a_row_id(raw: str) -> None:
    assert parse_id(raw) is None


def test_parse_id_reads_a_plain_id() -> None:
    assert parse_id("12") == 12
    assert parse_id(str(2**63 - 1)) == 2**63 - 1


@pytest.mark.parametrize("raw", BAD)
def test_staff_pages_answer_without_a_server_error(personas: Personas, raw: str) -> None:
    lead = personas.client("lead")
    response = lead.get(personas.url("cases/new/"), {"person": raw})
    assert response.status_code == 200
    assert response.context["person"] is None
    response = lead.get(personas.url("consultations/new/cases/"), {"person": raw})
    assert response.status_code == 200
    response = lead.post(personas.url("consultations/new/"), {"person": raw})
    assert response.status_code == 200
    assert response.context["form"].errors


@pytest.fixture
def world(personas: Personas) -> World:
    from tests.security.world import build_world

    return build_world(personas.municipality, personas.members)


@pytest.mark.parametrize("raw", BAD)
@pytest.mark.parametrize(
    "form",
    [
        {"action": "attend", "number": "{raw}"},
        {"action": "reserve", "person": "{raw}"},
        {"action": "undo", "attendance": "{raw}"},
    ],
)
def test_a_session_page_refuses_an_odd_person_or_attendance_id(
    personas: Personas, world: World, raw: str, form: dict[str, Any]
) -> None:
    lead = personas.client("lead")
    url = personas.url(f"places/sessions/{world['session']}/")
    data = {key: value.format(raw=raw) for key, value in form.items()}
    assert lead.post(url, data).status_code == 302


@pytest.mark.parametrize("raw", BAD)
def test_a_programme_page_refuses_an_odd_person_number(
    personas: Personas, world: World, raw: str
) -> None:
    lead = personas.client("lead")
    url = personas.url(f"programmes/{world['programme']}/")
    response = lead.get(url, {"number": raw})
    assert response.status_code == 200


@pytest.mark.parametrize("raw", BAD)
def test_supporter_meeting_attendance_ignores_an_odd_supporter_id(
    personas: Personas, world: World, raw: str
) -> None:
    from django.urls import reverse

    lead = personas.client("lead")
    url = reverse(
        "staff:supporter_meeting_attendance",
        kwargs={
            "code": personas.municipality.code,
            "pk": world["pk"]["supporter_meeting_attendance"],
        },
    )
    assert lead.post(url, {"present": [raw, str(world["supporter"])]}).status_code == 302
