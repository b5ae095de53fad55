"""Reads of 支援会議."""

from datetime import date

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from tsunagu.network.models import SupportMeeting, SupportMeetingMember
from tsunagu.tenancy.models import Membership


def meetings_in_force(*, today: date | None = None) -> Q:
    """Meetings held and not ended, as a filter on SupportMeetingMember."""
    today = today or timezone.localdate()
    return Q(meeting__held_on__lte=today) & (
        Q(meeting__ends_on__isnull=True) | Q(meeting__ends_on__gte=today)
    )


def acknowledged_memberships(member: Membership) -> QuerySet[SupportMeetingMember]:
    """The member's acknowledged seats in meetings in force: the basis for seeing listed cases."""
    return SupportMeetingMember.objects.filter(
        municipality=member.municipality, membership=member, acknowledged_at__isnull=False
    ).filter(meetings_in_force())


def meeting_list_for(member: Membership, *, manage: bool) -> QuerySet[SupportMeeting]:
    meetings = SupportMeeting.objects.filter(municipality=member.municipality)
    if not manage:
        meetings = meetings.filter(members__membership=member)
    return meetings.annotate(case_count=Count("cases", distinct=True)).order_by("-held_on", "-pk")
