"""Adding a member by username never attaches, nor tells anything about, another city's account."""

from typing import TYPE_CHECKING

from allauth.mfa.models import Authenticator
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tests.security.helpers import enrol_totp
from tsunagu.accounts.models import User
from tsunagu.tenancy.models import Membership

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


def _add(personas: Personas, **data: str) -> "_MonkeyPatchedWSGIResponse":
    return personas.client("admin").post(
        personas.url("admin/members/"), {"role": "lead", "display_name": "", **data}
    )


def _errors(response: "_MonkeyPatchedWSGIResponse") -> dict[str, list[str]]:
    assert response.status_code == 200
    return {field: list(errors) for field, errors in response.context["form"].errors.items()}


def test_an_account_of_another_municipality_is_not_attached(personas: Personas) -> None:
    foreign = personas.outsiders["counselor"]
    response = _add(personas, username=foreign.user.username, password="takeover-attempt-123")
    assert "username" in _errors(response)
    with scopes_disabled():
        assert list(Membership.objects.filter(user=foreign.user)) == [foreign]
    foreign.user.refresh_from_db()
    assert not foreign.user.check_password("takeover-attempt-123")


def test_so_the_other_city_can_still_reset_its_members_second_factor(personas: Personas) -> None:
    foreign = personas.outsiders["counselor"]
    enrol_totp(foreign.user)
    _add(personas, username=foreign.user.username, password="takeover-attempt-123")
    response = personas.client("admin", outsider=True).post(
        personas.url(f"admin/members/{foreign.pk}/mfa-reset/", outsider=True)
    )
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=foreign.user).exists()


def test_another_citys_username_answers_like_a_username_nobody_has(personas: Personas) -> None:
    foreign = personas.outsiders["counselor"]
    foreign.user.display_name = "三好 花子"
    foreign.user.save()
    unknown = _add(personas, username="nobody-has-this-name")
    taken = _add(personas, username=foreign.user.username)
    assert (
        _errors(taken)
        == _errors(unknown)
        == {"password": ["新しいアカウントには初期パスワードが必要です。"]}
    )
    assert "三好 花子" not in taken.content.decode()


def test_a_taken_username_answers_the_same_wherever_the_account_works(personas: Personas) -> None:
    with scopes_disabled():
        User.objects.create_user(username="operator-only", password="x-very-long-password-1")
    foreign = personas.outsiders["counselor"].user.username
    answers = [
        _errors(_add(personas, username=name, password="kumo-no-ue-no-sora-42"))
        for name in (foreign, foreign.upper(), "operator-only")
    ]
    assert answers[0] == answers[1] == answers[2]
    taken = "このユーザー名は使えません。別のユーザー名を選んでください。"
    assert answers[0] == {"username": [taken]}


def test_a_member_of_this_city_is_named_as_already_a_member(personas: Personas) -> None:
    own = personas.members["counselor"].user.username
    errors = _errors(_add(personas, username=own, password="kumo-no-ue-no-sora-42"))
    assert errors == {"username": ["このアカウントはすでにこの自治体のメンバーです。"]}


def test_an_account_the_admin_adds_is_never_a_demo_account(personas: Personas) -> None:
    _add(personas, username="new-lead", password="kumo-no-ue-no-sora-42")
    with scopes_disabled():
        assert User.objects.get(username="new-lead").is_demo is False
