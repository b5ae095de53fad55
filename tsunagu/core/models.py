"""Base classes every tenant model of Tsunagu builds on."""

from django.db import models
from django_scopes import ScopedManager


class TenantModel(models.Model):
    """A row that belongs to one municipality and is only reachable inside its scope.

    The direct `municipality` foreign key is also the future Citus distribution column.
    """

    municipality = models.ForeignKey(
        "tenancy.Municipality", on_delete=models.PROTECT, related_name="+", db_index=True
    )

    objects = ScopedManager(municipality="municipality")

    class Meta:
        abstract = True


class WorkerBeat(models.Model):
    """A background worker's heartbeat: jobs left running by a dead worker are failed."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    host = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    beat_at = models.DateTimeField()
    stopped_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.worker_id} ({self.host}:{self.pid})"
