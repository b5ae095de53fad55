"""The supporters API as CONTRACT.md writes it: registry, requests, matching, own dispatches."""

from datetime import time
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.audit.models import AccessLogObject
from tsunagu.cases.models import Case
from tsunagu.supporters import services
from tsunagu.supporters.models import DispatchRequest, Supporter

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

SLOT = {"weekday": 0, "start": "10:00", "end": "11:00"}


def api(personas: Personas, role: str, *, outsider: bool = False) -> Client:
    return Client(headers={"Authorization": f"Bearer {personas.token(role, outsider=outsider)}"})


def base(personas: Personas, *, outsider: bool = False) -> str:
    code = (personas.outsider if outsider else personas.municipality).code
    return f"/api/v1/m/{code}"


def post(client: Client, url: str, body: dict[str, Any]) -> "_MonkeyPatchedWSGIResponse":
    return client.post(url, body, content_type="application/json")


def supporter_body(**changes: object) -> dict[str, Any]:
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


def test_a_lead_registers_a_supporter_and_reads_it_back(
    personas: Personas, supporters: dict[str, Supporter]
) -> None:
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
def test_invalid_supporters_are_422_naming_the_field(
    personas: Personas, changes: dict[str, Any], field: str
) -> None:
    response = post(
        api(personas, "lead"), f"{base(personas)}/supporters", supporter_body(**changes)
    )
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_a_counselor_asks_for_a_supporter_for_their_case(
    personas: Personas, supporters: dict[str, Supporter], case: Case
) -> None:
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


def test_a_refusal_naming_another_municipalitys_supporter_is_422(
    personas: Personas, case: Case
) -> None:
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
    personas: Personas, supporters: dict[str, Supporter], case: Case
) -> None:
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


def test_only_a_lead_runs_matching(personas: Personas, supporters: dict[str, Supporter]) -> None:
    for role in ("counselor", "partner", "committee", "admin"):
        assert post(api(personas, role), f"{base(personas)}/matching", {}).status_code == 403
    # A supporter is not even told that matching exists.
    assert post(api(personas, "supporter"), f"{base(personas)}/matching", {}).status_code == 404


def test_a_supporter_sees_only_their_own_dispatches_and_the_release_is_logged(
    personas: Personas, supporters: dict[str, Supporter], case: Case
) -> None:
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
    # Everything else is out of sight: 404, never 403 (which would say it exists).
    for path in (
        f"cases/{case.pk}",
        f"persons/{case.person_id}",
        "cases",
        "persons",
        "consultations",
        "places",
        "programmes",
        "dispatch-requests",
        "stats/consultations?fiscal_year=2026",
    ):
        assert supporter.get(f"{base(personas)}/{path}").status_code == 404, path
    assert [s["id"] for s in supporter.get(f"{base(personas)}/supporters").json()["items"]] == [
        supporters["peer"].pk
    ]


def _10() -> tuple[time, time]:
    from datetime import time

    return time(10), time(11)


def test_another_municipality_gets_404_on_every_operation(
    personas: Personas, supporters: dict[str, Supporter]
) -> None:
    outsider = api(personas, "lead", outsider=True)
    for path in ("supporters", "dispatch-requests", "dispatches"):
        assert outsider.get(f"{base(personas)}/{path}").status_code == 404
    assert post(outsider, f"{base(personas)}/matching", {}).status_code == 404
    assert post(outsider, f"{base(personas)}/supporters", supporter_body()).status_code == 404


def test_a_case_outside_sight_is_404_for_a_dispatch_request(
    personas: Personas, supporters: dict[str, Supporter]
) -> None:
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


def test_a_case_the_supporter_is_dispatched_on_is_still_404_to_them(
    personas: Personas, supporters: dict[str, Supporter], case: Case
) -> None:
    with scope(municipality=personas.municipality):
        request = services.dispatch_request_create(
            actor=personas.members["lead"],
            case=case,
            purpose="訪問",
            area="北部",
            when=[services.WeeklySlot(0, *_10())],
        )
        services.dispatch_approve(
            actor=personas.members["lead"], request=request, supporter=supporters["peer"]
        )
    supporter = api(personas, "supporter")
    assert supporter.get(f"{base(personas)}/cases/{case.pk}").status_code == 404
    assert supporter.get(f"{base(personas)}/persons/{case.person_id}").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"area": "   "}, "area"),
        ({"area": 42}, "area"),
        ({"area": ["北部"]}, "area"),
        ({"area": "北" * 51}, "area"),
        ({"when": [{"weekday": 0, "start": "11:00", "end": "10:00"}]}, "when"),
        ({"when": [{"weekday": 0, "start": "10:00", "end": "10:00"}]}, "when"),
        ({"when": [{"weekday": 0, "start": "25:00", "end": "26:00"}]}, "when.0.start"),
        ({"when": [{"weekday": -1, "start": "10:00", "end": "11:00"}]}, "when.0.weekday"),
        ({"when": []}, "when"),
        ({"wants": {"skills": [""]}}, "wants.skills"),
        ({"refused_supporters": [999999999]}, "refused_supporters"),
    ],
)
def test_invalid_dispatch_requests_are_422_naming_the_field(
    personas: Personas,
    supporters: dict[str, Supporter],
    case: Case,
    changes: dict[str, Any],
    field: str,
) -> None:
    body = {"case_id": case.pk, "area": "北部", "when": [SLOT], **changes}
    response = post(api(personas, "counselor"), f"{base(personas)}/dispatch-requests", body)
    assert response.status_code == 422, response.json()
    assert field in [e["field"] for e in response.json()["errors"]]
    with scope(municipality=personas.municipality):
        assert not DispatchRequest.objects.exists()


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"areas": [42]}, "areas.0"),
        ({"areas": "北部"}, "areas"),
        ({"max_active": -5}, "max_active"),
    ],
)
def test_a_supporter_with_a_malformed_area_or_negative_load_is_422(
    personas: Personas, changes: dict[str, Any], field: str
) -> None:
    response = post(
        api(personas, "lead"), f"{base(personas)}/supporters", supporter_body(**changes)
    )
    assert response.status_code == 422
    assert field in [e["field"] for e in response.json()["errors"]]


def test_a_supporter_with_lived_experience_is_linked_to_their_person_record(
    personas: Personas, case: Case
) -> None:
    lead = api(personas, "lead")
    body = supporter_body(name="元当事者 UFE", background="peer", peer=True)
    created = post(lead, f"{base(personas)}/supporters", {**body, "person_id": case.person_id})
    assert created.status_code == 201, created.json()
    assert created.json()["person_id"] == case.person_id


def test_a_person_of_another_municipality_or_unknown_is_422_naming_the_field(
    personas: Personas,
) -> None:
    from tests.people.helpers import make_person

    stranger = make_person(personas.outsider, name="他市 花子")
    lead = api(personas, "lead")
    for person_id in (stranger.pk, 999_999):
        body = supporter_body(person_id=person_id)
        response = post(lead, f"{base(personas)}/supporters", body)
        assert response.status_code == 422
        assert [e["field"] for e in response.json()["errors"]] == ["person_id"]
