"""Rows seen through another row (a dispatch through its case, a referral through its case, an
inquiry through its consultation) are asked row by row, never as a list of every row the member
sees: `case__in=visible(...)` made PostgreSQL hash every visible case of a city of a million
persons to decide on a screen of a few rows."""

from datetime import time

import pytest
from django.core.exceptions import EmptyResultSet
from django.db.models import Model
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.security.world import World, build_world
from tsunagu.cases.models import Case
from tsunagu.policy import visible, visible_through
from tsunagu.policy.registry import _BASES as REGISTERED
from tsunagu.policy.registry import bases
from tsunagu.supporters.models import ActivityLog, Dispatch, DispatchRequest
from tsunagu.supporters.services import activity_log_create


@pytest.fixture
def world(personas: Personas, settings: SettingsWrapper) -> World:
    return build_world(personas.municipality, personas.members)


def test_no_basis_lists_every_visible_row_of_another_model(
    personas: Personas, world: World
) -> None:
    bases(Case)  # loads the rule modules
    checked = 0
    with scope(municipality=personas.municipality):
        for model in list(REGISTERED):
            for role, member in personas.members.items():
                rows = visible(member, model)
                try:
                    sql = str(rows.query).upper()
                except EmptyResultSet:
                    continue  # this role sees none of them: nothing is asked
                assert " IN (SELECT" not in sql, f"{model.__name__} for {role}: {sql}"
                list(rows.values_list("pk", flat=True))  # and the probe's path resolves
                checked += 1
    assert checked > 50


def _seen(member_rows: object) -> set[int]:
    return set(member_rows.values_list("pk", flat=True))  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("model", "path"),
    [
        (DispatchRequest, "case"),
        (Dispatch, "request__case"),
        (ActivityLog, "dispatch__request__case"),
    ],
)
def test_rows_through_a_case_follow_the_case(
    personas: Personas, world: World, model: type[Model], path: str
) -> None:
    counselor = personas.members["counselor"]
    case_id = world["case"]
    with scopes_disabled():
        dispatch = Dispatch.objects.get(request__case=case_id)
        activity_log_create(
            actor=personas.members["supporter"],
            dispatch=dispatch,
            date=timezone.localdate(),
            start=time(10),
            end=time(11),
            what_happened="将棋をした",
        )
        hanging = set(model._default_manager.filter(**{path: case_id}).values_list("pk", flat=True))
    assert hanging, f"the world has a {model.__name__} of its case"
    with scope(municipality=personas.municipality):
        through = model._default_manager.filter(visible_through(counselor, Case, path))
        assert hanging <= _seen(through)
        assert hanging <= _seen(visible(counselor, model))

        # The counselor leaves the case and it is no longer shared: what hangs from it goes.
        Case.objects.get(pk=case_id).assignments.all().delete()
        Case.objects.filter(pk=case_id).update(is_shared=False)
        assert not visible(counselor, Case).filter(pk=case_id).exists()
        assert hanging.isdisjoint(_seen(through.all()))
        assert hanging.isdisjoint(_seen(visible(counselor, model)))

        # Another municipality's member sees none of it.
        outsider = personas.outsiders["lead"]
        assert hanging.isdisjoint(
            _seen(model._default_manager.filter(visible_through(outsider, Case, path)))
        )
