"""The access log: who saw which personal data, when, from where, on what basis.

Entries of a municipality form a hash chain (each hash covers the previous one), so a changed
or removed entry is found by `tsunagu audit verify`.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import TenantModel


class AccessAction(models.TextChoices):
    LIST = "list", _("Viewed a list")
    VIEW = "view", _("Viewed a record")
    SEARCH = "search", _("Searched")
    EXPORT = "export", _("Exported")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DENIED = "denied", _("Was refused")


class AccessChainHead(TenantModel):
    """The last link of a municipality's chain; locked while an entry is appended."""

    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="access_chain_one_head")
        ]


class AccessLogEntry(TenantModel):
    seq = models.PositiveBigIntegerField()
    at = models.DateTimeField(_("when"))
    user_id_at_time = models.BigIntegerField(null=True)
    username = models.CharField(_("user"), max_length=150)
    membership_id_at_time = models.BigIntegerField(null=True)
    role = models.CharField(_("role"), max_length=20, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=AccessAction.choices)
    channel = models.CharField(_("through"), max_length=10)  # "web", "api" or "cli"
    path = models.CharField(_("address"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("from"), null=True, blank=True)
    # [{"type": "person", "id": 12, "basis": "assignment"}, ...]; ids only, never names.
    objects_seen = models.JSONField(_("objects"), default=list)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["municipality", "seq"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log entries")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "seq"], name="access_log_unique_seq")
        ]
        indexes = [models.Index(fields=["municipality", "at"], name="access_log_at")]
