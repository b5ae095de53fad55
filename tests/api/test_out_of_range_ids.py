"""A number beyond the database's 64-bit integers anywhere in a JSON body is a 422 naming the
field, never a server error (schemathesis sent such ids to several operations)."""

from typing import Any

import pytest
from django.test import Client

from tests.conftest import Personas

HUGE = 2**80


@pytest.mark.parametrize(
    ("path", "body", "field"),
    [
        ("cases", {"person": HUGE, "referral_source": "family"}, "person"),
        (
            "dispatch-requests",
            {"case_id": 1, "area": "北", "refused_supporters": [1, -HUGE], "when": []},
            "refused_supporters.1",
        ),
        ("programmes", {"name": "講座", "kind": "lecture", "place_id": HUGE}, "place_id"),
        (
            "consultations",
            {
                "occurred_at": "2026-04-01T10:00:00+09:00",
                "channel": "phone",
                "consulter": "self",
                "person": HUGE,
            },
            "person",
        ),
    ],
)
def test_an_id_beyond_64_bits_is_refused_naming_the_field(
    personas: Personas, path: str, body: dict[str, Any], field: str
) -> None:
    api = Client(headers={"Authorization": f"Bearer {personas.token('lead')}"})
    response = api.post(f"/api/v1/m/232297/{path}", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert {"field": field, "message": "must be a whole number within 64 bits"} in response.json()[
        "errors"
    ]


@pytest.mark.parametrize("path", ["persons", "cases", "programmes", "surveys", "supporters"])
def test_an_offset_beyond_64_bits_is_refused(personas: Personas, path: str) -> None:
    api = Client(headers={"Authorization": f"Bearer {personas.token('lead')}"})
    response = api.get(f"/api/v1/m/232297/{path}", {"offset": HUGE})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "offset"


@pytest.mark.parametrize(("path", "param"), [("cases", "person"), ("referrals", "case")])
@pytest.mark.parametrize("value", [2**63, HUGE, 0, -1])
def test_an_id_filter_outside_64_bits_or_below_one_is_refused(
    personas: Personas, path: str, param: str, value: int
) -> None:
    """The fuzz test found `cases?person=2**63` answering 500 (the database's integer ends)."""
    api = Client(headers={"Authorization": f"Bearer {personas.token('lead')}"})
    response = api.get(f"/api/v1/m/232297/{path}", {param: value})
    assert response.status_code == 422, response.content
    assert response.json()["errors"][0]["field"] == param


@pytest.mark.parametrize(("path", "param"), [("cases", "person"), ("referrals", "case")])
def test_the_largest_id_filter_is_answered_with_nothing_found(
    personas: Personas, path: str, param: str
) -> None:
    api = Client(headers={"Authorization": f"Bearer {personas.token('lead')}"})
    response = api.get(f"/api/v1/m/232297/{path}", {param: 2**63 - 1})
    assert response.status_code == 200
    assert response.json()["items"] == []
