"""Web inquiries: saved as an intake consultation (channel web) of their own municipality."""

import logging
from typing import TYPE_CHECKING, TypedDict, Unpack

import pytest
from django.test import Client
from django_scopes import scope, scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.public.conftest import inquiry_data
from tsunagu.consultations.models import Consultation
from tsunagu.public.models import WebInquiry

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


class Overrides(TypedDict, total=False):
    """Fields of the inquiry form to post instead of those of `inquiry_data`."""

    writer: str
    about: str
    text: str
    reply_by: str
    reply_to: str
    website: str
    form_token: str


def post(
    personas: Personas,
    outsider: bool = False,
    client: Client | None = None,
    **overrides: Unpack[Overrides],
) -> "_MonkeyPatchedWSGIResponse":
    code = (personas.outsider if outsider else personas.municipality).code
    return (client or Client()).post(f"/p/{code}/inquiry", inquiry_data(**overrides))


def test_an_inquiry_becomes_a_web_consultation_with_a_receipt_number(personas: Personas) -> None:
    response = post(personas)
    assert response.status_code == 200
    page = response.content.decode()
    with scope(municipality=personas.municipality):
        inquiry = WebInquiry.objects.get()
        consultation = inquiry.consultation
        assert consultation.channel == "web"
        assert consultation.consulter == "family"
        assert consultation.main_concern == "family"
        assert consultation.summary == "息子が3年ほど部屋から出てきません。"
        assert consultation.person_id is None
        assert inquiry.reply_to == "kazoku@example.jp"
    assert "受付番号" in page
    assert inquiry.receipt in page
    # No echo of what was written.
    assert "部屋から出てきません" not in page
    assert "kazoku@example.jp" not in page
    assert "no-store" in response["Cache-Control"]


def test_the_inquiry_lands_only_in_its_own_municipality(personas: Personas) -> None:
    post(personas, outsider=True)
    with scopes_disabled():
        inquiry = WebInquiry.objects.get()
        assert inquiry.municipality_id == personas.outsider.pk
        assert inquiry.consultation.municipality_id == personas.outsider.pk
    home = personas.client("lead").get(personas.url("inquiries/")).content.decode()
    assert inquiry.receipt not in home
    other = personas.client("lead", outsider=True).get(personas.url("inquiries/", outsider=True))
    assert inquiry.receipt in other.content.decode()


def test_anonymous_without_reply_is_accepted(personas: Personas) -> None:
    response = post(personas, writer="self", about="", reply_by="none", reply_to="")
    assert response.status_code == 200
    with scope(municipality=personas.municipality):
        assert WebInquiry.objects.get().reply_to in ("", None)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"writer": ""}, "writer"),
        ({"writer": "boss"}, "writer"),
        ({"text": "   "}, "text"),
        ({"text": "あ" * 2001}, "text"),
        ({"about": "money"}, "about"),
        ({"reply_by": ""}, "reply_by"),
        ({"reply_by": "email", "reply_to": ""}, "reply_to"),
        ({"reply_by": "email", "reply_to": "not-an-address"}, "reply_to"),
        ({"reply_by": "phone", "reply_to": "call me"}, "reply_to"),
    ],
)
def test_each_refused_field_is_named_and_what_was_typed_is_kept(
    personas: Personas, overrides: Overrides, field: str
) -> None:
    response = post(personas, **overrides)
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-error-for="{field}"' in page
    assert f'aria-describedby="id_{field}_errors' in page or field in ("writer", "reply_by")
    if field != "text":
        assert "息子が3年ほど部屋から出てきません。" in page  # kept
    with scope(municipality=personas.municipality):
        assert not WebInquiry.objects.exists()
        assert not Consultation.objects.exists()


def test_the_form_needs_a_csrf_token(personas: Personas) -> None:
    client = Client(enforce_csrf_checks=True)
    response = post(personas, client=client)
    assert response.status_code == 403
    with scope(municipality=personas.municipality):
        assert not WebInquiry.objects.exists()


def test_the_form_page_carries_a_csrf_token(personas: Personas) -> None:
    page = Client().get(f"/p/{personas.municipality.code}/inquiry").content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
    assert 'name="website"' in page  # the honeypot


def test_a_filled_honeypot_is_refused_and_counted(
    personas: Personas, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="tsunagu.security"):
        response = post(personas, website="http://spam.example")
    assert response.status_code == 400
    with scope(municipality=personas.municipality):
        assert not WebInquiry.objects.exists()
    assert "honeypot" in caplog.text
    assert "部屋" not in caplog.text and "kazoku" not in caplog.text
    inbox = personas.client("lead").get(personas.url("inquiries/")).content.decode()
    assert "1 件の送信を拒否" in inbox


def test_a_forged_form_token_is_refused(personas: Personas) -> None:
    assert post(personas, form_token="forged").status_code == 400


