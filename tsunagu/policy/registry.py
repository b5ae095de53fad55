"""The registry of bases: each names one reason a member may see rows of one model.

A basis is a small function from a membership to the rows it opens (a `Q` over the model,
`EVERY_ROW`, or None when it does not apply to that member). `visible` is the union of a
model's bases; `bases_of` says, for rows already known to be visible, which basis opened each
one, in the order the bases were registered (the first that applies is written to the log).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import reduce
from importlib import import_module
from operator import or_
from typing import Any, Final, TypeVar

from django.db.models import Exists, Model, OuterRef, Q, QuerySet
from django.http import Http404

from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import has_permission, refuse

M = TypeVar("M", bound=Model)


class Probe(Exists):
    """An EXISTS that PostgreSQL answers row by row, from its indexes.

    Under an OR, PostgreSQL may turn a correlated EXISTS into a hash of every row the
    subquery could match (all 250,000 cases of a city read to decide on the 50 persons a
    search shows): it chooses by how many rows the outer scan could return, not by the LIMIT
    that stops it. It never turns an EXISTS with an OFFSET into a hash, so `OFFSET 0` keeps
    the probe. Other databases get the plain EXISTS.
    """

    def as_postgresql(self, compiler: Any, connection: Any, **extra_context: Any) -> Any:
        return self.as_sql(
            compiler, connection, template="EXISTS(%(subquery)s OFFSET 0)", **extra_context
        )


class _EveryRow:
    def __repr__(self) -> str:
        return "EVERY_ROW"


EVERY_ROW: Final = _EveryRow()
"""A grant of every row of the member's municipality (a lead's "sees every case")."""

Grant = Q | _EveryRow | None
Labeller = Callable[[Membership, list[int]], dict[int, str]]


@dataclass(frozen=True)
class Basis:
    """One reason rows of `model` are visible to a member.

    `grants(member)` gives the rows it opens; `label(member, ids)`, when given, names the
    basis per row as the access log writes it (e.g. "consent:12") for those of `ids` it opens;
    without it the rows are found with `grants` and labelled with `name`.
    """

    model: type[Model]
    name: str
    grants: Callable[[Membership], Grant]
    label: Labeller | None = None


# The modules that register bases, one per domain; a new app adds its module here.
RULE_MODULES = (
    "tsunagu.policy.casework",
    "tsunagu.policy.network",
    "tsunagu.policy.places",
    "tsunagu.policy.supporters",
    "tsunagu.policy.surveys",
)

_BASES: dict[type[Model], list[Basis]] = defaultdict(list)
_SUBJECTS: dict[type[Model], str] = {}
_loaded = False


def _load_rules() -> None:
    """Import the rule modules once (they import models, so not before Django is set up)."""
    global _loaded
    if not _loaded:
        _loaded = True
        for module in RULE_MODULES:
            import_module(module)


def subject(model: type[Model], type_name: str) -> None:
    """Declare a model whose reads are personal data, logged as `type_name` ("person")."""
    _SUBJECTS[model] = type_name


def subject_type(model: type[Model]) -> str:
    _load_rules()
    return _SUBJECTS[model]


def subjects() -> dict[type[Model], str]:
    _load_rules()
    return dict(_SUBJECTS)


def register(
    model: type[Model], name: str, *, label: Labeller | None = None
) -> Callable[[Callable[[Membership], Grant]], Basis]:
    """Decorator: register `grants` as the basis `name` of `model` (after those before it)."""

    def decorate(grants: Callable[[Membership], Grant]) -> Basis:
        if any(b.name == name for b in _BASES[model]):
            raise ValueError(f"basis {name!r} of {model.__name__} is registered twice")
        basis = Basis(model=model, name=name, grants=grants, label=label)
        _BASES[model].append(basis)
        return basis

    return decorate


def bases(model: type[Model]) -> list[Basis]:
    _load_rules()
    return list(_BASES[model])


def can(member: Membership | None, permission: str) -> bool:
    """May this member do that? (An inactive or missing membership may do nothing.)"""
    return has_permission(member, permission)


def require(member: Membership | None, permission: str) -> None:
    """Refuse with 403 when the member's role may not do this (404 to a confined member)."""
    if not can(member, permission):
        refuse(member, permission)


def visible(member: Membership, model: type[M]) -> QuerySet[M]:
    """The rows of `model` this member may see: the union of its bases, in their municipality."""
    rows: QuerySet[M] = model._default_manager.filter(municipality_id=member.municipality_id)
    if not member.is_active:
        return rows.none()
    filters = []
    for basis in bases(model):
        grant = basis.grants(member)
        if grant is EVERY_ROW:  # no need to build the other bases' subqueries
            return rows
        if isinstance(grant, Q):
            filters.append(grant)
    if not filters:
        return rows.none()
    return rows.filter(reduce(or_, filters))


def visible_through(member: Membership, model: type[Model], field: str) -> Q:
    """A filter on another model's rows: those whose `field` (a foreign key, or a path to one
    such as "request__case") points at a row of `model` this member sees.

    Asked row by row (a `Probe`), so a screen of a few dispatches or referrals never reads
    every case the member sees, as `case__in=visible(...)` may at a million rows.
    """
    return Q(Probe(visible(member, model).filter(pk=OuterRef(field))))


def bases_of(member: Membership, model: type[Model], ids: Iterable[int]) -> dict[int, str]:
    """{id: basis} for the rows of `ids` the member may see (the others are left out)."""
    remaining = list(dict.fromkeys(ids))
    found: dict[int, str] = {}
    if not member.is_active:
        return found
    for basis in bases(model):
        if not remaining:
            break
        grant = basis.grants(member)
        if grant is None:
            continue
        if basis.label is not None:
            labels = basis.label(member, remaining)
        elif grant is EVERY_ROW:
            labels = dict.fromkeys(remaining, basis.name)
        else:
            assert isinstance(grant, Q)
            opened = model._default_manager.filter(
                grant, municipality_id=member.municipality_id, pk__in=remaining
            ).values_list("pk", flat=True)
            labels = dict.fromkeys(opened, basis.name)
        for pk in remaining:
            if pk in labels:
                found[pk] = labels[pk]
        remaining = [pk for pk in remaining if pk not in found]
    return found


def shown(
    member: Membership, model: type[Model], rows: Sequence[Any], *, action: str = "list"
) -> Sequence[Any]:
    """Record that `rows` (instances or anything with `pk`) were shown; returns them."""
    from tsunagu.policy.recording import record

    record(member, model, [row.pk for row in rows], action=action)
    return rows


def one(
    member: Membership,
    model: type[M],
    pk: Any,
    *,
    permission: str,
    queryset: QuerySet[M] | None = None,
    action: str = "view",
) -> M:
    """The one door to a visible row: 403 without `permission`, 404 outside sight; recorded."""
    from tsunagu.policy.recording import record

    require(member, permission)
    rows = visible(member, model) if queryset is None else queryset & visible(member, model)
    try:
        obj = rows.get(pk=pk)
    except (model.DoesNotExist, ValueError, TypeError) as exc:  # type: ignore[attr-defined]
        raise Http404 from exc
    record(member, model, [obj.pk], action=action)
    return obj
