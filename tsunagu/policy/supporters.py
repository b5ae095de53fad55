"""The bases of supporters and dispatch.

- role: staff who may see the registry (`VIEW_SUPPORTERS`) see every supporter; a lead
  (`VIEW_ALL_CASES`) every request and dispatch;
- case: other staff see the requests and dispatches of the cases they see;
- self / dispatch:<id>: a supporter (`OWN_DISPATCHES`) sees their own record and their own
  dispatches, and nothing else; the briefing of a dispatch is what the lead released to them;
- activity logs are seen as their dispatch is (role, case, and a supporter's own);
- supporter: a supporter also sees the supporter meetings and follow-up trainings (programmes
  of a kind `FOR_SUPPORTERS`) and their sessions, and their own attendance at them.
"""

from django.db.models import Q

from tsunagu.cases.models import Case
from tsunagu.places.models import Session
from tsunagu.policy.casework import sees_every_case
from tsunagu.policy.registry import EVERY_ROW, Grant, register, subject, visible_through
from tsunagu.programmes.codes import FOR_SUPPORTERS
from tsunagu.programmes.models import Programme
from tsunagu.supporters.models import (
    ActivityLog,
    Dispatch,
    DispatchRequest,
    MeetingAttendance,
    Supporter,
)
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
    return visible_through(member, Case, "case")


@register(Dispatch, "role")
def _dispatch_role(member: Membership) -> Grant:
    staff = has_permission(member, REQUEST_DISPATCH)
    return EVERY_ROW if staff and sees_every_case(member) else None


@register(Dispatch, "case")
def _dispatch_case(member: Membership) -> Grant:
    if not has_permission(member, REQUEST_DISPATCH):
        return None
    return visible_through(member, Case, "request__case")


def _own_dispatch_labels(member: Membership, ids: list[int]) -> dict[int, str]:
    own = Dispatch.objects.filter(pk__in=ids, supporter__membership=member)
    return {pk: f"dispatch:{pk}" for pk in own.values_list("pk", flat=True)}


@register(Dispatch, "dispatch", label=_own_dispatch_labels)
def _dispatch_own(member: Membership) -> Grant:
    return Q(supporter__membership=member) if has_permission(member, OWN_DISPATCHES) else None


# --- activity logs: as their dispatch (a lead all, staff their cases', a supporter their own)

subject(ActivityLog, "activity_log")


@register(ActivityLog, "role")
def _activity_role(member: Membership) -> Grant:
    staff = has_permission(member, REQUEST_DISPATCH)
    return EVERY_ROW if staff and sees_every_case(member) else None


@register(ActivityLog, "case")
def _activity_case(member: Membership) -> Grant:
    if not has_permission(member, REQUEST_DISPATCH):
        return None
    return visible_through(member, Case, "dispatch__request__case")


@register(ActivityLog, "dispatch")
def _activity_own(member: Membership) -> Grant:
    if not has_permission(member, OWN_DISPATCHES):
        return None
    return Q(dispatch__supporter__membership=member)


# --- supporter meetings and follow-up trainings (programmes of a kind FOR_SUPPORTERS) ------


@register(Programme, "supporter")
def _programme_for_supporters(member: Membership) -> Grant:
    return Q(kind__in=FOR_SUPPORTERS) if has_permission(member, OWN_DISPATCHES) else None


@register(Session, "supporter")
def _session_for_supporters(member: Membership) -> Grant:
    if not has_permission(member, OWN_DISPATCHES):
        return None
    return Q(programme_meeting__programme__kind__in=FOR_SUPPORTERS)


@register(MeetingAttendance, "role")
def _attendance_role(member: Membership) -> Grant:
    return EVERY_ROW if has_permission(member, VIEW_SUPPORTERS) else None


@register(MeetingAttendance, "self")
def _attendance_self(member: Membership) -> Grant:
    return Q(supporter__membership=member) if has_permission(member, OWN_DISPATCHES) else None
