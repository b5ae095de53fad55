"""Every model is either a tenant model (municipality FK + scoped manager) or declared global."""

import pytest
from django.apps import apps
from django.db import models
from django_scopes import ScopeError, scope

from tests.conftest import Personas
from tsunagu.tenancy.models import Organization

# Models without a municipality, each with the reason it is shared by every municipality. A new
# model must either carry `municipality` (subclass TenantModel) or be added here, on purpose.
GLOBAL_MODELS = {
    "tenancy.Municipality": "the tenants themselves",
    "accounts.User": "a log-in; what it may do comes from its memberships",
    "auth.Permission": "Django's, unused by Tsunagu's policy",
    "auth.Group": "Django's, unused by Tsunagu's policy",
    "contenttypes.ContentType": "names of models",
    "sessions.Session": "a browser's log-in session",
    "account.EmailAddress": "allauth: belongs to a user",
    "account.EmailConfirmation": "allauth: belongs to a user",
    "mfa.Authenticator": "allauth: a user's second factor",
    "axes.AccessAttempt": "lockouts, keyed by username and address",
    "axes.AccessAttemptExpiration": "lockouts, keyed by username and address",
    "axes.AccessFailureLog": "lockouts, keyed by username and address",
    "axes.AccessLog": "lockouts, keyed by username and address",
    "auditlog.LogEntry": "change history; tsunagu audit.ChangeRecord ties each to its municipality",
    "django_tasks_database.DBTaskResult": "the job queue; a job's arguments name its own rows",
    "core.WorkerBeat": "a background worker's heartbeat, one per process",
}


def has_municipality(model: type[models.Model]) -> bool:
    """A concrete foreign key named `municipality` to the tenants (not a reverse relation)."""
    return any(
        f.name == "municipality"
        and f.concrete
        and f.many_to_one
        and f.related_model is not None
        and f.related_model._meta.label == "tenancy.Municipality"
        for f in model._meta.get_fields()
    )


def label(model: type[models.Model] | None) -> str:
    """The label of a relation's other end (a relation always has one)."""
    assert model is not None
    return model._meta.label


def tenant_models() -> list[type[models.Model]]:
    return [model for model in apps.get_models() if has_municipality(model)]


def link_tables() -> list[type[models.Model]]:
    """The tables Django creates for many-to-many fields: no model class of ours declares them."""
    return [
        model for model in apps.get_models(include_auto_created=True) if model._meta.auto_created
    ]


def test_there_are_tenant_models_to_check() -> None:
    assert Organization in tenant_models()


def test_every_model_is_a_tenant_model_or_declared_global() -> None:
    undeclared = [
        model._meta.label
        for model in apps.get_models()
        if not has_municipality(model) and model._meta.label not in GLOBAL_MODELS
    ]
    assert undeclared == [], "give these a municipality (TenantModel) or declare them global"


def test_every_model_is_checked_including_many_to_many_link_tables() -> None:
    # A link table has no municipality of its own: it is a tenant table when both its ends are
    # (reached only through a scoped owner), a global one when both ends are global. A link
    # between a tenant row and a global row would be a table no scope guards.
    tenant = {model._meta.label for model in tenant_models()}
    mixed = []
    for model in link_tables():
        ends = [label(f.related_model) for f in model._meta.fields if f.is_relation]
        assert len(ends) == 2, model._meta.label
        tenant_link = all(end in tenant for end in ends)
        global_link = all(end in GLOBAL_MODELS for end in ends)
        if not (tenant_link or global_link):
            mixed.append(model._meta.label)
    assert mixed == [], "these link tables join a tenant row to a global one"
    assert "people.Consent_organizations" in {m._meta.label for m in link_tables()}
    every = set(apps.get_models(include_auto_created=True))
    assert every == set(apps.get_models()) | set(link_tables())


def test_a_reverse_relation_named_municipality_does_not_make_a_tenant_model() -> None:
    from tsunagu.accounts.models import User
    from tsunagu.tenancy.models import Membership, Municipality

    assert has_municipality(Membership)
    assert not has_municipality(Municipality)
    assert not has_municipality(User)


def test_every_declared_global_model_exists_and_has_no_municipality() -> None:
    labels = {model._meta.label: model for model in apps.get_models()}
    stale = [label for label in GLOBAL_MODELS if label not in labels]
    tenant = [
        label for label in GLOBAL_MODELS if label in labels and has_municipality(labels[label])
    ]
    assert stale == [] and tenant == []


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_every_tenant_model_refuses_queries_outside_a_scope(model: type[models.Model]) -> None:
    # ScopedManager raises before touching the database, so no fixture is needed.
    # `model.objects` is the manager its class attribute `objects` gives (typed for any model).
    objects = model._meta.managers_map["objects"]
    for manager in (model._default_manager, model._base_manager, objects):
        if manager is model._base_manager:
            continue  # Django's internal manager for related lookups; not used by our code
        with pytest.raises(ScopeError):
            manager.count()
    field = model._meta.get_field("municipality")
    assert label(field.related_model) == "tenancy.Municipality"


def _unique_sets(model: type[models.Model]) -> list[tuple[str, set[str]]]:
    """Every set of fields the database keeps unique (the primary key aside)."""
    sets = [
        (f"{field.name} (unique=True)", {field.name})
        for field in model._meta.concrete_fields
        if field.unique and not field.primary_key
    ]
    sets += [(f"unique_together {fields}", set(fields)) for fields in model._meta.unique_together]
    sets += [
        (constraint.name, set(constraint.fields))
        for constraint in model._meta.constraints
        if isinstance(constraint, models.UniqueConstraint)
    ]
    return sets


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_every_unique_constraint_of_a_tenant_table_includes_the_municipality(
    model: type[models.Model],
) -> None:
    # Uniqueness within one municipality is what the data means, and a sharded table (Citus,
    # distributed by municipality_id) can only enforce constraints that include that column.
    lacking = [name for name, fields in _unique_sets(model) if "municipality" not in fields]
    assert lacking == []


def test_the_unique_check_sees_unique_fields_and_constraints() -> None:
    from tsunagu.accounts.models import User
    from tsunagu.tenancy.models import Membership

    assert ("username (unique=True)", {"username"}) in _unique_sets(User)
    assert ("membership_one_per_municipality", {"user", "municipality"}) in _unique_sets(Membership)


def test_a_query_outside_a_scope_raises(personas: Personas) -> None:
    with pytest.raises(ScopeError):
        list(Organization.objects.all())


def test_a_scope_shows_only_its_municipality(personas: Personas) -> None:
    with scope(municipality=personas.municipality):
        names = {o.name for o in Organization.objects.filter(municipality=personas.municipality)}
    assert names == {"豊明市社会福祉協議会"}
