"""Code lists of programmes (CONTRACT.md "Places, sessions and programmes")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgrammeKind(models.TextChoices):
    FAMILY_EDUCATION = "family_education", _("Family psychoeducation (家族心理教育)")
    FAMILY_GROUP = "family_group", _("Family group (家族会)")
    SUPPORTER_COURSE = "supporter_course", _("Supporter course (サポーター養成講座)")
    LECTURE = "lecture", _("Lecture (講演会)")
    TRAINING = "training", _("Training (研修会)")
    OTHER = "other", _("Other")


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    WITHDRAWN = "withdrawn", _("Withdrawn")
