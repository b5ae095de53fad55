"""Code lists of consultations (CONTRACT.md): channels and who consults."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("Walk-in")
    HOME_VISIT = "home_visit", _("Home visit")
    EMAIL = "email", _("E-mail")
    LETTER = "letter", _("Letter")
    AGENCY = "agency", _("Agency")
    WEB = "web", _("Web")
    OTHER = "other", _("Other")


class Consulter(models.TextChoices):
    SELF = "self", _("The person")
    FAMILY = "family", _("Family")
    AGENCY = "agency", _("Agency")
    COMMUNITY = "community", _("Welfare volunteer / neighbour")
    OTHER = "other", _("Other")
    ANONYMOUS = "anonymous", _("Anonymous")


class MainConcern(models.TextChoices):
    """主訴: what the consultation was mainly about (one code per consultation)."""

    FAMILY = "family", _("Family relationships")
    WORK = "work", _("Work")
    SCHOOL = "school", _("School and learning again")
    HEALTH = "health", _("Physical and mental health")
    HARDSHIP = "hardship", _("Financial hardship")
    COMMUNITY = "community", _("Neighbourhood and community")
    VIOLENCE = "violence", _("Violence and crisis")
    OTHER = "other", _("Other")


# Japanese labels as written in CONTRACT.md, accepted by the import whatever the UI language.
CHANNEL_LABELS_JA = {
    "電話": Channel.PHONE,
    "来所": Channel.WALK_IN,
    "訪問": Channel.HOME_VISIT,
    "メール": Channel.EMAIL,
    "手紙": Channel.LETTER,
    "関係機関": Channel.AGENCY,
    "web": Channel.WEB,
    "その他": Channel.OTHER,
}
CONSULTER_LABELS_JA = {
    "本人": Consulter.SELF,
    "家族": Consulter.FAMILY,
    "関係機関": Consulter.AGENCY,
    "民生委員・地域": Consulter.COMMUNITY,
    "民生委員": Consulter.COMMUNITY,
    "地域": Consulter.COMMUNITY,
    "その他": Consulter.OTHER,
    "匿名": Consulter.ANONYMOUS,
}
