"""The municipality's mail server: its administrator's settings, a test mail through the worker."""

from django.core import mail
from django.db import connection
from django.test import Client, override_settings
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks

from tests.conftest import Personas
from tsunagu.core.jobs import run_queued_jobs
from tsunagu.network import services
from tsunagu.network.models import MailServer, MailState, Notification
from tsunagu.network.notifications import daily_sweep

SETTINGS = {
    "host": "smtp.city.example.jp",
    "port": "587",
    "use_tls": "on",
    "username": "tsunagu",
    "password": "s3cret-pass",
    "from_address": "hikikomori@city.example.jp",
}


def admin_with_mail(personas: Personas) -> Client:
    admin = personas.members["admin"]
    admin.user.email = "admin@city.example.jp"
    admin.user.save()
    return personas.client("admin")


def test_the_administrator_saves_the_server_and_the_password_is_never_shown(
    personas: Personas,
) -> None:
    admin = admin_with_mail(personas)
    url = personas.url("meetings/mail-server/")
    response = admin.post(url, {**SETTINGS, "port": "70000"})
    assert response.status_code == 200 and "port" in response.context["form"].errors
    assert admin.post(url, SETTINGS).status_code == 302
    page = admin.get(url).content.decode()
    assert "s3cret-pass" not in page and 'id="password-state"' in page
    assert "smtp.city.example.jp" in page
    with connection.cursor() as cursor:
        cursor.execute("SELECT password FROM network_mailserver")
        assert "s3cret-pass" not in str(cursor.fetchone()[0]), "encrypted at rest"
    # Saving again without a password keeps the stored one.
    assert admin.post(url, {**SETTINGS, "password": "", "port": "25"}).status_code == 302
    with scopes_disabled():
        server = MailServer.objects.get()
    assert server.password == "s3cret-pass" and server.port == 25


def test_only_the_administrator_of_the_municipality_opens_it(personas: Personas) -> None:
    url = personas.url("meetings/mail-server/")
    for role in ("lead", "counselor", "committee", "partner"):
        assert personas.client(role).get(url).status_code == 403, role
        assert personas.client(role).post(url, SETTINGS).status_code == 403, role
    outsider = personas.client("admin", outsider=True)
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, SETTINGS).status_code == 404
    assert outsider.post(personas.url("meetings/mail-server/test/")).status_code == 404
    with scopes_disabled():
        assert not MailServer.objects.exists()


def test_a_test_mail_goes_through_the_worker_and_its_result_is_shown(
    personas: Personas, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    admin = admin_with_mail(personas)
    admin.post(personas.url("meetings/mail-server/"), SETTINGS)
    with django_capture_on_commit_callbacks(execute=True):
        response = admin.post(personas.url("meetings/mail-server/test/"))
    assert response.status_code == 302
    assert mail.outbox == []  # not inside the request
    page = admin.get(personas.url("meetings/mail-server/")).content.decode()
    assert "テストメールは送信待ちです" in page
    run_queued_jobs()
    [message] = mail.outbox
    assert message.to == ["admin@city.example.jp"]
    assert message.from_email == "hikikomori@city.example.jp"
    page = admin.get(personas.url("meetings/mail-server/")).content.decode()
    assert "テストメールを" in page and "送信しました" in page


@override_settings(EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend")
def test_a_test_mail_to_a_server_that_is_down_says_so(
    personas: Personas, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    admin = admin_with_mail(personas)
    admin.post(personas.url("meetings/mail-server/"), {**SETTINGS, "host": "127.0.0.1"})
    with scopes_disabled():
        MailServer.objects.update(port=1)  # nothing listens there
    with django_capture_on_commit_callbacks(execute=True):
        admin.post(personas.url("meetings/mail-server/test/"))
    run_queued_jobs()
    page = admin.get(personas.url("meetings/mail-server/")).content.decode()
    assert "テストメールを送信できませんでした" in page


def test_notices_are_mailed_by_the_server_saved_on_the_screen(
    personas: Personas, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    admin = admin_with_mail(personas)
    admin.post(personas.url("meetings/mail-server/"), SETTINGS)
    counselor = personas.members["counselor"]
    counselor.user.email = "counselor@city.example.jp"
    counselor.user.save()
    today = timezone.localdate()
    with scope(municipality=personas.municipality):
        meeting = services.meeting_create(
            actor=personas.members["lead"], kind="huddle", title="打ち合わせ", held_on=today
        )
        with django_capture_on_commit_callbacks(execute=True):
            services.action_item_add(
                actor=personas.members["lead"],
                meeting=meeting,
                what="名簿を直す",
                owner=counselor,
                due_on=today,
            )
            daily_sweep(today=today)
    with scopes_disabled():
        [notice] = Notification.objects.filter(recipient=counselor)
    assert notice.mail_state == MailState.PENDING
    page = admin.get(personas.url("meetings/mail-server/")).content.decode()
    assert "1 件の通知がメール送信待ちです" in page
    run_queued_jobs()
    [message] = mail.outbox
    assert message.from_email == "hikikomori@city.example.jp"
    assert message.to == ["counselor@city.example.jp"]
