"""Referrals (つなぎ) through the API: the contract, the states, and what the receiver sees."""

from datetime import date, timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.utils import timezone
from django_scopes import scope

from tests.conftest import Personas
from tests.network.conftest import World, api
from tsunagu.network import selectors, services
from tsunagu.network.codes import REFERRAL_MOVES, Destination, ReferralStatus
from tsunagu.network.models import Referral
from tsunagu.people.services import consent_revoke

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


def url(personas: Personas, path: str = "", *, outsider: bool = False) -> str:
    code = (personas.outsider if outsider else personas.municipality).code
    return f"/api/v1/m/{code}/referrals{path}"


def refer(
    personas: Personas, world: World, role: str = "counselor", **body: object
) -> "_MonkeyPatchedWSGIResponse":
    data = {
        "case_id": world.case.pk,
        "destination": "council",
        "organization_id": personas.members["partner"].organization_id,
        "purpose": "就労準備の相談につなぐ",
        **body,
    }
    return api(personas, role).post(url(personas), data, content_type="application/json")


def move(personas: Personas, role: str, pk: int, **body: str) -> "_MonkeyPatchedWSGIResponse":
    return api(personas, role).patch(url(personas, f"/{pk}"), body, content_type="application/json")


def test_a_referral_answers_the_contract_shape(personas: Personas, world: World) -> None:
    response = refer(personas, world, consent_id=world.consent.pk, shared="生活歴の要約")
    assert response.status_code == 201, response.content
    body = response.json()
    contract = {"id", "case_id", "destination", "organization_id", "purpose", "status"}
    assert contract | {"consent_id"} <= set(body)
    assert body["case_id"] == world.case.pk and body["status"] == "requested"
    assert body["consent_id"] == world.consent.pk and body["destination"] == "council"
    assert body["history"][0]["status"] == "requested"
    assert body["history"][0]["by"] == "toyoake-counselor"
    listed = api(personas, "lead").get(url(personas)).json()
    assert listed["count"] == 1 and listed["items"][0]["id"] == body["id"]


def test_an_unknown_destination_is_a_422_naming_the_field(personas: Personas, world: World) -> None:
    response = refer(personas, world, destination="moon")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["destination"]


def test_a_status_move_the_states_do_not_allow_is_a_422_naming_status(
    personas: Personas, world: World
) -> None:
    pk = refer(personas, world).json()["id"]
    assert move(personas, "partner", pk, status="completed").status_code == 422
    for status in ("accepted", "in_support", "completed"):
        assert move(personas, "partner", pk, status=status).status_code == 200
    response = move(personas, "counselor", pk, status="requested")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "status"
    body = api(personas, "lead").get(url(personas, f"/{pk}")).json()
    assert [h["status"] for h in body["history"]] == [
        "requested",
        "accepted",
        "in_support",
        "completed",
    ]
    assert body["history"][1]["by"] == "toyoake-partner" and not body["history"][1]["on_behalf"]


@pytest.mark.parametrize("destination", ["moon", "", 7, None, ["hello_work"], "Hello_Work"])
def test_every_invalid_destination_is_a_422_naming_destination(
    personas: Personas, world: World, destination: str | int | list[Any] | None
) -> None:
    response = refer(personas, world, destination=destination)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"destination"}


# The way to each state from requested, and every move that state does not allow.
PATHS = {
    "requested": [],
    "accepted": ["accepted"],
    "in_support": ["accepted", "in_support"],
    "completed": ["accepted", "in_support", "completed"],
    "declined": ["declined"],
}
INVALID_MOVES = [
    (start, to)
    for start in ReferralStatus.values
    for to in [*ReferralStatus.values, "moon", "REQUESTED"]
    if to not in REFERRAL_MOVES[start]
]


@pytest.mark.parametrize(("start", "to"), INVALID_MOVES)
def test_every_status_move_the_states_do_not_allow_is_a_422_naming_status(
    personas: Personas, world: World, start: str, to: str
) -> None:
    pk = refer(personas, world).json()["id"]
    for step in PATHS[start]:
        assert move(personas, "counselor", pk, status=step).status_code == 200
    response = move(personas, "counselor", pk, status=to)
    assert response.status_code == 422, (start, to)
    assert {e["field"] for e in response.json()["errors"]} == {"status"}
    with scope(municipality=personas.municipality):
        assert Referral.objects.get(pk=pk).status == start  # nothing moved


def test_staff_record_the_receivers_answer_on_their_behalf(
    personas: Personas, world: World
) -> None:
    pk = refer(personas, world).json()["id"]
    response = move(personas, "counselor", pk, status="declined", note="定員のため受入不可と電話")
    assert response.status_code == 200
    last = response.json()["history"][-1]
    assert last["on_behalf"] and last["from_status"] == "requested"
    assert last["note"] == "定員のため受入不可と電話"


def test_sharing_without_a_basis_is_refused_naming_shared(personas: Personas, world: World) -> None:
    response = refer(personas, world, shared="家族歴の詳細")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "shared"


def test_a_consent_that_does_not_name_the_receiver_is_refused(
    personas: Personas, world: World
) -> None:
    with scope(municipality=personas.municipality):
        from tsunagu.tenancy.models import Organization

        other = Organization.objects.create(
            municipality=personas.municipality, name="豊明公共職業安定所", kind="hello_work"
        )
    response = refer(personas, world, organization_id=other.pk, consent_id=world.consent.pk)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "consent_id"


