"""The basis of needs surveys: counts by district, seen by staff who may see surveys."""

from tsunagu.policy.registry import EVERY_ROW, Grant, register
from tsunagu.surveys.models import Survey
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_SURVEYS, has_permission


@register(Survey, "role")
def _survey_role(member: Membership) -> Grant:
    return EVERY_ROW if has_permission(member, VIEW_SURVEYS) else None
