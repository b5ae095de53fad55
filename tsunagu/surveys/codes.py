"""The survey questionnaire's categories."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SurveyAgeBand(models.TextChoices):
    UNDER_20 = "under_20", _("Under 20")
    AGE_20_39 = "20_39", _("20–39")
    AGE_40_64 = "40_64", _("40–64")
    AGE_65_PLUS = "65_plus", _("65 and over")
    UNKNOWN = "unknown", _("Unknown age")


class SurveyGender(models.TextChoices):
    MALE = "male", _("Men")
    FEMALE = "female", _("Women")
    UNKNOWN = "unknown", _("Gender unknown")


class Duration(models.TextChoices):
    UNDER_1 = "under_1", _("Under 1 year")
    Y1_3 = "1_3", _("1–3 years")
    Y3_5 = "3_5", _("3–5 years")
    Y5_10 = "5_10", _("5–10 years")
    Y10_PLUS = "10_plus", _("10 years or more")
    UNKNOWN = "unknown", _("Unknown")
