"""Notifications: a bell in the app, and e-mail where the municipality configured a server.

A notice names what happened (its kind) and links to it; it carries no personal data, so a
mail body says no more than "a referral was received: open Tsunagu" with the link, and the
recipient sees the rest only if the visibility rules let them. Mail is sent by the background
worker (`tsunagu.network.tasks.send_notification_mail`), never inside a request; a mail server
that is down leaves the notice pending and the job retries later.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone
from django_tasks.base import Task

from tsunagu.network.models import (
    ActionItem,
    MailServer,
    MailState,
    Meeting,
    MeetingAttendance,
    MeetingBody,
    Notification,
    NotificationKind,
    Referral,
)
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import RECEIVE_REFERRALS, has_permission

# Retries of a mail that could not be sent: after 1, 5, 15, 60 minutes, then hourly.
RETRY_MINUTES = [1, 5, 15, 60]


def notify(
    *, recipient: Membership, kind: str, link: str, key: str, reference: str = ""
) -> Notification | None:
    """Tell `recipient` once about (kind, key); e-mail is queued for after the commit.
    `reference` is a number staff know the matter by (a receipt number), never personal."""
    if not recipient.is_active:
        return None
    mail = MailServer.objects.filter(municipality_id=recipient.municipality_id).exists() and bool(
        recipient.user.email
    )
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                municipality_id=recipient.municipality_id,
                recipient=recipient,
                kind=kind,
                link=link,
                key=key,
                reference=reference,
                mail_state=MailState.PENDING if mail else MailState.NONE,
            )
    except IntegrityError:  # already told
        return None
    if mail:
        transaction.on_commit(lambda: enqueue_mail(notification.pk))
    return notification


def enqueue_mail(notification_id: int, *, attempt: int = 0) -> None:
    from tsunagu.network.tasks import send_notification_mail

    enqueue_with_retry(send_notification_mail, attempt, notification_id=notification_id)


def enqueue_with_retry(task: Task[..., Any], attempt: int, **kwargs: int) -> None:
    """Enqueue a mail job now (attempt 0) or, after a failed attempt, at the next retry time."""
    if attempt == 0:
        task.enqueue(**kwargs)
        return
    minutes = RETRY_MINUTES[min(attempt, len(RETRY_MINUTES)) - 1]
    later = timezone.now() + timedelta(minutes=minutes)
    task.using(run_after=later).enqueue(**kwargs)


def _referral_link(referral: Referral) -> str:
    code = referral.municipality.code
    return reverse("staff:referral_detail", kwargs={"code": code, "pk": referral.pk})


def referral_received(referral: Referral) -> None:
    """The receiving organization's members who take referrals in Tsunagu."""
    if referral.organization_id is None:
        return
    members = Membership.objects.filter(
        municipality_id=referral.municipality_id,
        organization_id=referral.organization_id,
        is_active=True,
    ).select_related("user")
    for member in members:
        if has_permission(member, RECEIVE_REFERRALS):
            notify(
                recipient=member,
                kind=NotificationKind.REFERRAL_RECEIVED,
                link=_referral_link(referral),
                key=f"referral:{referral.pk}",
            )


def referral_answered(referral: Referral, *, event_id: int, by: Membership) -> None:
    """The counselor who made the referral, when someone else answered it."""
    maker = referral.created_by
    if maker is None or maker.pk == by.pk:
        return
    notify(
        recipient=maker,
        kind=NotificationKind.REFERRAL_ANSWERED,
        link=_referral_link(referral),
        key=f"referral_event:{event_id}",
    )


def risk_flagged(*, case_id: int, municipality_code: str, flag_id: int, by_id: int | None) -> None:
    """The staff assigned to the case (except whoever raised the flag)."""
    from tsunagu.cases.models import CaseAssignment

    link = reverse("staff:case_detail", kwargs={"code": municipality_code, "pk": case_id})
    assigned = CaseAssignment.objects.filter(case_id=case_id).select_related("membership__user")
    for assignment in assigned:
        if assignment.membership_id != by_id:
            notify(
                recipient=assignment.membership,
                kind=NotificationKind.RISK_FLAG,
                link=link,
                key=f"risk:{flag_id}",
            )


def on_risk_raised(sender: object, *, case: Any, flag: Any, actor: Any, **kwargs: Any) -> None:
    """Casework's `risk_raised` signal: tell the staff assigned to the case."""
    risk_flagged(
        case_id=case.pk,
        municipality_code=case.municipality.code,
        flag_id=flag.pk,
        by_id=actor.pk if actor else None,
    )


def daily_sweep(*, today: date | None = None) -> int:
    """Action items due today and meetings held tomorrow (run by the worker once a day or
    more often: a notice is given once). Returns how many notices were made."""
    today = today or timezone.localdate()
    made = 0
    items = ActionItem.objects.filter(due_on__lte=today, done_at__isnull=True).select_related(
        "owner__user", "meeting__municipality"
    )
    for item in items:
        link = reverse(
            "staff:network_meeting_detail",
            kwargs={"code": item.meeting.municipality.code, "pk": item.meeting_id},
        )
        made += bool(
            notify(
                recipient=item.owner,
                kind=NotificationKind.ACTION_DUE,
                link=link,
                key=f"action:{item.pk}",
            )
        )
    tomorrow = today + timedelta(days=1)
    meetings = Meeting.objects.filter(held_on=tomorrow, cancelled=False)
    for meeting in meetings.select_related("municipality"):
        link = reverse(
            "staff:network_meeting_detail",
            kwargs={"code": meeting.municipality.code, "pk": meeting.pk},
        )
        # The member bodies of the meeting's body, and any organization marked present.
        organizations = set(
            MeetingAttendance.objects.filter(meeting=meeting).values_list("organization", flat=True)
        )
        if meeting.body_id is not None:
            organizations |= set(
                MeetingBody.organizations.through.objects.filter(
                    meetingbody_id=meeting.body_id
                ).values_list("organization_id", flat=True)
            )
        members = Membership.objects.filter(
            municipality_id=meeting.municipality_id,
            organization__in=organizations,
            is_active=True,
        ).select_related("user")
        for member in members:
            made += bool(
                notify(
                    recipient=member,
                    kind=NotificationKind.MEETING_TOMORROW,
                    link=link,
                    key=f"meeting:{meeting.pk}",
                )
            )
    return made


# --- what a member sees -------------------------------------------------------------------


def mail_pending_count(municipality_id: int) -> int:
    """Notices of the municipality whose mail is not sent yet (the mail server screen)."""
    return Notification.objects.filter(
        municipality_id=municipality_id, mail_state=MailState.PENDING
    ).count()


def notifications_of(member: Membership) -> QuerySet[Notification]:
    return Notification.objects.filter(recipient=member)


def unread_count(member: Membership) -> int:
    """The bell's figure, on every staff page: one plain statement on the (recipient, read_at)
    index, since the ORM's compiling of the same query cost more than the page's rows."""
    table = connection.ops.quote_name(Notification._meta.db_table)
    municipality = connection.ops.quote_name("municipality_id")
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {table} WHERE {table}.{municipality} = %s"  # noqa: S608
            " AND recipient_id = %s AND read_at IS NULL",
            [member.municipality_id, member.pk],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else 0


def mark_read(member: Membership, pk: int | None = None) -> int:
    """Mark one of the member's notices (or all of them) read; another's is never touched."""
    rows = notifications_of(member).filter(read_at__isnull=True)
    if pk is not None:
        rows = rows.filter(pk=pk)
    return rows.update(read_at=timezone.now())