def test_the_receiver_sees_what_the_consent_allows_until_it_is_revoked(
    personas: Personas, world: World
) -> None:
    pk = refer(personas, world, consent_id=world.consent.pk, shared="生活歴の要約").json()["id"]
    partner = api(personas, "partner")
    body = partner.get(url(personas, f"/{pk}")).json()
    assert body["purpose"] == "就労準備の相談につなぐ" and body["shared"] == "生活歴の要約"
    with scope(municipality=personas.municipality):
        consent_revoke(actor=personas.members["lead"], consent=world.consent)
    assert partner.get(url(personas, f"/{pk}")).status_code == 404
    assert partner.get(url(personas)).json()["count"] == 0
    assert move(personas, "partner", pk, status="accepted").status_code == 404
    # The center keeps its record.
    assert api(personas, "lead").get(url(personas, f"/{pk}")).status_code == 200


def test_a_referral_without_a_basis_tells_the_receiver_only_that_it_was_made(
    personas: Personas, world: World
) -> None:
    pk = refer(personas, world).json()["id"]
    body = api(personas, "partner").get(url(personas, f"/{pk}")).json()
    assert body["purpose"] == "" and body["shared"] == "" and body["case_id"] is None
    assert body["destination"] == "council" and body["status"] == "requested"


def test_a_support_meeting_is_a_basis_while_in_force_for_acknowledged_members(
    personas: Personas, world: World
) -> None:
    lead, partner = personas.members["lead"], personas.members["partner"]
    with scope(municipality=personas.municipality):
        meeting = services.support_meeting_create(
            actor=lead,
            title="支援会議",
            legal_basis="swa_106_6",
            held_on=timezone.localdate(),
            ends_on=timezone.localdate() + timedelta(days=30),
        )
        services.support_meeting_set_cases(actor=lead, meeting=meeting, cases=[world.case])
        services.support_meeting_invite(actor=lead, meeting=meeting, members=[partner])
    pk = refer(personas, world, meeting_id=meeting.pk, shared="会議資料").json()["id"]
    client = api(personas, "partner")
    assert client.get(url(personas, f"/{pk}")).status_code == 404
    with scope(municipality=personas.municipality):
        services.support_meeting_acknowledge(actor=partner, meeting=meeting)
    assert client.get(url(personas, f"/{pk}")).json()["shared"] == "会議資料"
    with scope(municipality=personas.municipality):
        meeting.ends_on = timezone.localdate() - timedelta(days=1)
        meeting.held_on = meeting.ends_on
        meeting.save()
    assert client.get(url(personas, f"/{pk}")).status_code == 404


@pytest.mark.parametrize("role", ["professional", "place_staff", "committee"])
def test_roles_outside_referrals_see_none(personas: Personas, world: World, role: str) -> None:
    pk = refer(personas, world).json()["id"]
    status = api(personas, role).get(url(personas, f"/{pk}")).status_code
    # A professional reads persons, so a referral is an object outside its sight (404); the
    # other roles may not read referrals at all (403).
    assert status == (404 if role == "professional" else 403)
    assert refer(personas, world, role=role).status_code == 403


def test_another_municipality_gets_404(personas: Personas, world: World) -> None:
    pk = refer(personas, world).json()["id"]
    client = api(personas, "lead", outsider=True)
    assert client.get(url(personas, f"/{pk}", outsider=True)).status_code == 404
    assert client.get(url(personas, f"/{pk}")).status_code == 404


def test_a_referral_with_no_answer_comes_back_after_the_reminder_days(
    personas: Personas, world: World
) -> None:
    counselor = personas.members["counselor"]
    with scope(municipality=personas.municipality):
        today = timezone.localdate()
        old = services.referral_create(
            actor=counselor,
            case=world.case,
            destination="hello_work",
            purpose="職業相談",
            requested_on=today - timedelta(days=15),
        )
        services.referral_create(
            actor=counselor, case=world.case, destination="medical", purpose="受診"
        )
        waiting = list(selectors.referrals_awaiting_answer(counselor, days=14))
        assert waiting == [old]
        services.referral_answer(actor=counselor, referral=old, note="先方から折返し待ち")
        assert list(selectors.referrals_awaiting_answer(counselor, days=14)) == []


def stats(
    personas: Personas, role: str, query: str = "fiscal_year=2025"
) -> "_MonkeyPatchedWSGIResponse":
    return api(personas, role).get(
        f"/api/v1/m/{personas.municipality.code}/stats/referrals?{query}"
    )


def test_referral_statistics_by_destination_match_the_referrals_made(
    personas: Personas, world: World
) -> None:
    counselor = personas.members["counselor"]
    made = {"hello_work": 6, "saposute": 7, "medical": 2}
    with scope(municipality=personas.municipality):
        for destination, n in made.items():
            for i in range(n):
                services.referral_create(
                    actor=counselor,
                    case=world.case,
                    destination=destination,
                    purpose="つなぎ",
                    requested_on=date(2025, 4, 1) + timedelta(days=40 * i),
                )
        # Outside the fiscal year: not counted.
        services.referral_create(
            actor=counselor,
            case=world.case,
            destination="hello_work",
            purpose="つなぎ",
            requested_on=date(2025, 3, 31),
        )
    body = stats(personas, "lead").json()
    assert body["from"] == "2025-04-01" and body["to"] == "2026-03-31"
    assert set(body["by_destination"]) == set(Destination.values)
    assert body["by_destination"] == {c: made.get(c, 0) for c in Destination.values}
    assert body["total"] == 15
    with scope(municipality=personas.municipality):
        assert (
            body["total"]
            == Referral.objects.filter(
                requested_on__gte=date(2025, 4, 1), requested_on__lte=date(2026, 3, 31)
            ).count()
        )
    committee = stats(personas, "committee").json()
    assert committee["by_destination"]["medical"] is None
    # With the total shown, medical would be the total less the rest: one more is withheld.
    withheld = [c for c, n in committee["by_destination"].items() if n is None]
    assert committee["total"] is None or len(withheld) >= 2
    assert stats(personas, "committee", "fiscal_year=x").status_code == 422
