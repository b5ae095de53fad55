"""The only door to one 支援会議: 404 outside the municipality or for a non-member."""

from django.shortcuts import get_object_or_404

from tsunagu.network.models import SupportMeeting
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_ALL_CASES, VIEW_PERSONS, has_permission, require_permission


def meeting_for(*, membership: Membership, pk: int) -> SupportMeeting:
    """A meeting the member manages (lead) or was invited to; 403 when the role cannot."""
    require_permission(membership, VIEW_PERSONS)
    meetings = SupportMeeting.objects.filter(municipality=membership.municipality)
    if not has_permission(membership, VIEW_ALL_CASES):
        meetings = meetings.filter(members__membership=membership)
    return get_object_or_404(meetings.distinct(), pk=pk)
