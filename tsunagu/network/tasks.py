"""Background jobs of the network: e-mail of notifications (never sent inside a request)."""

from collections.abc import Callable
from typing import Protocol

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_scopes import scopes_disabled
from django_tasks import task

from tsunagu.network.models import MailServer, MailState, Notification, NotificationKind


class PendingMail(Protocol):
    """A row whose mail is sent by the worker: a notice, or a sign-up moved up."""

    pk: int
    municipality_id: int
    mail_state: str
    mail_attempts: int
    mail_error: str

    def save(self, *, update_fields: list[str]) -> None: ...


def mail_server_for(row: PendingMail) -> MailServer | None:
    """The municipality's mail server; without one the row's mail is given up (state none)."""
    server = MailServer.objects.filter(municipality_id=row.municipality_id).first()
    if server is None:
        row.mail_state = MailState.NONE
        row.save(update_fields=["mail_state"])
    return server


def deliver_pending(
    server: MailServer,
    row: PendingMail,
    *,
    to: str,
    subject: str,
    body: str,
    retry: Callable[[int, int], None],
) -> None:
    """Send the row's mail: marked sent, or kept pending with the failure's class name and
    tried again later by `retry(pk, attempt)` (the row itself is never lost)."""
    try:
        deliver(server, to=to, subject=subject, body=body)
    except Exception as exc:  # any failure of the server: try again later
        row.mail_attempts += 1
        row.mail_error = type(exc).__name__[:100]
        row.save(update_fields=["mail_attempts", "mail_error"])
        retry(row.pk, row.mail_attempts)
        return
    row.mail_state = MailState.SENT
    row.mail_error = ""
    row.save(update_fields=["mail_state", "mail_error"])


def deliver(server: MailServer, *, to: str, subject: str, body: str) -> None:
    """Send one message by the municipality's mail server (the configured backend class in
    tests); raises when the server fails."""
    message = EmailMessage(subject=subject, body=body, from_email=server.from_address, to=[to])
    message.connection = get_connection(
        "django.core.mail.backends.smtp.EmailBackend"
        if "smtp" in settings.EMAIL_BACKEND
        else settings.EMAIL_BACKEND,
        host=server.host,
        port=server.port,
        username=server.username or None,
        password=server.password or None,
        use_tls=server.use_tls,
        timeout=20,
        fail_silently=False,
    )
    message.send()


@task()
def send_test_mail(*, server_id: int, to: str) -> None:
    """The settings screen's test: send one mail and note when and whether it went."""
    with scopes_disabled():
        server = MailServer.objects.filter(pk=server_id).first()
        if server is None:
            return
        with translation.override(settings.LANGUAGE_CODE):
            subject = _("[Tsunagu] Test mail")
            body = _("The mail server settings of Tsunagu work.")
        try:
            deliver(server, to=to, subject=subject, body=body)
        except Exception as exc:  # shown on the settings screen: the exception class only
            server.test_state, server.test_error = MailState.NONE, type(exc).__name__[:100]
        else:
            server.test_state, server.test_error = MailState.SENT, ""
        server.tested_at = timezone.now()
        server.save(update_fields=["test_state", "tested_at", "test_error"])


@task()
def send_notification_mail(*, notification_id: int) -> None:
    """Send one notice by the municipality's mail server; on failure keep it pending and try
    again later (the notice stays in the app either way)."""
    from tsunagu.network.notifications import enqueue_mail

    with scopes_disabled():
        notification = (
            Notification.objects.filter(pk=notification_id, mail_state=MailState.PENDING)
            .select_related("recipient__user")
            .first()
        )
        if notification is None:  # sent already, or deleted
            return
        server = mail_server_for(notification)
        if server is None:
            return
        with translation.override(settings.LANGUAGE_CODE):
            what = str(NotificationKind(notification.kind).label)
            if notification.reference:
                what = f"{what}: {notification.reference}"
            base = getattr(settings, "TSUNAGU_BASE_URL", "").rstrip("/")
            body = "\n\n".join(
                [
                    what,
                    _("Open Tsunagu to see it:") + f"\n{base}{notification.link}",
                    _("This message holds no personal data; log in to see the details."),
                ]
            )
        deliver_pending(
            server,
            notification,
            to=notification.recipient.user.email,
            subject=f"[Tsunagu] {what}",
            body=body,
            retry=lambda pk, attempt: enqueue_mail(pk, attempt=attempt),
        )


@task()
def notification_sweep() -> int:
    """The meeting series' rolling window, then action items due and meetings tomorrow
    (enqueue daily, e.g. from cron or the worker)."""
    from tsunagu.network.notifications import daily_sweep
    from tsunagu.network.services import series_roll

    with scopes_disabled():
        series_roll()
        return daily_sweep()
