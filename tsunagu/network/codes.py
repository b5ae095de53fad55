"""Code lists of the network: つなぎ先 (referral destinations) and referral states (CONTRACT.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Destination(models.TextChoices):
    WELFARE_OFFICE = "welfare_office", _("Welfare office")
    SELF_RELIANCE = "self_reliance", _("Independence support agency")
    DISABILITY = "disability", _("Disability support services")
    COMMUNITY_CARE = "community_care", _("Community comprehensive support center")
    COUNCIL = "council", _("Social welfare council")
    CHILD_GUIDANCE = "child_guidance", _("Child guidance center")
    HEALTH_CENTER = "health_center", _("Public health center")
    MENTAL_HEALTH_CENTER = "mental_health_center", _("Mental health and welfare center")
    DEVELOPMENTAL = "developmental", _("Support center for developmental disabilities")
    MEDICAL = "medical", _("Medical institution")
    SCHOOL = "school", _("School or board of education")
    EMPLOYER = "employer", _("Employer")
    HELLO_WORK = "hello_work", _("Hello Work")
    SAPOSUTE = "saposute", _("Regional youth support station")
    YOUTH_CENTER = "youth_center", _("Comprehensive consultation center for children and youth")
    NPO = "npo", _("Private support group")
    OTHER_CENTER = "other_center", _("Another hikikomori support center")
    OTHER = "other", _("Other")


class ReferralStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    IN_SUPPORT = "in_support", _("In support")
    COMPLETED = "completed", _("Completed")
    DECLINED = "declined", _("Declined")


# requested → accepted → in_support → completed, or declined before support starts.
REFERRAL_MOVES: dict[str, frozenset[str]] = {
    ReferralStatus.REQUESTED: frozenset({ReferralStatus.ACCEPTED, ReferralStatus.DECLINED}),
    ReferralStatus.ACCEPTED: frozenset({ReferralStatus.IN_SUPPORT, ReferralStatus.DECLINED}),
    ReferralStatus.IN_SUPPORT: frozenset({ReferralStatus.COMPLETED}),
    ReferralStatus.COMPLETED: frozenset(),
    ReferralStatus.DECLINED: frozenset(),
}


class MeetingKind(models.TextChoices):
    HUDDLE = "huddle", _("Staff huddle")
    OPERATIONS = "operations", _("Operations meeting")
    REGULAR = "regular", _("Regular agency meeting")
    CASE_CONFERENCE = "case_conference", _("Case conference")
    COMMITTEE = "committee", _("Review committee")
    WORKING_GROUP = "working_group", _("Working group")
