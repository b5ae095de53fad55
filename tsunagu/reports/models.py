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


class ExportJob(TenantModel):
    """A file made by the background worker for the member who asked for it (a statistics
    export, the consultation list, a printed record); the page polls its progress.

    The file lives in DATA_DIR/exports, readable by the service's user only, and is deleted a
    day after it was made. Only the member who asked may see the job or download the file.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Being made")
        DONE = "done", _("Ready")
        FAILED = "failed", _("Failed")
        EXPIRED = "expired", _("Deleted")

    requested_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("kind"), max_length=40)
    # What was asked (a period, the list's filters, a case): handed to the kind's maker.
    params = models.JSONField(default=dict)
    language = models.CharField(max_length=10, default="ja")
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.QUEUED
    )
    percent = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True)
    stored_name = models.CharField(max_length=100, blank=True)
    ascii_name = models.CharField(max_length=255, blank=True)
    local_name = models.CharField(max_length=255, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    # The personal records the file carries, [[type, id, basis], ...]: written to the access
    # log when the file is downloaded.
    seen = models.JSONField(default=list)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("export")
        verbose_name_plural = _("exports")

    def __str__(self) -> str:
        return f"{self.kind} ({self.status})"

    @property
    def is_running(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
