"""Citus readiness: which tables are distributed by municipality_id, and which SQL would not route.

In a Citus cluster every tenant table is distributed by `municipality_id` (colocated), and every
other table is a reference table copied to each node. A statement then runs on one node only when
every tenant table it names is pinned to one municipality: filtered by `municipality_id`, or joined
to a pinned table on `municipality_id`. `unrouted` finds the statements that are not.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.apps import apps
from django.db import models

from tsunagu.core.models import TenantModel

DISTRIBUTION_COLUMN = "municipality_id"

# Tenant tables that stay small (staff, partner organizations, API tokens) and are looked up
# before the municipality is known (log-in, a token's prefix): reference tables in Citus, copied
# to every node, so joining them from any distributed table stays on one node.
REFERENCE_TENANT_TABLES = frozenset(
    {"tenancy_membership", "tenancy_organization", "accounts_apitoken"}
)


def tenant_tables() -> set[str]:
    """Tables distributed by municipality_id: tenant models and their many-to-many tables."""
    tables: set[str] = set()
    for model in apps.get_models(include_auto_created=True):
        if issubclass(model, TenantModel):
            tables.add(model._meta.db_table)
            continue
        if model._meta.auto_created:
            # A many-to-many table between tenant models; it has no municipality_id yet.
            owner = model._meta.auto_created
            if isinstance(owner, type) and issubclass(owner, TenantModel):
                tables.add(model._meta.db_table)
    return tables - REFERENCE_TENANT_TABLES


def reference_tables() -> set[str]:
    """Every other table: small, global, copied to every node (create_reference_table)."""
    every = {
        m._meta.db_table
        for m in apps.get_models(include_auto_created=True)
        if m._meta.managed and not m._meta.proxy
    }
    return every - tenant_tables()


def tenant_models() -> list[type[models.Model]]:
    return sorted(
        (m for m in apps.get_models() if issubclass(m, TenantModel)),
        key=lambda m: m._meta.db_table,
    )


@dataclass(frozen=True)
class Unrouted:
    table: str
    sql: str
    joined: bool  # named in a JOIN (pinned, if at all, only through a foreign key)

    def __str__(self) -> str:
        return f"{self.table}{' (joined)' if self.joined else ''}: {self.sql[:300]}"


_NAMED = re.compile(
    r'(?P<how>FROM|JOIN|UPDATE|INTO)\s+"(?P<table>\w+)"(?:\s+(?:AS\s+)?"?(?P<alias>[TUV]\d+)"?)?'
)


def _pinned(alias: str, rest: str) -> bool:
    name = rf'(?:"{alias}"|{alias})\."{DISTRIBUTION_COLUMN}"'
    return bool(re.search(rf"{name}\s*(=|IN\b)", rest) or re.search(rf"=\s*{name}", rest))


def unrouted(sql: str, tenants: set[str]) -> list[Unrouted]:
    """The tenant tables this statement names without pinning them to one municipality."""
    stripped = sql.strip()
    verb = stripped.split(None, 1)[0].upper() if stripped else ""
    if verb not in {"SELECT", "UPDATE", "DELETE", "INSERT", "WITH"}:
        return []
    found = []
    for match in _NAMED.finditer(sql):
        table = match.group("table")
        if table not in tenants:
            continue
        alias = match.group("alias") or table
        joined = match.group("how") == "JOIN"
        if match.group("how") == "INTO":
            # The row carries its distribution column: Citus routes it by the value.
            columns = sql[match.end() : sql.find(")", match.end())]
            if f'"{DISTRIBUTION_COLUMN}"' not in columns:
                found.append(Unrouted(table, sql, joined))
            continue
        # Only what follows the table's name may pin it (the SELECT list names every column).
        if not _pinned(alias, sql[match.start() :]):
            found.append(Unrouted(table, sql, joined))
    return found
