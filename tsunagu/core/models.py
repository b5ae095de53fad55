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
