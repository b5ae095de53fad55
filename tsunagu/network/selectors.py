"""Reads of the network: 支援会議, the partner directory, referrals, and meetings."""

from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils import timezone

from tsunagu.cases.models import Case
from tsunagu.network.codes import Destination, ReferralStatus
from tsunagu.network.models import (
    ActionItem,
    MailServer,
    Meeting,
    MeetingSeries,
    PartnerProfile,
    Referral,
    SupportMeeting,
    SupportMeetingMember,
)
from tsunagu.policy import can, one, require, shown, visible, visible_through
from tsunagu.tenancy.models import Membership, Municipality, Organization
from tsunagu.tenancy.policy import (
    ATTEND_MEETINGS,
    MANAGE_MEETINGS,
    MANAGE_MUNICIPALITY,
    VIEW_ALL_MEETINGS,
    VIEW_PARTNERS,
    VIEW_PERSONS,
)


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


# --- partner directory -------------------------------------------------------------------


def partner_directory(member: Membership) -> QuerySet[PartnerProfile]:
    """The municipality's partner organizations with who of them uses Tsunagu (not personal)."""
    require(member, VIEW_PARTNERS)
    return (
        PartnerProfile.objects.filter(municipality_id=member.municipality_id)
        .select_related("organization")
        .prefetch_related(
            Prefetch(
                "organization__memberships",
                queryset=Membership.objects.filter(is_active=True).select_related("user"),
                to_attr="active_members",
            )
        )
    )


def organizations_without_profile(member: Membership) -> QuerySet[Organization]:
    return Organization.objects.filter(
        municipality_id=member.municipality_id, partner_profile__isnull=True
    )


# --- referrals ---------------------------------------------------------------------------

# A referral with no answer after this many days comes back on the home page.
REMINDER_DAYS: int = getattr(settings, "TSUNAGU_REFERRAL_REMINDER_DAYS", 14)


def referral_list(
    member: Membership, *, status: str = "", case: int | None = None
) -> QuerySet[Referral]:
    """Referrals the member may see (the policy's bases), newest first."""
    require(member, VIEW_PERSONS)
    rows = visible(member, Referral).select_related("organization", "case")
    if status:
        rows = rows.filter(status=status)
    if case is not None:
        rows = rows.filter(case_id=case)
    return rows.order_by("-requested_on", "-pk")


def _shown(member: Membership, rows: list[Referral]) -> list[Referral]:
    # Nothing shown, nothing written: the page's own entry stays the only one.
    if rows:
        shown(member, Referral, rows)
    return rows


def case_referrals(member: Membership, case: Case) -> list[Referral]:
    """The referrals of one case the member may see, shown (and logged) on the case page."""
    if not can(member, VIEW_PERSONS):
        return []
    return _shown(member, list(referral_list(member, case=case.pk)))


def referral_for(member: Membership, pk: int) -> Referral:
    """The one door to a referral: 403 for a role that sees none, 404 outside sight; logged."""
    return one(
        member,
        Referral,
        pk,
        permission=VIEW_PERSONS,
        queryset=Referral.objects.select_related("organization", "case", "consent", "meeting"),
    )


def referrals_awaiting_answer(
    member: Membership, *, days: int | None = None, today: date | None = None
) -> QuerySet[Referral]:
    """Requested referrals the member sees that had no answer for `days` days or more."""
    if not can(member, VIEW_PERSONS):
        return Referral.objects.none()
    today = today or timezone.localdate()
    cutoff = today - timedelta(days=REMINDER_DAYS if days is None else days)
    return (
        visible(member, Referral)
        .filter(status=ReferralStatus.REQUESTED, answered_at__isnull=True, requested_on__lte=cutoff)
        .select_related("organization")
        .order_by("requested_on", "pk")
    )


def home_referrals_awaiting_answer(member: Membership) -> list[Referral]:
    """The home page's reminder list (shown, so logged like any list)."""
    return _shown(member, list(referrals_awaiting_answer(member)[:20]))


