"""Code lists of programmes (CONTRACT.md "Places, sessions and programmes")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProgrammeKind(models.TextChoices):
    FAMILY_EDUCATION = "family_education", _("Family psychoeducation (家族心理教育)")
    FAMILY_GROUP = "family_group", _("Family group (家族会)")
    SUPPORTER_COURSE = "supporter_course", _("Supporter course (サポーター養成講座)")
    # Held for registered supporters: their attendance is kept in tsunagu/supporters.
    SUPPORTER_MEETING = "supporter_meeting", _("Supporter meeting (定例ミーティング)")
    SUPPORTER_TRAINING = (
        "supporter_training",
        _("Follow-up training for supporters (フォローアップ研修)"),
    )
    LECTURE = "lecture", _("Lecture (講演会)")
    TRAINING = "training", _("Training (研修会)")
    OTHER = "other", _("Other")


class EnrolmentStatus(models.TextChoices):
    ENROLLED = "enrolled", _("Enrolled")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    # On the waiting list (キャンセル待ち): no participant until a place is free.
    WAITING = "waiting", _("Waiting list")


# The kinds held for registered supporters (shown in their own view as upcoming).
FOR_SUPPORTERS = (ProgrammeKind.SUPPORTER_MEETING, ProgrammeKind.SUPPORTER_TRAINING)
