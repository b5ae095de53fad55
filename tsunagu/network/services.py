"""Writes of 支援会議: create, list cases, invite members, acknowledge secrecy."""

from datetime import date

from django.db import transaction
from django.utils import timezone

from tsunagu.cases.models import Case
from tsunagu.network.models import SupportMeeting, SupportMeetingMember
from tsunagu.tenancy.models import Membership


@transaction.atomic
def support_meeting_create(
    *,
    actor: Membership,
    title: str,
    legal_basis: str,
    held_on: date,
    ends_on: date | None = None,
) -> SupportMeeting:
    meeting = SupportMeeting(
        municipality_id=actor.municipality_id,
        title=title,
        legal_basis=legal_basis,
        held_on=held_on,
        ends_on=ends_on,
        created_by=actor,
    )
    meeting.full_clean(exclude=["municipality"])
    meeting.save()
    return meeting


@transaction.atomic
def support_meeting_set_cases(
    *, actor: Membership, meeting: SupportMeeting, cases: list[Case]
) -> SupportMeeting:
    if any(c.municipality_id != meeting.municipality_id for c in cases):
        raise ValueError("case of another municipality")
    meeting.cases.set(cases)
    return meeting


@transaction.atomic
def support_meeting_invite(
    *, actor: Membership, meeting: SupportMeeting, members: list[Membership]
) -> None:
    if any(m.municipality_id != meeting.municipality_id for m in members):
        raise ValueError("member of another municipality")
    for member in members:
        SupportMeetingMember.objects.get_or_create(
            meeting=meeting,
            membership=member,
            defaults={"municipality_id": meeting.municipality_id},
        )


@transaction.atomic
def support_meeting_update(
    *,
    actor: Membership,
    meeting: SupportMeeting,
    cases: list[Case],
    members: list[Membership],
) -> SupportMeeting:
    """Set the cases shared at a meeting and its members (removed members lose their seat)."""
    support_meeting_set_cases(actor=actor, meeting=meeting, cases=cases)
    SupportMeetingMember.objects.filter(meeting=meeting).exclude(membership__in=members).delete()
    support_meeting_invite(actor=actor, meeting=meeting, members=members)
    return meeting


@transaction.atomic
def support_meeting_acknowledge(*, actor: Membership, meeting: SupportMeeting) -> None:
    """The member (the actor) acknowledges the duty of secrecy; sharing starts now."""
    SupportMeetingMember.objects.filter(
        meeting=meeting, membership=actor, acknowledged_at__isnull=True
    ).update(acknowledged_at=timezone.now())
