"""District needs surveys (実態把握): districts, survey rounds and each district's answer.

Counts only, never names: the 民生委員 and 福祉委員 of a district report how many people they
think are withdrawn, by age band and gender, how long, and whether the family is known to the
center.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import TenantModel


class District(TenantModel):
    """A 地区 of the municipality, with the volunteers who cover it."""

    name = models.CharField(_("district"), max_length=50)
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    volunteers = models.CharField(_("民生委員・福祉委員 covering it"), max_length=200, blank=True)

    class Meta:
        ordering = ["order", "name"]
        verbose_name = _("district")
        verbose_name_plural = _("districts")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="district_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Survey(TenantModel):
    """One round of the survey over the municipality's districts."""

    name = models.CharField(_("name"), max_length=100)
    conducted_on = models.DateField(_("conducted in"))
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-conducted_on", "-pk"]
        verbose_name = _("needs survey")
        verbose_name_plural = _("needs surveys")

    def __str__(self) -> str:
        return self.name


class DistrictAnswer(TenantModel):
    """A district's answer in one round: sent, reminded, answered, and the counts."""

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="answers")
    district = models.ForeignKey(District, on_delete=models.PROTECT, related_name="answers")
    sent_on = models.DateField(_("sent on"), null=True, blank=True)
    reminded_on = models.DateField(_("reminded on"), null=True, blank=True)
    answered_on = models.DateField(_("answered on"), null=True, blank=True)
    # {"<age band>": {"male": n, "female": n, "unknown": n}}: people, never names.
    counts = models.JSONField(_("people by age band and gender"), default=dict, blank=True)
    # {"under_1": n, "1_3": n, "3_5": n, "5_10": n, "10_plus": n, "unknown": n}
    durations = models.JSONField(_("people by how long"), default=dict, blank=True)
    known_to_center = models.PositiveIntegerField(_("of them known to the center"), default=0)
    notes = models.TextField(_("notes (no names)"), blank=True)
    total = models.PositiveIntegerField(_("people"), default=0, editable=False)

    class Meta:
        ordering = ["district__order", "district__name"]
        verbose_name = _("district answer")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "survey", "district"], name="answer_one_per_district"
            ),
            models.CheckConstraint(
                condition=Q(known_to_center__lte=models.F("total")), name="answer_known_le_total"
            ),
        ]

    @property
    def responded(self) -> bool:
        return self.answered_on is not None
