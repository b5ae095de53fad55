"""How long a municipality keeps its casework, and the record of every deletion it made."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import TenantModel

# A typical 文書管理規程 keeps support records five years after the support ended.
DEFAULT_YEARS = 5
MAX_YEARS = 100


class RetentionPolicy(TenantModel):
    """Keep casework this many years after the last activity; without a row, DEFAULT_YEARS."""

    years = models.PositiveSmallIntegerField(_("years kept after the support ended"))
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("retention policy")
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="retention_one_per_city"),
            models.CheckConstraint(
                condition=models.Q(years__gte=1, years__lte=MAX_YEARS),
                name="retention_years_1_100",
                violation_error_message=_("Choose between 1 and 100 years."),
            ),
        ]


class DeletionRecord(TenantModel):
    """One run of `tsunagu retention apply`: what was deleted, by whom, under which rule.

    Ids and counts only, never a name or a text: the record outlives what it describes.
    """

    at = models.DateTimeField()
    performed_by = models.CharField(_("performed by"), max_length=150)
    policy_years = models.PositiveSmallIntegerField(_("years kept"))
    cutoff = models.DateField(_("deleted what ended before"))
    counts = models.JSONField(default=dict)
    person_ids = models.JSONField(default=list)
    case_ids = models.JSONField(default=list)
    consultation_ids = models.JSONField(default=list)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("deletion record")
        verbose_name_plural = _("deletion records")
