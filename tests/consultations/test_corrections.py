"""訂正 and deletion of consultations: history kept, statistics follow, tombstones count nowhere."""

import json
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.audit.models import AccessLogEntry
from tsunagu.cases.models import Case
from tsunagu.consultations.models import Consultation
from tsunagu.consultations.services import consultation_correct, consultation_delete
from tsunagu.people.models import Person
from tsunagu.reports.selectors import ConsultationStatistics, consultation_statistics

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

API = "/api/v1/m/{code}/consultations/{pk}"


def statistics(personas: Personas) -> ConsultationStatistics:
    return consultation_statistics(
        municipality=personas.municipality, start=date(2018, 4, 1), end=date(2019, 3, 31)
    )


# Services ----------------------------------------------------------------------------------


def test_a_correction_keeps_the_earlier_version_and_statistics_follow(
    in_toyoake: Personas, record: Callable[..., Consultation]
) -> None:
    consultation = record(summary="母から電話", main_concern="work")
    assert statistics(in_toyoake).by_channel["phone"] == 1
    consultation_correct(
        actor=in_toyoake.members["counselor"],
        consultation=consultation,
        reason="来所の誤り",
        channel="walk_in",
        summary="母が来所",
        main_concern="family",
    )
    consultation.refresh_from_db()
    assert (consultation.channel, consultation.summary) == ("walk_in", "母が来所")
    [correction] = consultation.corrections.all()
    assert correction.reason == "来所の誤り"
    assert correction.changes["summary"] == {"before": "母から電話", "after": "母が来所"}
    assert correction.changes["channel"] == {"before": "phone", "after": "walk_in"}
    stats = statistics(in_toyoake)
    assert (stats.by_channel["phone"], stats.by_channel["walk_in"]) == (0, 1)
    assert (stats.by_main_concern["work"], stats.by_main_concern["family"]) == (0, 1)


def test_a_correction_needs_a_reason_and_a_change(
    in_toyoake: Personas, record: Callable[..., Consultation]
) -> None:
    consultation = record()
    member = in_toyoake.members["counselor"]
    with pytest.raises(ValidationError) as missing:
        consultation_correct(actor=member, consultation=consultation, reason=" ", minutes=5)
    assert "reason" in missing.value.message_dict
    with pytest.raises(ValidationError):
        consultation_correct(
            actor=member, consultation=consultation, reason="なし", channel="phone"
        )
    assert not consultation.corrections.exists()


def test_a_deleted_consultation_counts_nowhere_and_keeps_a_tombstone(
    in_toyoake: Personas, record: Callable[..., Consultation], person: Person
) -> None:
    consultation = record(person=person, summary="誤って入力")
    consultation_correct(
        actor=in_toyoake.members["counselor"], consultation=consultation, reason="誤字", minutes=3
    )
    lead = in_toyoake.members["lead"]
    consultation_delete(actor=lead, consultation=consultation, reason="別人の記録だった")
    assert statistics(in_toyoake).total == 0
    assert statistics(in_toyoake).people == 0
    assert not Consultation.objects.filter(pk=consultation.pk).exists()
    assert not person.consultations.exists()
    tombstone = Consultation.all_objects.get(pk=consultation.pk)
    assert (tombstone.deleted_by, tombstone.deletion_reason) == (lead, "別人の記録だった")
    assert tombstone.summary in ("", None)
    assert not tombstone.corrections.exists()


# Screens -----------------------------------------------------------------------------------


def test_the_author_corrects_on_the_record_page_and_the_history_shows_it(
    in_toyoake: Personas, record: Callable[..., Consultation]
) -> None:
    consultation = record(summary="最初の内容")
    client = in_toyoake.client("counselor")
    url = in_toyoake.url(f"consultations/{consultation.pk}/correct/")
    page = client.get(url).content.decode()
    assert "最初の内容" in page
    refused = client.post(
        url,
        {
            "occurred_at": "2018-04-02T14:30",
            "channel": "phone",
            "consulter": "family",
            "summary": "直した内容",
        },
    )
    assert refused.status_code == 200
    assert "直した内容" in refused.content.decode()  # nothing typed is lost
    response = client.post(
        url,
        {
            "occurred_at": "2018-04-02T14:30",
            "channel": "phone",
            "consulter": "family",
            "consulter_relation": "mother",
            "summary": "直した内容",
            "reason": "聞き取りの誤り",
        },
    )
    assert response.status_code == 302
    detail = client.get(in_toyoake.url(f"consultations/{consultation.pk}/")).content.decode()
    assert "訂正履歴" in detail
    assert "聞き取りの誤り" in detail
    assert "最初の内容" in detail and "直した内容" in detail


def test_another_counselor_may_not_correct_but_a_lead_may(
    in_toyoake: Personas, record: Callable[..., Consultation]
) -> None:
    consultation = record(actor=in_toyoake.members["lead"], staff=in_toyoake.members["lead"])
    url = in_toyoake.url(f"consultations/{consultation.pk}/correct/")
    assert in_toyoake.client("counselor").get(url).status_code == 403
    assert in_toyoake.client("lead").get(url).status_code == 200


