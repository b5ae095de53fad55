from datetime import date
from typing import TYPE_CHECKING, Any

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tsunagu.audit.models import AccessLogEntry
from tsunagu.cases.models import Case, StageTransition
from tsunagu.people.services import consent_record

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

NEVER_PERSONS = ["admin", "place_staff", "committee"]
OPEN = {"new_person": True, "referral_source": "family"}


def call(method: str, path: str, token: str, **kwargs: Any) -> "_MonkeyPatchedWSGIResponse":
    headers = {"Authorization": f"Bearer {token}"}
    if "json" in kwargs:
        kwargs["data"] = kwargs.pop("json")
        kwargs["content_type"] = "application/json"
    response: _MonkeyPatchedWSGIResponse = getattr(Client(), method)(
        path, headers=headers, **kwargs
    )
    return response


def url(personas: Personas, path: str = "", outsider: bool = False) -> str:
    code = (personas.outsider if outsider else personas.municipality).code
    return f"/api/v1/m/{code}/cases{path}"


def _cases() -> int:
    with scopes_disabled():
        return Case.objects.count()


@pytest.mark.parametrize("role", NEVER_PERSONS)
def test_roles_without_person_data_get_403_on_every_operation(
    personas: Personas, case: Case, role: str
) -> None:
    token = personas.token(role)
    assert call("get", url(personas), token).status_code == 403
    assert call("get", url(personas, f"/{case.pk}"), token).status_code == 403
    assert call("post", url(personas), token, json=OPEN).status_code == 403
    assert call("patch", url(personas, f"/{case.pk}"), token, json={"goal": "x"}).status_code == 403
    assert _cases() == 1


@pytest.mark.parametrize("role", ["professional", "partner"])
def test_viewing_roles_may_read_but_not_write(personas: Personas, case: Case, role: str) -> None:
    token = personas.token(role)
    assert call("get", url(personas), token).status_code == 200
    assert call("post", url(personas), token, json=OPEN).status_code == 403
    assert call("patch", url(personas, f"/{case.pk}"), token, json={"goal": "x"}).status_code == 403


@pytest.mark.parametrize("role", ["lead", "counselor", "professional", "partner"])
def test_another_municipality_answers_404_on_every_operation(personas: Personas, role: str) -> None:
    foreign = make_case(make_person(personas.outsider), primary=personas.outsiders["lead"])
    token = personas.token(role)
    assert call("get", url(personas, outsider=True), token).status_code == 404
    assert call("get", url(personas, f"/{foreign.pk}", outsider=True), token).status_code == 404
    assert call("post", url(personas, outsider=True), token, json=OPEN).status_code == 404
    patch = call("patch", url(personas, f"/{foreign.pk}", outsider=True), token, json={"goal": "x"})
    assert patch.status_code == 404
    # Another municipality's case through one's own municipality: outside sight, 404.
    assert call("get", url(personas, f"/{foreign.pk}"), token).status_code == 404


def test_a_counselor_not_assigned_to_an_unshared_case_gets_404(
    personas: Personas, private_case: Case
) -> None:
    token = personas.token("counselor")
    assert call("get", url(personas, f"/{private_case.pk}"), token).status_code == 404
    patch = call("patch", url(personas, f"/{private_case.pk}"), token, json={"goal": "x"})
    assert patch.status_code == 404
    assert call("get", url(personas), token).json()["count"] == 0


def test_a_partner_reads_only_cases_of_consenting_persons(personas: Personas, case: Case) -> None:
    other = make_case(make_person(personas.municipality), primary=personas.members["counselor"])
    partner = personas.members["partner"]
    assert partner.organization is not None
    with scope(municipality=personas.municipality):
        consent_record(
            actor=None,
            person=case.person,
            organizations=[partner.organization],
            purposes="就労",
            valid_from=date(2020, 1, 1),
            valid_until=None,
            form="oral",
        )
    token = personas.token("partner")
    body = call("get", url(personas), token).json()
    assert [c["id"] for c in body["items"]] == [case.pk]
    assert call("get", url(personas, f"/{other.pk}"), token).status_code == 404


def test_it_answers_the_contract_fields(personas: Personas, case: Case) -> None:
    body = call("get", url(personas, f"/{case.pk}"), personas.token("lead")).json()
    assert body == {
        "id": case.pk,
        "person": case.person_id,
        "opened_on": "2025-04-01",
        "referral_source": "family",
        "stage": "encounter",
        "goal": "外に出たい",
        "is_shared": True,
        "assigned": ["toyoake-counselor"],
        "primary": "toyoake-counselor",
        "closed_on": None,
        "closure_reason": "",
    }


def test_the_list_pages_and_filters(personas: Personas, case: Case) -> None:
    lead = personas.members["lead"]
    for _ in range(3):
        make_case(make_person(personas.municipality), primary=lead)
    token = personas.token("lead")
    body = call("get", url(personas), token, data={"limit": 2, "offset": 0}).json()
    assert body["count"] == 4 and len(body["items"]) == 2
    mine = call("get", url(personas), token, data={"mine": "true"}).json()
    assert mine["count"] == 3
    by_person = call("get", url(personas), token, data={"person": case.person_id}).json()
    assert [c["id"] for c in by_person["items"]] == [case.pk]
    bad = call("get", url(personas), token, data={"stage": "sleeping"})
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "stage"


def test_reads_are_written_to_the_access_log_as_api(personas: Personas, case: Case) -> None:
    token = personas.token("counselor")
    call("get", url(personas), token)
    call("get", url(personas, f"/{case.pk}"), token)
    with scopes_disabled():
        listed, viewed = list(AccessLogEntry.objects.order_by("seq"))[-2:]
    assert (listed.action, listed.channel) == ("list", "api")
    # The list names each case's person (person_id): both are seen.
    assert listed.objects_seen == [
        {"type": "case", "id": case.pk, "basis": "assignment"},
        {"type": "person", "id": case.person_id, "basis": "assignment"},
    ]
    assert (viewed.action, viewed.channel) == ("view", "api")


