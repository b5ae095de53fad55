"""Changing a member: the rule "nobody changes their own role" lives in the service."""

from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tsunagu.tenancy import services
from tsunagu.tenancy.models import Membership


def _update(
    personas: Personas, actor: Membership, target: Membership, **changes: Any
) -> Membership:
    fields: dict[str, Any] = {
        "role": target.role,
        "organization": None,
        "is_active": True,
        **changes,
    }
    with scope(municipality=personas.municipality):
        return services.membership_update(actor=actor, membership=target, **fields)


def _fresh(member: Membership) -> Membership:
    with scopes_disabled():
        return Membership.objects.get(pk=member.pk)


@pytest.mark.parametrize("changes", [{"role": "counselor"}, {"is_active": False}])
def test_nobody_changes_their_own_role_or_disables_themselves(
    personas: Personas, changes: dict[str, Any]
) -> None:
    admin = personas.members["admin"]
    with pytest.raises(ValidationError) as caught:
        _update(personas, admin, _fresh(admin), **changes)
    assert caught.value.code == "own_role"
    after = _fresh(admin)
    assert after.role == "admin" and after.is_active


def test_an_admin_changes_their_own_organization_only(personas: Personas) -> None:
    admin = personas.members["admin"]
    _update(personas, admin, _fresh(admin))
    assert _fresh(admin).role == "admin"


def test_an_admin_changes_another_members_role(personas: Personas) -> None:
    admin, counselor = personas.members["admin"], personas.members["counselor"]
    _update(personas, admin, _fresh(counselor), role="lead")
    assert _fresh(counselor).role == "lead"


def test_a_member_of_another_municipality_is_never_changed(personas: Personas) -> None:
    admin = personas.members["admin"]
    with scopes_disabled():
        foreign = Membership.objects.filter(municipality=personas.outsider).first()
    assert foreign is not None
    with pytest.raises(ValueError):
        _update(personas, admin, foreign, role="admin")
    assert _fresh(foreign).role == foreign.role


def test_the_screen_shows_the_services_refusal(personas: Personas) -> None:
    admin = personas.members["admin"]
    response = personas.client("admin").post(
        personas.url(f"admin/members/{admin.pk}/"), {"role": "counselor", "is_active": "on"}
    )
    assert response.status_code == 200
    assert "自分" in response.content.decode()
    assert _fresh(admin).role == "admin"