def test_only_a_lead_deletes_with_a_reason_and_sees_the_tombstone(
    in_toyoake: Personas, record: Callable[..., Consultation]
) -> None:
    consultation = record()
    url = in_toyoake.url(f"consultations/{consultation.pk}/delete/")
    assert in_toyoake.client("counselor").post(url, {"reason": "x"}).status_code == 403
    lead = in_toyoake.client("lead")
    assert lead.post(url, {"reason": ""}).status_code == 200
    assert Consultation.objects.filter(pk=consultation.pk).exists()
    assert lead.post(url, {"reason": "重複入力"}).status_code == 302
    detail = in_toyoake.url(f"consultations/{consultation.pk}/")
    page = lead.get(detail).content.decode()
    assert 'id="consultation-tombstone"' in page and "重複入力" in page
    assert in_toyoake.client("counselor").get(detail).status_code == 404
    listing = lead.get(in_toyoake.url("consultations/")).content.decode()
    assert f'id="consultation-{consultation.pk}"' not in listing


def test_an_anonymous_call_is_linked_to_a_person_and_case_later(
    in_toyoake: Personas, record: Callable[..., Consultation], case: Case
) -> None:
    calls = [record(consulter="anonymous", subject_age_band="20_29") for _ in range(3)]
    client = in_toyoake.client("counselor")
    for call in calls:
        response = client.post(
            in_toyoake.url(f"consultations/{call.pk}/link/"),
            {"person": case.person_id, "case": case.pk, "reason": "本人の氏名が判明"},
        )
        assert response.status_code == 302
    assert set(case.consultations.values_list("pk", flat=True)) == {c.pk for c in calls}
    assert statistics(in_toyoake).people == 1
    linked = Consultation.objects.get(pk=calls[0].pk)
    assert linked.person_id == case.person_id
    assert linked.subject_age_band == ""  # the person's record speaks for them now


def test_a_link_keeps_the_picked_person_when_refused(
    in_toyoake: Personas, record: Callable[..., Consultation], person: Person
) -> None:
    call = record(consulter="anonymous")
    response = in_toyoake.client("counselor").post(
        in_toyoake.url(f"consultations/{call.pk}/link/"), {"person": person.pk, "reason": ""}
    )
    assert response.status_code == 200
    assert f'id="person-{person.pk}" value="{person.pk}" checked' in response.content.decode()


# API ---------------------------------------------------------------------------------------


def api(personas: Personas, role: str, pk: int, *, outsider: bool = False) -> tuple[Client, str]:
    client = Client(HTTP_AUTHORIZATION=f"Bearer {personas.token(role, outsider=outsider)}")
    return client, API.format(code=personas.municipality.code, pk=pk)


def patch(client: Client, url: str, body: dict[str, str]) -> "_MonkeyPatchedWSGIResponse":
    return client.patch(url, json.dumps(body), content_type="application/json")


def test_patch_corrects_and_lists_the_corrections(
    personas: Personas, record: Callable[..., Consultation]
) -> None:
    with scope(municipality=personas.municipality):
        consultation = record(summary="旧")
    client, url = api(personas, "counselor", consultation.pk)
    response = patch(client, url, {"summary": "新", "main_concern": "health", "reason": "追記"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["summary"], body["main_concern"]) == ("新", "health")
    [correction] = body["corrections"]
    assert correction["by"] == "toyoake-counselor"
    assert correction["reason"] == "追記"
    assert correction["changes"]["summary"] == {"before": "旧", "after": "新"}
    assert client.get(url).json()["corrections"] == body["corrections"]
    with scope(municipality=personas.municipality):
        assert AccessLogEntry.objects.filter(channel="api").exists()


def test_patch_without_a_reason_is_422_naming_it(
    personas: Personas, record: Callable[..., Consultation]
) -> None:
    with scope(municipality=personas.municipality):
        consultation = record()
    client, url = api(personas, "counselor", consultation.pk)
    response = patch(client, url, {"summary": "新"})
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"reason"}
    assert patch(client, url, {"channel": "fax", "reason": "x"}).status_code == 422


def test_patch_by_another_counselor_is_403_and_another_municipality_404(
    personas: Personas, record: Callable[..., Consultation]
) -> None:
    with scope(municipality=personas.municipality):
        consultation = record(actor=personas.members["lead"], staff=personas.members["lead"])
    client, url = api(personas, "counselor", consultation.pk)
    assert patch(client, url, {"summary": "x", "reason": "y"}).status_code == 403
    outsider, _ = api(personas, "lead", consultation.pk, outsider=True)
    outsider_url = API.format(code=personas.outsider.code, pk=consultation.pk)
    assert outsider.get(outsider_url).status_code == 404
    assert patch(outsider, outsider_url, {"summary": "x", "reason": "y"}).status_code == 404
