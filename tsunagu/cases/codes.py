"""Code lists of casework: stages (CONTRACT.md), referral sources, closure reasons, risks."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Stage(models.TextChoices):
    ENCOUNTER = "encounter", _("Encounter and assessment")
    INDIVIDUAL = "individual", _("Individual support")
    GROUP = "group", _("Intermediate group")
    TRIAL = "trial", _("Trial social participation")
    PARTICIPATION = "participation", _("Social participation")
    CLOSED = "closed", _("Closed")


# The support stages a case moves through, in order (宇部市's 支援の段階).
OPEN_STAGES = [s for s in Stage if s != Stage.CLOSED]


class ReferralSource(models.TextChoices):
    SELF = "self", _("The person")
    FAMILY = "family", _("Family")
    WELFARE_VOLUNTEER = "welfare_volunteer", _("Welfare volunteer (民生委員)")
    HEALTH_CENTER = "health_center", _("Public health center")
    SCHOOL = "school", _("School")
    MEDICAL = "medical", _("Medical institution")
    COMMUNITY_CARE = "community_care", _("Community comprehensive support center")
    POLICE = "police", _("Police")
    LIVELIHOOD = "livelihood", _("Livelihood support desk")
    OTHER_AGENCY = "other_agency", _("Other agency")
    OTHER = "other", _("Other")


class ClosureReason(models.TextChoices):
    EMPLOYMENT = "employment", _("Employment")
    SCHOOLING = "schooling", _("School")
    TRANSFERRED = "transferred", _("Moved to another agency")
    WISH = "wish", _("Wish of the person or family")
    MOVED_AWAY = "moved_away", _("Moved away")
    LOST_CONTACT = "lost_contact", _("Lost contact")
    DEATH = "death", _("Death")
    OTHER = "other", _("Other")


class RiskKind(models.TextChoices):
    SUICIDAL_IDEATION = "suicidal_ideation", _("Suicidal ideation")
    VIOLENCE = "violence", _("Violence")
    SELF_NEGLECT = "self_neglect", _("Self-neglect")
    FAMILY_CRISIS = "family_crisis", _("Family crisis")
