"""Each municipality's own reporting groups, shown as extra rows of its statistics."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import TenantModel


class ReportingGroup(TenantModel):
    """E.g. 「その他（メール・手紙）」 = email + letter, as the city reports it to its committee."""

    name = models.CharField(_("name"), max_length=50)
    channels = models.JSONField(_("channels"), default=list)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("reporting group")
        verbose_name_plural = _("reporting groups")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="reporting_group_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name
