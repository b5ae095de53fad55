"""Code lists about persons and their families."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Gender(models.TextChoices):
    MALE = "male", _("Male")
    FEMALE = "female", _("Female")
    OTHER = "other", _("Other")
    UNKNOWN = "unknown", _("Unknown")


class AgeBand(models.TextChoices):
    UNDER_15 = "under_15", _("Under 15")
    AGE_15_19 = "15_19", _("15–19")
    AGE_20_29 = "20_29", _("20s")
    AGE_30_39 = "30_39", _("30s")
    AGE_40_49 = "40_49", _("40s")
    AGE_50_59 = "50_59", _("50s")
    AGE_60_64 = "60_64", _("60–64")
    AGE_65_PLUS = "65_plus", _("65 and over")
    UNKNOWN = "unknown", _("Unknown")


class Relation(models.TextChoices):
    MOTHER = "mother", _("Mother")
    FATHER = "father", _("Father")
    SIBLING = "sibling", _("Sibling")
    SPOUSE = "spouse", _("Spouse")
    CHILD = "child", _("Child")
    GRANDPARENT = "grandparent", _("Grandparent")
    OTHER = "other", _("Other")


class Background(models.TextChoices):
    SCHOOL_REFUSAL = "school_refusal", _("School non-attendance")
    DROPOUT = "dropout", _("Dropped out")
    LEFT_JOB = "left_job", _("Left a job")
    RELATIONSHIPS = "relationships", _("Relationships")
    ILLNESS = "illness", _("Illness")
    JOB_SEARCH = "job_search", _("Job search setbacks")
    OTHER = "other", _("Other")


class GuidelineAxis(models.TextChoices):
    """The six axes of the MHLW 2010 hikikomori assessment guideline."""

    MENTAL_DISORDER = "mental_disorder", _("Background mental disorder")
    DEVELOPMENTAL = "developmental", _("Developmental disability")
    PERSONALITY = "personality", _("Personality tendencies")
    WITHDRAWAL_STAGE = "withdrawal_stage", _("Stage of withdrawal")
    ENVIRONMENT = "environment", _("Environment")
    SUPPORT_CLASS = "support_class", _("Classification by support policy")


def age_band_for(age: int) -> str:
    if age < 15:
        return AgeBand.UNDER_15
    if age < 20:
        return AgeBand.AGE_15_19
    if age >= 65:
        return AgeBand.AGE_65_PLUS
    if age >= 60:
        return AgeBand.AGE_60_64
    return f"{age // 10 * 10}_{age // 10 * 10 + 9}"
