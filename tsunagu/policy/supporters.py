"""The bases of supporters and dispatch.

- role: staff who may see the registry (`VIEW_SUPPORTERS`) see every supporter; a lead
  (`VIEW_ALL_CASES`) every request and dispatch;
- case: other staff see the requests and dispatches of the cases they see;
- self / dispatch:<id>: a supporter (`OWN_DISPATCHES`) sees their own record and their own
  dispatches, and nothing else; the briefing of a dispatch is what the lead released to them.
"""

from django.db.models import Q

from tsunagu.cases.models import Case
from tsunagu.policy.casework import sees_every_case
from tsunagu.policy.registry import EVERY_ROW, Grant, register, visible
from tsunagu.supporters.models import Dispatch, DispatchRequest, Supporter
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import OWN_DISPATCHES, REQUEST_DISPATCH, VIEW_SUPPORTERS, has_permission


@register(Supporter, "role")
def _supporter_role(member: Membership) -> Grant:
    return EVERY_ROW if has_permission(member, VIEW_SUPPORTERS) else None


@register(Supporter, "self")
def _supporter_self(member: Membership) -> Grant:
    return Q(membership=member) if has_permission(member, OWN_DISPATCHES) else None


@register(DispatchRequest, "role")
def _request_role(member: Membership) -> Grant:
    staff = has_permission(member, REQUEST_DISPATCH)
    return EVERY_ROW if staff and sees_every_case(member) else None


@register(DispatchRequest, "case")
def _request_case(member: Membership) -> Grant:
    if not has_permission(member, REQUEST_DISPATCH):
        return None
    return Q(case__in=visible(member, Case).values("pk"))


@register(Dispatch, "role")
def _dispatch_role(member: Membership) -> Grant:
    staff = has_permission(member, REQUEST_DISPATCH)
    return EVERY_ROW if staff and sees_every_case(member) else None


@register(Dispatch, "case")
def _dispatch_case(member: Membership) -> Grant:
    if not has_permission(member, REQUEST_DISPATCH):
        return None
    return Q(request__case__in=visible(member, Case).values("pk"))


def _own_dispatch_labels(member: Membership, ids: list[int]) -> dict[int, str]:
    own = Dispatch.objects.filter(pk__in=ids, supporter__membership=member)
    return {pk: f"dispatch:{pk}" for pk in own.values_list("pk", flat=True)}


@register(Dispatch, "dispatch", label=_own_dispatch_labels)
def _dispatch_own(member: Membership) -> Grant:
    return Q(supporter__membership=member) if has_permission(member, OWN_DISPATCHES) else None