def test_too_fast_a_submission_is_refused_and_kept(
    personas: Personas, settings: SettingsWrapper
) -> None:
    settings.TSUNAGU_PUBLIC_FORM_MIN_SECONDS = 30
    response = post(personas)
    assert response.status_code == 200
    assert "息子が3年ほど" in response.content.decode()
    with scope(municipality=personas.municipality):
        assert not WebInquiry.objects.exists()


def test_the_rate_limit_per_address(
    personas: Personas, settings: SettingsWrapper, caplog: pytest.LogCaptureFixture
) -> None:
    settings.TSUNAGU_PUBLIC_FORMS_PER_HOUR = 2
    assert post(personas).status_code == 200
    assert post(personas).status_code == 200
    with caplog.at_level(logging.INFO, logger="tsunagu.security"):
        refused = post(personas)
    assert refused.status_code == 429
    assert "rate_limit" in caplog.text
    assert "kazoku" not in caplog.text
    with scope(municipality=personas.municipality):
        assert WebInquiry.objects.count() == 2
    # Another address is not limited by this one.
    other = Client(REMOTE_ADDR="192.0.2.7").post(
        f"/p/{personas.municipality.code}/inquiry", inquiry_data()
    )
    assert other.status_code == 200


def test_the_rate_limit_per_form_session(personas: Personas, settings: SettingsWrapper) -> None:
    settings.TSUNAGU_PUBLIC_FORMS_PER_SESSION = 1
    data = inquiry_data()
    assert Client().post(f"/p/{personas.municipality.code}/inquiry", data).status_code == 200
    again = Client(REMOTE_ADDR="192.0.2.8").post(f"/p/{personas.municipality.code}/inquiry", data)
    assert again.status_code == 429


def test_staff_see_new_inquiries_unanswered_first_and_mark_them_answered(
    personas: Personas,
) -> None:
    post(personas)
    post(personas, text="二通目")
    lead = personas.client("lead")
    home = lead.get(personas.url()).content.decode()
    assert "未対応のWeb問い合わせが 2 件" in home
    with scope(municipality=personas.municipality):
        first, second = WebInquiry.objects.order_by("pk")
    response = lead.post(personas.url(f"inquiries/{first.pk}/answered/"))
    assert response.status_code == 302
    page = lead.get(personas.url("inquiries/")).content.decode()
    assert f"{first.receipt} を対応済みにしました" in page
    rows = page.index(f'data-inquiry="{second.pk}"'), page.index(f'data-inquiry="{first.pk}"')
    assert rows[0] < rows[1]  # the unanswered one first
    assert "1 件" in lead.get(personas.url()).content.decode()


def test_staff_link_the_inquiry_to_a_case_through_the_consultation(personas: Personas) -> None:
    from tsunagu.cases import services as case_services
    from tsunagu.people import services as people_services

    post(personas)
    lead_member = personas.members["lead"]
    with scope(municipality=personas.municipality):
        inquiry = WebInquiry.objects.get()
        person = people_services.person_create(
            actor=lead_member, municipality=personas.municipality, name="架空 次郎"
        )
        case = case_services.case_open(
            actor=lead_member,
            person=person,
            opened_on=inquiry.received_at.date(),
            referral_source="family",
        )
    lead = personas.client("lead")
    page = lead.get(personas.url("inquiries/")).content.decode()
    link = personas.url(f"consultations/{inquiry.consultation_id}/link/")
    assert link in page
    response = lead.post(
        link, {"person": person.pk, "case": case.pk, "reason": "Web問い合わせの本人"}
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        consultation = Consultation.objects.get(pk=inquiry.consultation_id)
        assert consultation.case_id == case.pk


def test_the_inquiry_counts_in_the_consultation_statistics(personas: Personas) -> None:
    post(personas)
    from datetime import date

    from tsunagu.reports.selectors import consultation_statistics

    today = date.today()
    with scope(municipality=personas.municipality):
        stats = consultation_statistics(
            municipality=personas.municipality, start=today.replace(day=1), end=today
        )
    assert stats.by_channel["web"] == 1


def test_wrong_roles_and_other_municipalities_do_not_reach_the_inbox(personas: Personas) -> None:
    post(personas)
    with scope(municipality=personas.municipality):
        inquiry = WebInquiry.objects.get()
    for role in ("admin", "committee", "partner", "place_staff", "professional"):
        assert personas.client(role).get(personas.url("inquiries/")).status_code == 403
    # A supporter is confined to their own dispatches: everything else is 404 to them.
    assert personas.client("supporter").get(personas.url("inquiries/")).status_code == 404
    outsider = personas.client("lead", outsider=True)
    assert outsider.get(personas.url("inquiries/")).status_code == 404
    answered = outsider.post(personas.url(f"inquiries/{inquiry.pk}/answered/", outsider=True))
    assert answered.status_code == 404
