"""Ids in query strings and form data that `str.isdigit()` accepted but `int()` or the database
refused (superscript digits, other scripts' digits, numbers beyond 64 bits) are treated as no
id, never a server error."""

import pytest

from tsunagu.core.ids import parse_id

BAD = ["²", "٣", "9" * 30, str(2**63), "0", "-1", "1e3", " 1"]


@pytest.mark.parametrize("raw", BAD)
def test_parse_id_refuses_what_is_not_a_row_id(raw):
    assert parse_id(raw) is None


def test_parse_id_reads_a_plain_id():
    assert parse_id("12") == 12
    assert parse_id(str(2**63 - 1)) == 2**63 - 1


@pytest.mark.parametrize("raw", BAD)
def test_staff_pages_answer_without_a_server_error(personas, raw):
    lead = personas.client("lead")
    response = lead.get(personas.url("cases/new/"), {"person": raw})
    assert response.status_code == 200
    assert response.context["person"] is None
    response = lead.get(personas.url("consultations/new/cases/"), {"person": raw})
    assert response.status_code == 200
    response = lead.post(personas.url("consultations/new/"), {"person": raw})
    assert response.status_code == 200
    assert response.context["form"].errors
