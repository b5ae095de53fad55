"""The access log: who saw which personal data, when, from where, on what basis.

Entries of a municipality form an HMAC chain (each link covers the previous one, keyed with the
audit key, which is not in the database), so a changed or removed entry is found by `tsunagu
audit verify`; signed checkpoints kept outside (`tsunagu audit checkpoint`) catch a cut tail.
"""

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_scopes import scopes_disabled

from tsunagu.core.models import TenantModel


class AccessAction(models.TextChoices):
    LIST = "list", _("Viewed a list")
    VIEW = "view", _("Viewed a record")
    SEARCH = "search", _("Searched")
    EXPORT = "export", _("Exported")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DENIED = "denied", _("Was refused")
    PASSWORD_RESET = "pw_reset", _("Reset a password")
    MFA_RESET = "mfa_reset", _("Reset two-factor authentication")


class AccessChainHead(TenantModel):
    """The last link of a municipality's chain; locked from the append's move of it (only if it
    is still where the append read it) to the append's commit."""

    seq = models.PositiveBigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="access_chain_one_head")
        ]


class AccessLogEntry(TenantModel):
    """One request's reads. The objects it saw are its `seen` rows (ids and bases, never names),
    stored once: the hash covers them in the order they were written.

    `seq` is empty only inside the appending transaction, between the entry's insert and its
    joining the chain (the head is moved last, by compare and swap, so appends hold it for as
    short as possible).
    """

    seq = models.PositiveBigIntegerField(null=True)
    at = models.DateTimeField(_("when"))
    user_id_at_time = models.BigIntegerField(null=True)
    username = models.CharField(_("user"), max_length=150)
    membership_id_at_time = models.BigIntegerField(null=True)
    role = models.CharField(_("role"), max_length=20, blank=True)
    action = models.CharField(_("action"), max_length=10, choices=AccessAction.choices)
    channel = models.CharField(_("through"), max_length=10)  # "web", "api" or "cli"
    path = models.CharField(_("page"), max_length=300, blank=True)
    ip = models.GenericIPAddressField(_("IP address"), null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["municipality", "seq"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log entries")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "seq"], name="access_log_unique_seq")
        ]
        indexes = [
            models.Index(fields=["municipality", "at"], name="access_log_at"),
            models.Index(
                fields=["municipality", "membership_id_at_time", "at"], name="access_log_member"
            ),
        ]

    @property
    def objects_seen(self) -> list[dict[str, Any]]:
        """What the entry saw, in the order written: [{"type", "id", "basis"}, ...] (its rows,
        which are of the entry's own municipality)."""
        with scopes_disabled():
            rows = list(self.seen.all())
        return [{"type": o.type, "id": o.object_id, "basis": o.basis} for o in rows]


class AccessLogObject(TenantModel):
    """One object an entry saw, as a row, so "who saw this person" is an indexed query.

    The entry's hash covers its rows (type, id, basis, in id order), so `tsunagu audit verify`
    finds a row changed, added or removed.
    """

    # Lookups by municipality use `access_object_seen`, which starts with it: an index of
    # its own would only be one more to write for each of the hundred rows of a list view.
    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, related_name="+", db_index=False
    )
    entry = models.ForeignKey(AccessLogEntry, on_delete=models.CASCADE, related_name="seen")
    type = models.CharField(max_length=30)
    object_id = models.BigIntegerField()
    basis = models.CharField(max_length=100)

    class Meta:
        ordering = ["entry", "pk"]
        indexes = [
            models.Index(fields=["municipality", "type", "object_id"], name="access_object_seen")
        ]


class ChangeRecord(TenantModel):
    """Ties one django-auditlog LogEntry to its municipality, person and case.

    LogEntry itself knows no tenant; every history screen reads through this table, so a
    change is only ever shown inside its municipality, even after the changed row is deleted.
    The ids are plain numbers, not foreign keys: history outlives the rows it describes.
    """

    log_entry = models.ForeignKey(
        "auditlog.LogEntry", on_delete=models.CASCADE, related_name="tsunagu_records"
    )
    person_ref = models.BigIntegerField(null=True, blank=True)
    case_ref = models.BigIntegerField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["municipality", "case_ref"], name="change_case"),
            models.Index(fields=["municipality", "person_ref"], name="change_person"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "log_entry"], name="change_record_one_per_entry"
            )
        ]
