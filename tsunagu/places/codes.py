"""Code lists of places and sessions (CONTRACT.md "Places, sessions and programmes")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class PlaceKind(models.TextChoices):
    PERSON = "person", _("For the person (本人向け)")
    FAMILY = "family", _("For families (家族向け)")
    WORK = "work", _("Work experience (就労体験)")
    STUDY = "study", _("Learning support (学習支援)")
    CONSULTATION = "consultation", _("Consultation day (相談日)")


class Access(models.TextChoices):
    FREE = "free", _("Drop in (自由参加)")
    RESERVATION = "reservation", _("By reservation (予約制)")


class SessionStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    CANCELLED = "cancelled", _("Cancelled")


class ReservationStatus(models.TextChoices):
    RESERVED = "reserved", _("Reserved")
    WAITING = "waiting", _("Waiting list")
    CANCELLED = "cancelled", _("Cancelled")
