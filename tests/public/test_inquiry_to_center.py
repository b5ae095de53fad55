"""After a web inquiry is saved: the center is told (a notice, and e-mail through the worker
naming only the receipt number), and staff open a new case from it in one step."""

from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from tests.conftest import Personas
from tests.public.test_inquiry import post
from tsunagu.cases.models import Case
from tsunagu.consultations.models import Consultation
from tsunagu.core.jobs import run_queued_jobs
from tsunagu.network.models import MailServer, MailState, Notification, NotificationKind
from tsunagu.people.models import Person
from tsunagu.public.models import WebInquiry
from tsunagu.tenancy.models import Membership


@pytest.fixture
def mail_server(personas: Personas) -> MailServer:
    lead = personas.members["lead"]
    lead.user.email = "lead@example.jp"
    lead.user.save()
    with scopes_disabled():
        return MailServer.objects.create(
            municipality=personas.municipality,
            host="mail.example.jp",
            port=587,
            from_address="center@example.jp",
        )


def notices(member: Membership) -> list[Notification]:
    with scopes_disabled():
        return list(Notification.objects.filter(recipient=member))


def the_inquiry(personas: Personas) -> WebInquiry:
    with scope(municipality=personas.municipality):
        return WebInquiry.objects.select_related("consultation").get()


def test_those_who_answer_inquiries_get_a_notice_naming_the_receipt(personas: Personas) -> None:
    post(personas)
    inquiry = the_inquiry(personas)
    for role in ("lead", "counselor"):
        [notice] = notices(personas.members[role])
        assert notice.kind == NotificationKind.WEB_INQUIRY
        assert notice.reference == inquiry.receipt
        assert notice.mail_state == MailState.NONE  # no mail server: the app only
    for role in ("admin", "committee", "partner", "place_staff", "supporter"):
        assert notices(personas.members[role]) == []
    assert notices(personas.outsiders["lead"]) == []
    page = personas.client("lead").get(personas.url("meetings/notifications/"))
    assert f"Web問い合わせを受け付けました {inquiry.receipt}" in page.content.decode()


def test_the_mail_goes_through_the_worker_with_the_receipt_and_a_link_only(
    personas: Personas,
    mail_server: MailServer,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post(personas)
    inquiry = the_inquiry(personas)
    [notice] = notices(personas.members["lead"])
    assert notice.mail_state == MailState.PENDING
    assert mail.outbox == []  # the request did not send it
    run_queued_jobs()
    [message] = mail.outbox
    assert message.to == ["lead@example.jp"]
    text = f"{message.subject}{message.body}"
    assert inquiry.receipt in text
    assert f"/m/{personas.municipality.code}/inquiries/#{inquiry.receipt}" in message.body
    for written in ("息子", "部屋", "kazoku@example.jp"):
        assert written not in text


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
def test_a_mail_server_that_is_down_loses_no_inquiry_and_no_notice(
    personas: Personas,
    mail_server: MailServer,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with scopes_disabled():
        mail_server.host, mail_server.port = "127.0.0.1", 1  # nothing listens there
        mail_server.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = post(personas)
    assert response.status_code == 200 and "受付番号" in response.content.decode()
    run_queued_jobs()
    assert the_inquiry(personas).receipt
    [notice] = notices(personas.members["lead"])
    assert notice.mail_state == MailState.PENDING and notice.mail_attempts == 1
    waiting = DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now())
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        waiting.update(run_after=timezone.now() - timedelta(seconds=1))
        run_queued_jobs()
    notice.refresh_from_db()
    assert notice.mail_state == MailState.SENT and len(mail.outbox) == 1


def test_the_lead_opens_a_new_case_from_the_inquiry_in_one_step(personas: Personas) -> None:
    post(personas)
    inquiry = the_inquiry(personas)
    lead = personas.client("lead")
    inbox = lead.get(personas.url("inquiries/")).content.decode()
    action = personas.url(f"inquiries/{inquiry.pk}/new-case/")
    assert f'action="{action}"' in inbox
    response = lead.post(action, {f"inquiry{inquiry.pk}-name": "架空 四郎"})
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        consultation = Consultation.objects.get(pk=inquiry.consultation_id)
        case = Case.objects.get()
        assert consultation.case_id == case.pk and consultation.person_id == case.person_id
        assert Person.objects.get(pk=case.person_id).name == "架空 四郎"
        assert case.referral_source == "family"  # a family member wrote
    assert response["Location"] == personas.url(f"cases/{case.pk}/")
    # The inbox shows the inquiry with its case, no longer offering to link it.
    inbox = lead.get(personas.url("inquiries/")).content.decode()
    assert personas.url(f"cases/{case.pk}/") in inbox and f'action="{action}"' not in inbox


def test_a_counselor_opens_an_unnamed_case_and_becomes_its_staff(personas: Personas) -> None:
    post(personas, writer="self")
    inquiry = the_inquiry(personas)
    response = personas.client("counselor").post(
        personas.url(f"inquiries/{inquiry.pk}/new-case/"), {}
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        case = Case.objects.get()
        assert case.referral_source == "self"
        assert list(case.assignments.values_list("membership_id", flat=True)) == [
            personas.members["counselor"].pk
        ]


def test_a_bad_name_is_refused_next_to_the_field_and_kept(personas: Personas) -> None:
    post(personas)
    inquiry = the_inquiry(personas)
    typed = "長" * 101
    response = personas.client("lead").post(
        personas.url(f"inquiries/{inquiry.pk}/new-case/"), {f"inquiry{inquiry.pk}-name": typed}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert f'id="id_inquiry{inquiry.pk}-name_errors"' in html and f'value="{typed}"' in html
    with scope(municipality=personas.municipality):
        assert not Case.objects.exists()


def test_roles_without_casework_and_other_municipalities_cannot_open_a_case(
    personas: Personas,
) -> None:
    post(personas)
    inquiry = the_inquiry(personas)
    url = personas.url(f"inquiries/{inquiry.pk}/new-case/")
    for role in ("admin", "committee", "partner", "place_staff", "professional"):
        assert personas.client(role).post(url).status_code == 403, role
    outsider = personas.client("lead", outsider=True)
    other = personas.url(f"inquiries/{inquiry.pk}/new-case/", outsider=True)
    assert outsider.post(other).status_code == 404
    with scope(municipality=personas.municipality):
        assert not Case.objects.exists()
