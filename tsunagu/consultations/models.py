"""Consultations (相談): every contact counts, even when the person is not known."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.consultations.codes import Channel, Consulter
from tsunagu.core.crypto import EncryptedText
from tsunagu.core.models import TenantModel
from tsunagu.people.codes import Relation


class Consultation(TenantModel):
    occurred_at = models.DateTimeField(_("when"))
    # The month in Asia/Tokyo ("2018-04"), derived from occurred_at on write: statistics group
    # by it without a per-row time-zone conversion, which SQLite can only do in Python.
    local_month = models.CharField(max_length=7, editable=False)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    consulter = models.CharField(_("consulter"), max_length=20, choices=Consulter.choices)
    consulter_relation = models.CharField(
        _("relation"), max_length=20, choices=Relation.choices, blank=True
    )
    staff = models.ForeignKey(
        "tenancy.Membership",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("staff"),
    )
    minutes = models.PositiveIntegerField(_("minutes"), null=True, blank=True)
    summary = EncryptedText(_("summary"))
    next_action = EncryptedText(_("next action"))
    next_action_on = models.DateField(_("next action on"), null=True, blank=True)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("person"),
    )
    case = models.ForeignKey(
        "cases.Case",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="consultations",
        verbose_name=_("case"),
    )
    recorded_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-occurred_at", "-pk"]
        verbose_name = _("consultation")
        verbose_name_plural = _("consultations")
        indexes = [
            models.Index(fields=["municipality", "occurred_at"], name="consultation_when"),
            models.Index(fields=["municipality", "next_action_on"], name="consultation_next"),
        ]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.get_channel_display()}"
