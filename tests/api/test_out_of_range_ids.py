"""A number beyond the database's 64-bit integers anywhere in a JSON body is a 422 naming the
field, never a server error (schemathesis sent such ids to several operations)."""

import pytest
from django.test import Client

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
def test_an_id_beyond_64_bits_is_refused_naming_the_field(personas, path, body, field):
    api = Client(headers={"Authorization": f"Bearer {personas.token('lead')}"})
    response = api.post(f"/api/v1/m/232297/{path}", body, content_type="application/json")
    assert response.status_code == 422, response.content
    assert {"field": field, "message": "must be a whole number within 64 bits"} in response.json()[
        "errors"
    ]


@pytest.mark.parametrize("path", ["persons", "cases", "programmes", "surveys", "supporters"])
def test_an_offset_beyond_64_bits_is_refused(personas, path):
    api = Client(headers={"Authorization": f"Bearer {personas.token('lead')}"})
    response = api.get(f"/api/v1/m/232297/{path}", {"offset": HUGE})
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "offset"
