"""Notifications: the bell, and e-mail through the worker where a mail server is configured."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.test import override_settings
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from django_tasks_db.models import DBTaskResult
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from tests.conftest import Personas
from tests.network.conftest import World
from tsunagu.core.jobs import run_queued_jobs
from tsunagu.network import notifications, services
from tsunagu.network.codes import MeetingKind
from tsunagu.network.models import (
    MailServer,
    MailState,
    Notification,
    NotificationKind,
    Referral,
)
from tsunagu.tenancy.models import Membership


def refer(personas: Personas, world: World, captured: DjangoCaptureOnCommitCallbacks) -> Referral:
    partner = personas.members["partner"]
    with scope(municipality=personas.municipality), captured(execute=True):
        return services.referral_create(
            actor=personas.members["counselor"],
            case=world.case,
            destination="hello_work",
            organization=partner.organization,
            purpose="就労支援",
        )


@pytest.fixture
def mail_server(personas: Personas) -> MailServer:
    partner = personas.members["partner"]
    partner.user.email = "partner@example.jp"
    partner.user.save()
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


def bell(personas: Personas, role: str) -> int:
    html = personas.client(role).get(personas.url("")).content.decode()
    match = re.search(r'id="notification-unread">(\d+)', html)
    assert 'id="notification-bell"' in html
    return int(match.group(1)) if match else 0


def test_a_partner_is_told_of_a_referral_in_the_bell(
    personas: Personas,
    world: World,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    assert bell(personas, "partner") == 0
    refer(personas, world, django_capture_on_commit_callbacks)
    [notice] = notices(personas.members["partner"])
    assert notice.kind == NotificationKind.REFERRAL_RECEIVED
    assert notice.mail_state == MailState.NONE  # no mail server: the app only
    assert bell(personas, "partner") == 1
    assert notices(personas.members["lead"]) == []  # nobody else of the organization
    page = personas.client("partner").get(personas.url("meetings/notifications/"))
    assert "紹介を受けました" in page.content.decode()
    # Opening it marks it read and follows its link to the referral.
    opened = personas.client("partner").post(
        personas.url("meetings/notifications/read/"), {"id": notice.pk}
    )
    assert opened.status_code == 302 and opened["Location"] == notice.link
    assert bell(personas, "partner") == 0


def test_mail_goes_through_the_worker_and_names_nobody(
    personas: Personas,
    world: World,
    mail_server: MailServer,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    refer(personas, world, django_capture_on_commit_callbacks)
    [notice] = notices(personas.members["partner"])
    assert notice.mail_state == MailState.PENDING
    assert mail.outbox == []  # the request did not send it
    run_queued_jobs()
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["partner@example.jp"] and message.from_email == "center@example.jp"
    assert notice.link in message.body
    assert "架空" not in str(message.body) + str(message.subject)  # the person's name never
    notice.refresh_from_db()
    assert notice.mail_state == MailState.SENT


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
def test_a_mail_server_that_is_down_loses_nothing(
    personas: Personas,
    world: World,
    mail_server: MailServer,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    with scopes_disabled():
        mail_server.host, mail_server.port = "127.0.0.1", 1  # nothing listens there
        mail_server.save()
    refer(personas, world, django_capture_on_commit_callbacks)
    run_queued_jobs()
    [notice] = notices(personas.members["partner"])
    assert notice.mail_state == MailState.PENDING
    assert notice.mail_attempts == 1 and notice.mail_error
    # Retried later: a job waits with a time to run after.
    waiting = DBTaskResult.objects.filter(status="READY", run_after__gt=timezone.now())
    assert waiting.count() == 1
    page = personas.client("partner").get(personas.url("meetings/notifications/"))
    assert "メール送信待ち" in page.content.decode()
    # The server is back: the retry sends it.
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        waiting.update(run_after=timezone.now() - timedelta(seconds=1))
        run_queued_jobs()
    notice.refresh_from_db()
    assert notice.mail_state == MailState.SENT and len(mail.outbox) == 1


def test_the_maker_is_told_when_the_partner_answers(
    personas: Personas,
    world: World,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    referral = refer(personas, world, django_capture_on_commit_callbacks)
    with scope(municipality=personas.municipality):
        services.referral_answer(
            actor=personas.members["partner"], referral=referral, status="accepted"
        )
    [notice] = notices(personas.members["counselor"])
    assert notice.kind == NotificationKind.REFERRAL_ANSWERED
    assert bell(personas, "counselor") == 1


def test_the_daily_sweep_tells_of_an_action_due_and_a_meeting_tomorrow_once(
    personas: Personas,
) -> None:
    lead, professional = personas.members["lead"], personas.members["professional"]
    organization = professional.organization
    assert organization is not None
    today = timezone.localdate()
    with scope(municipality=personas.municipality):
        body = services.meeting_body_save(
            actor=lead,
            name="運営会議",
            kind=MeetingKind.OPERATIONS,
            organizations=[organization],
        )
        past = services.meeting_create(
            actor=lead, kind=MeetingKind.OPERATIONS, title="前回", held_on=today - timedelta(7)
        )
        services.action_item_add(
            actor=lead, meeting=past, what="資料を用意", owner=professional, due_on=today
        )
        services.meeting_create(
            actor=lead,
            kind=MeetingKind.OPERATIONS,
            title="次回",
            held_on=today + timedelta(days=1),
            body=body,
        )
    with scopes_disabled():
        made = notifications.daily_sweep(today=today)
        assert notifications.daily_sweep(today=today) == 0  # never twice
    kinds = sorted(n.kind for n in notices(professional))
    assert kinds == [NotificationKind.ACTION_DUE, NotificationKind.MEETING_TOMORROW]
    assert made >= 2


def test_one_cannot_open_or_read_another_members_notice(
    personas: Personas,
    world: World,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    refer(personas, world, django_capture_on_commit_callbacks)
    [notice] = notices(personas.members["partner"])
    url = personas.url("meetings/notifications/read/")
    assert personas.client("lead").post(url, {"id": notice.pk}).status_code == 404
    assert personas.client("lead").post(url).status_code == 302  # "all": only the lead's own
    notice.refresh_from_db()
    assert notice.read_at is None
    outsider = personas.client("partner", outsider=True)
    response = outsider.post(personas.url("meetings/notifications/read/"), {"id": notice.pk})
    assert response.status_code == 404


def test_notices_hold_no_personal_data(
    personas: Personas,
    world: World,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    refer(personas, world, django_capture_on_commit_callbacks)
    [notice] = notices(personas.members["partner"])
    assert set(vars(notice)) >= {"kind", "link", "key"}
    assert "架空" not in f"{notice.kind} {notice.link} {notice.key}"
    assert notice.link.startswith(f"/m/{personas.municipality.code}/referrals/")