def referral_counts(*, municipality: Municipality, start: date, end: date) -> dict[str, int]:
    """Referrals made from `start` to `end` inclusive, by destination, every code included."""
    counts = dict.fromkeys(Destination.values, 0)
    rows = (
        Referral.objects.filter(
            municipality=municipality, requested_on__gte=start, requested_on__lte=end
        )
        .order_by()
        .values("destination")
        .annotate(n=Count("pk"))
    )
    for row in rows:
        counts[row["destination"]] = row["n"]
    return counts


# --- meetings ----------------------------------------------------------------------------


def meeting_list(member: Membership) -> QuerySet[Meeting]:
    """Meetings the member may see (policy bases), newest first."""
    return visible(member, Meeting).select_related("body").order_by("-held_on", "-pk")


def meetings_ahead(
    member: Membership, *, series: MeetingSeries | None = None, today: date | None = None
) -> QuerySet[Meeting]:
    """The meetings the member may see from today on (of one series), soonest first."""
    today = today or timezone.localdate()
    rows = visible(member, Meeting).filter(held_on__gte=today)
    if series is not None:
        rows = rows.filter(series=series)
    return rows.select_related("body").order_by("held_on", "start", "pk")


def meetings_held(member: Membership, *, today: date | None = None) -> QuerySet[Meeting]:
    """The meetings the member may see before today, newest first."""
    today = today or timezone.localdate()
    return meeting_list(member).filter(held_on__lt=today)


def series_list(member: Membership) -> QuerySet[MeetingSeries]:
    """The municipality's meeting series (for those who run meetings)."""
    require(member, MANAGE_MEETINGS)
    return MeetingSeries.objects.filter(municipality_id=member.municipality_id).select_related(
        "body"
    )


def series_for(member: Membership, pk: int) -> MeetingSeries:
    try:
        return series_list(member).get(pk=pk)
    except MeetingSeries.DoesNotExist as exc:
        raise Http404 from exc


def mail_server_of(member: Membership) -> MailServer | None:
    """The municipality's mail server (its administrator's settings screen)."""
    require(member, MANAGE_MUNICIPALITY)
    return MailServer.objects.filter(municipality_id=member.municipality_id).first()


def meeting_for(member: Membership, pk: int) -> Meeting:
    """The one door to a meeting: 404 outside sight (403 for a role with no meetings)."""
    if not (can(member, VIEW_ALL_MEETINGS) or can(member, ATTEND_MEETINGS)):
        raise PermissionDenied(ATTEND_MEETINGS)
    return one(
        member,
        Meeting,
        pk,
        permission=VIEW_ALL_MEETINGS if can(member, VIEW_ALL_MEETINGS) else ATTEND_MEETINGS,
        queryset=Meeting.objects.select_related("body"),
    )


def carried_action_items(meeting: Meeting) -> QuerySet[ActionItem]:
    """Open action items of earlier meetings of the same body (or series, or kind, without
    either): they come back on each next agenda until done."""
    earlier = Meeting.objects.filter(
        municipality_id=meeting.municipality_id, held_on__lt=meeting.held_on
    )
    if meeting.body_id:
        earlier = earlier.filter(body=meeting.body)
    elif meeting.series_id:
        earlier = earlier.filter(series=meeting.series_id)
    else:
        earlier = earlier.filter(kind=meeting.kind, body__isnull=True, series__isnull=True)
    return ActionItem.objects.filter(meeting__in=earlier, done_at__isnull=True).select_related(
        "owner__user", "meeting"
    )


def my_action_items(member: Membership) -> list[ActionItem]:
    """The member's open action items, soonest due first (the home page)."""
    return list(
        ActionItem.objects.filter(
            municipality_id=member.municipality_id, owner=member, done_at__isnull=True
        )
        .select_related("meeting")
        .order_by("due_on", "pk")[:20]
    )


def action_item_for(member: Membership, pk: int) -> ActionItem:
    """An action item the member owns, or any of a meeting they may see when they run
    meetings; 404 otherwise."""
    items = ActionItem.objects.filter(municipality_id=member.municipality_id)
    if can(member, MANAGE_MEETINGS):
        items = items.filter(visible_through(member, Meeting, "meeting"))
    else:
        items = items.filter(owner=member)
    try:
        return items.get(pk=pk)
    except ActionItem.DoesNotExist as exc:
        raise Http404 from exc
