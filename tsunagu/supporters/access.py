"""The only doors to one supporter or dispatch: 403 for a role that may not, 404 outside sight."""

from tsunagu.policy import can, one
from tsunagu.supporters.models import Dispatch, Supporter
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import MANAGE_SUPPORTERS, OWN_DISPATCHES, REQUEST_DISPATCH


def supporter_for_manager(*, membership: Membership, pk: int) -> Supporter:
    return one(membership, Supporter, pk, permission=MANAGE_SUPPORTERS)


def dispatch_for_activity(*, membership: Membership, pk: int) -> Dispatch:
    """A supporter logs on their own dispatches; staff on those of the cases they see."""
    permission = OWN_DISPATCHES if can(membership, OWN_DISPATCHES) else REQUEST_DISPATCH
    queryset = Dispatch.objects.select_related("request", "supporter")
    return one(membership, Dispatch, pk, permission=permission, queryset=queryset)
