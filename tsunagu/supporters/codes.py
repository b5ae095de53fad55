"""Code lists of supporters and dispatch (CONTRACT.md, "Supporters and dispatch")."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SupporterBackground(models.TextChoices):
    MINSEI = "minsei", _("Commissioned welfare volunteer (民生委員)")
    FUKUSHI_IIN = "fukushi_iin", _("Welfare committee member (福祉委員)")
    WELFARE_WORKER = "welfare_worker", _("Welfare worker")
    TEACHER = "teacher", _("Teacher")
    GOVERNMENT = "government", _("Government")
    RESIDENT = "resident", _("Resident")
    FAMILY = "family", _("Family")
    PEER = "peer", _("Peer (lived experience)")
    PROFESSIONAL = "professional", _("Professional")
    STUDENT = "student", _("Student")
    VOLUNTEER = "volunteer", _("Volunteer")


class SupporterStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    RETIRED = "retired", _("Retired")


class SupporterActivity(models.TextChoices):
    VISIT = "visit", _("Home visits")
    PLACE = "place", _("At a place")
    ACCOMPANY = "accompany", _("Accompanying")
    REMOTE = "remote", _("Phone and e-mail")
    LECTURER = "lecturer", _("Training lecturer")


class Accompaniment(models.TextChoices):
    NONE = "", _("Supporter alone")
    NURSE = "public_health_nurse", _("With a public health nurse (保健師)")
    COUNSELOR = "counselor", _("With a counselor")


class RequestStatus(models.TextChoices):
    OPEN = "open", _("Open")
    MATCHED = "matched", _("Supporter assigned")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")


class DispatchStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    ENDED = "ended", _("Ended")


class Weekday(models.IntegerChoices):
    MONDAY = 0, _("Mon")
    TUESDAY = 1, _("Tue")
    WEDNESDAY = 2, _("Wed")
    THURSDAY = 3, _("Thu")
    FRIDAY = 4, _("Fri")
    SATURDAY = 5, _("Sat")
    SUNDAY = 6, _("Sun")
