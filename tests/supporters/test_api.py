"""The supporters API as CONTRACT.md writes it: registry, requests, matching, own dispatches."""

import pytest
from django.test import Client
from django_scopes import scope

from tsunagu.audit.models import AccessLogObject
from tsunagu.supporters import services
from tsunagu.supporters.models import DispatchRequest

SLOT = {"weekday": 0, "start": "10:00", "end": "11:00"}


def api(personas, role: str, *, outsider: bool = False) -> Client:
    return Client(headers={"Authorization": f"Bearer {personas.token(role, outsider=outsider)}"})


def base(personas, *, outsider: bool = False) -> str:
    code = (personas.outsider if outsider else personas.municipality).code
    return f"/api/v1/m/{code}"


def post(client: Client, url: str, body: dict) -> object:
    return client.post(url, body, content_type="application/json")


def supporter_body(**changes: object) -> dict:
    body = {
        "name": "高橋 ボランティア",
        "background": "volunteer",
        "areas": ["南部"],
        "skills": ["料理"],
        "availability": [{"weekday": 2, "start": "13:00", "end": "16:00"}],
        "max_active": 2,
        "status": "active",
        "peer": False,
        "pledged_on": "2026-05-01",
    }
    return {**body, **changes}


def test_a_lead_registers_a_supporter_and_reads_it_back(personas, supporters):
    lead = api(personas, "lead")
    created = post(lead, f"{base(personas)}/supporters", supporter_body())
    assert created.status_code == 201, created.json()
    assert created.json()["availability"] == [{"weekday": 2, "start": "13:00", "end": "16:00"}]
    listed = lead.get(f"{base(personas)}/supporters").json()
    assert listed["count"] == 3
    assert {s["name"] for s in listed["items"]} >= {"高橋 ボランティア", "佐藤 ピア"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"status": "active", "pledged_on": None}, "status"),
        ({"max_active": -1}, "max_active"),
        ({"availability": [{"weekday": 1, "start": "15:00", "end": "14:00"}]}, "availability"),
        (
            {"availability": [{"weekday": 7, "start": "10:00", "end": "11:00"}]},
            "availability.0.weekday",
        ),
        ({"areas": ["  "]}, "areas"),
        ({"areas": []}, "areas"),
        ({"background": "astronaut"}, "background"),
    ],
)
def test_invalid_supporters_are_422_naming_the_field(personas, changes, field):
    response = post(
        api(personas, "lead"), f"{base(personas)}/supporters", supporter_body(**changes)
    )
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_a_counselor_asks_for_a_supporter_for_their_case(personas, supporters, case):
    body = {
        "case_id": case.pk,
        "purpose": "外出の練習",
        "area": "北部",
        "when": [SLOT],
        "wants": {"peer": True, "skills": ["将棋"]},
        "refused_supporters": [supporters["nurse"].pk],
    }
    response = post(api(personas, "counselor"), f"{base(personas)}/dispatch-requests", body)
    assert response.status_code == 201, response.json()
    assert response.json()["refused_supporters"] == [supporters["nurse"].pk]
    assert response.json()["status"] == "open"


def test_a_refusal_naming_another_municipalitys_supporter_is_422(personas, case):
    with scope(municipality=personas.outsider):
        foreign = services.supporter_save(
            actor=personas.outsiders["lead"],
            name="他市",
            background="resident",
            areas=["北部"],
            availability=[],
        )
    body = {"case_id": case.pk, "area": "北部", "when": [SLOT], "refused_supporters": [foreign.pk]}
    response = post(api(personas, "lead"), f"{base(personas)}/dispatch-requests", body)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "refused_supporters"


def test_matching_proposes_with_reasons_and_says_why_a_request_is_unmatched(
    personas, supporters, case
):
    lead = api(personas, "lead")
    url = f"{base(personas)}/dispatch-requests"
    wants = {"peer": True, "skills": ["将棋"]}
    first = post(lead, url, {"case_id": case.pk, "area": "北部", "when": [SLOT], "wants": wants})
    nowhere = post(lead, url, {"case_id": case.pk, "area": "東部", "when": [SLOT]})
    result = post(lead, f"{base(personas)}/matching", {}).json()
    proposal = result["proposals"][0]
    assert proposal["request_id"] == first.json()["id"]
    assert proposal["supporter_id"] == supporters["peer"].pk
    assert any("将棋" in reason for reason in proposal["reasons"])
    assert result["unmatched"][0]["request_id"] == nowhere.json()["id"]
    assert "東部" in result["unmatched"][0]["why"]


def test_only_a_lead_runs_matching(personas, supporters):
    for role in ("counselor", "supporter", "partner", "committee", "admin"):
        assert post(api(personas, role), f"{base(personas)}/matching", {}).status_code == 403


def test_a_supporter_sees_only_their_own_dispatches_and_the_release_is_logged(
    personas, supporters, case
):
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        request = services.dispatch_request_create(
            actor=lead,
            case=case,
            purpose="訪問",
            area="北部",
            when=[services.WeeklySlot(0, *_10())],
        )
        other = services.dispatch_request_create(
            actor=lead,
            case=case,
            purpose="訪問",
            area="南部",
            when=[services.WeeklySlot(0, *_10())],
        )
        own = services.dispatch_approve(
            actor=lead, request=request, supporter=supporters["peer"], briefing="月曜10時、玄関先で"
        )
        services.dispatch_approve(actor=lead, request=other, supporter=supporters["nurse"])
    supporter = api(personas, "supporter")
    listed = supporter.get(f"{base(personas)}/dispatches").json()
    assert [d["id"] for d in listed["items"]] == [own.pk]
    assert listed["items"][0]["briefing"] == "月曜10時、玄関先で"
    with scope(municipality=personas.municipality):
        logged = AccessLogObject.objects.filter(type="case", object_id=case.pk).values_list(
            "basis", flat=True
        )
        assert f"dispatch:{own.pk}" in list(logged)
    # Everything else is out of sight.
    assert supporter.get(f"{base(personas)}/cases/{case.pk}").status_code in (403,)
    assert supporter.get(f"{base(personas)}/dispatch-requests").status_code == 403
    assert [s["id"] for s in supporter.get(f"{base(personas)}/supporters").json()["items"]] == [
        supporters["peer"].pk
    ]


def _10():
    from datetime import time

    return time(10), time(11)


def test_another_municipality_gets_404_on_every_operation(personas, supporters):
    outsider = api(personas, "lead", outsider=True)
    for path in ("supporters", "dispatch-requests", "dispatches"):
        assert outsider.get(f"{base(personas)}/{path}").status_code == 404
    assert post(outsider, f"{base(personas)}/matching", {}).status_code == 404
    assert post(outsider, f"{base(personas)}/supporters", supporter_body()).status_code == 404


def test_a_case_outside_sight_is_404_for_a_dispatch_request(personas, supporters):
    from tests.people.helpers import make_case, make_person

    hidden = make_case(
        make_person(personas.municipality, name="秘"),
        primary=personas.members["lead"],
        is_shared=False,
    )
    body = {"case_id": hidden.pk, "area": "北部", "when": [SLOT]}
    response = post(api(personas, "counselor"), f"{base(personas)}/dispatch-requests", body)
    assert response.status_code == 404
    with scope(municipality=personas.municipality):
        assert not DispatchRequest.objects.exists()