def test_a_counselor_opens_a_case_for_an_unknown_person_and_is_its_primary(
    personas: Personas,
) -> None:
    response = call("post", url(personas), personas.token("counselor"), json=OPEN)
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["primary"] == "toyoake-counselor" and body["stage"] == "encounter"
    assert body["opened_on"] == str(date.today()) or body["opened_on"]


def test_a_lead_opens_a_case_and_assigns_staff(personas: Personas) -> None:
    person = make_person(personas.municipality, name="佐藤")
    response = call(
        "post",
        url(personas),
        personas.token("lead"),
        json={
            "person": person.pk,
            "referral_source": "school",
            "opened_on": "2026-04-01",
            "primary": "toyoake-counselor",
            "others": ["toyoake-lead"],
            "is_shared": False,
        },
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["person"] == person.pk and not body["is_shared"]
    assert body["primary"] == "toyoake-counselor"
    assert sorted(body["assigned"]) == ["toyoake-counselor", "toyoake-lead"]


def test_a_counselor_may_not_assign_others(personas: Personas) -> None:
    payload = {**OPEN, "primary": "toyoake-lead"}
    assert call("post", url(personas), personas.token("counselor"), json=payload).status_code == 403
    assert _cases() == 0


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"new_person": True}, "referral_source"),
        ({"new_person": True, "referral_source": "aliens"}, "referral_source"),
        ({"referral_source": "family"}, "person"),
        ({"person": 999999, "referral_source": "family"}, "person"),
        ({"new_person": True, "referral_source": "family", "opened_on": "yesterday"}, "opened_on"),
        ({"new_person": True, "referral_source": "family", "primary": "nobody"}, "primary"),
    ],
)
def test_bad_input_is_refused_with_422_naming_the_field(
    personas: Personas, payload: dict[str, Any], field: str
) -> None:
    response = call("post", url(personas), personas.token("lead"), json=payload)
    assert response.status_code == 422, response.content
    assert field in [e["field"] for e in response.json()["errors"]]
    assert _cases() == 0


def test_a_person_outside_sight_cannot_be_given_a_case(
    personas: Personas, private_case: Case
) -> None:
    payload = {"person": private_case.person_id, "referral_source": "family"}
    response = call("post", url(personas), personas.token("counselor"), json=payload)
    assert response.status_code == 422
    assert _cases() == 1


def test_a_patch_changes_goal_and_moves_the_stage_with_its_reason(
    personas: Personas, case: Case
) -> None:
    token = personas.token("counselor")
    response = call(
        "patch",
        url(personas, f"/{case.pk}"),
        token,
        json={"goal": "働きたい", "stage": "individual", "reason": "面談開始"},
    )
    assert response.status_code == 200, response.content
    assert response.json()["stage"] == "individual" and response.json()["goal"] == "働きたい"
    with scope(municipality=personas.municipality):
        last = StageTransition.objects.filter(case=case).order_by("-at", "-pk").first()
    assert last is not None
    assert (last.from_stage, last.to_stage, last.reason) == ("encounter", "individual", "面談開始")


def test_a_stage_change_without_a_reason_changes_nothing(personas: Personas, case: Case) -> None:
    response = call(
        "patch",
        url(personas, f"/{case.pk}"),
        personas.token("counselor"),
        json={"goal": "変えたい", "stage": "group"},
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "reason"
    case.refresh_from_db()
    assert (case.stage, case.goal) == ("encounter", "外に出たい")


def test_a_patch_closes_and_reopens(personas: Personas, case: Case) -> None:
    token = personas.token("counselor")
    path = url(personas, f"/{case.pk}")
    no_reason = call("patch", path, token, json={"stage": "closed"})
    assert no_reason.status_code == 422
    closed = call(
        "patch",
        path,
        token,
        json={"stage": "closed", "closure_reason": "employment", "closed_on": "2026-03-31"},
    ).json()
    assert (closed["stage"], closed["closure_reason"], closed["closed_on"]) == (
        "closed",
        "employment",
        "2026-03-31",
    )
    reopened = call("patch", path, token, json={"stage": "trial", "reason": "再相談"}).json()
    assert (reopened["stage"], reopened["closed_on"]) == ("trial", None)


def test_only_a_lead_changes_the_sharing(personas: Personas, case: Case) -> None:
    path = url(personas, f"/{case.pk}")
    assert (
        call("patch", path, personas.token("counselor"), json={"is_shared": False}).status_code
        == 403
    )
    assert call("patch", path, personas.token("lead"), json={"is_shared": False}).status_code == 200
    case.refresh_from_db()
    assert not case.is_shared


def test_a_patch_does_not_touch_fields_it_may_not(personas: Personas, case: Case) -> None:
    path = url(personas, f"/{case.pk}")
    response = call(
        "patch",
        path,
        personas.token("counselor"),
        json={"person": 12345, "opened_on": "2000-01-01"},
    )
    assert response.status_code == 200
    case.refresh_from_db()
    assert case.opened_on == date(2025, 4, 1)


def test_the_openapi_document_describes_the_bodies(personas: Personas) -> None:
    doc = Client().get("/api/v1/openapi.json").json()
    post = doc["paths"]["/api/v1/m/{code}/cases"]["post"]
    schema = post["requestBody"]["content"]["application/json"]["schema"]
    assert "referral_source" in schema["properties"]
    assert "family" in str(schema["properties"]["referral_source"])
