"""Code lists of the tenancy: organization kinds and roles (CONTRACT.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    CITY_DEPARTMENT = "city_department", _("City department")
    WELFARE_COUNCIL = "welfare_council", _("Social welfare council")
    NPO = "npo", _("NPO")
    HEALTH_CENTER = "health_center", _("Public health center")
    MEDICAL = "medical", _("Medical institution")
    HELLO_WORK = "hello_work", _("Hello Work")
    SUPPORT_STATION = "support_station", _("Youth support station")
    SCHOOL = "school", _("School")
    POLICE = "police", _("Police")
    COMMUNITY_CARE = "community_care", _("Community comprehensive support center")
    LIVELIHOOD = "livelihood", _("Independence support for the needy")
    DISABILITY = "disability", _("Disability consultation support")
    PREFECTURE_CENTER = "prefecture_center", _("Prefectural hikikomori support center")
    OTHER = "other", _("Other")


class Role(models.TextChoices):
    ADMIN = "admin", _("Municipal admin")
    LEAD = "lead", _("Center lead")
    COUNSELOR = "counselor", _("Counselor")
    PROFESSIONAL = "professional", _("Visiting professional")
    PLACE_STAFF = "place_staff", _("Place staff")
    SUPPORTER = "supporter", _("Supporter")
    PARTNER = "partner", _("Partner agency staff")
    COMMITTEE = "committee", _("Committee member")
