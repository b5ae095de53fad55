"""Code lists of the public side: who writes a web inquiry and how they want an answer."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.cases.codes import ReferralSource
from tsunagu.consultations.codes import Consulter


class Writer(models.TextChoices):
    SELF = "self", _("I am the person concerned (本人)")
    FAMILY = "family", _("I am family (家族)")
    OTHER = "other", _("Other (その他)")


# Who wrote, as the consultation records it.
CONSULTER_OF_WRITER = {
    Writer.SELF: Consulter.SELF,
    Writer.FAMILY: Consulter.FAMILY,
    Writer.OTHER: Consulter.OTHER,
}


# Where a case opened from an inquiry came from.
REFERRAL_OF_WRITER = {
    Writer.SELF: ReferralSource.SELF,
    Writer.FAMILY: ReferralSource.FAMILY,
    Writer.OTHER: ReferralSource.OTHER,
}


class ReplyBy(models.TextChoices):
    NONE = "none", _("No reply needed")
    EMAIL = "email", _("E-mail")
    PHONE = "phone", _("Phone")
