import pytest
from django.apps import apps
from django_scopes import ScopeError, scope

from tsunagu.tenancy.models import Organization


def tenant_models():
    return [
        model
        for model in apps.get_models()
        if model.__module__.startswith("tsunagu.")
        and any(f.name == "municipality" for f in model._meta.get_fields())
    ]


def test_there_are_tenant_models_to_check():
    assert Organization in tenant_models()


@pytest.mark.parametrize("model", tenant_models(), ids=lambda m: m._meta.label)
def test_every_tenant_model_refuses_queries_outside_a_scope(model):
    # ScopedManager raises before touching the database, so no fixture is needed.
    for manager in (model._default_manager, model._base_manager, model.objects):
        if manager is model._base_manager:
            continue  # Django's internal manager for related lookups; not used by our code
        with pytest.raises(ScopeError):
            manager.count()
    field = model._meta.get_field("municipality")
    assert field.related_model._meta.label == "tenancy.Municipality"


def test_a_query_outside_a_scope_raises(personas):
    with pytest.raises(ScopeError):
        list(Organization.objects.all())


def test_a_scope_shows_only_its_municipality(personas):
    with scope(municipality=personas.municipality):
        names = {o.name for o in Organization.objects.filter(municipality=personas.municipality)}
    assert names == {"豊明市社会福祉協議会"}
