"""A municipality's admin resets a member's second factor (a lost phone), and only there,
after confirming; the reset is in the access log (issue 12 item 11)."""

import logging

import pytest
from allauth.mfa.models import Authenticator
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tests.security.helpers import enrol_totp, recovery_codes
from tsunagu.audit.models import AccessAction, AccessLogEntry
from tsunagu.tenancy.models import Membership


def reset_url(personas: Personas, member: Membership, **kwargs: bool) -> str:
    return personas.url(f"admin/members/{member.pk}/mfa-reset/", **kwargs)


def test_the_admin_confirms_then_resets_a_members_second_factor(
    personas: Personas, caplog: pytest.LogCaptureFixture
) -> None:
    member = personas.members["counselor"]
    enrol_totp(member.user)
    recovery_codes(member.user)
    member_client = personas.client("counselor")
    admin = personas.client("admin")
    edit = admin.get(personas.url(f"admin/members/{member.pk}/")).content.decode()
    assert f'href="{reset_url(personas, member)}"' in edit
    confirm = admin.get(reset_url(personas, member))
    assert confirm.status_code == 200
    assert "はい、二要素認証をリセットする" in confirm.content.decode()
    assert Authenticator.objects.filter(user=member.user).exists()  # asking changes nothing
    with caplog.at_level(logging.INFO, logger="tsunagu.security"):
        response = admin.post(reset_url(personas, member))
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=member.user).exists()
    assert f"mfa reset: user_id={member.user.pk} by user_id=" in caplog.text
    with scopes_disabled():
        entry = AccessLogEntry.objects.filter(action=AccessAction.MFA_RESET).get()
    assert entry.username == "toyoake-admin"
    assert entry.objects_seen == [{"type": "membership", "id": member.pk, "basis": "role"}]
    # The member's open session must enrol again before any page.
    assert member_client.get(personas.url())["Location"] == "/accounts/2fa/"


def test_the_reset_button_shows_only_for_a_member_with_a_second_factor(personas: Personas) -> None:
    member = personas.members["supporter"]
    page = personas.client("admin").get(personas.url(f"admin/members/{member.pk}/"))
    assert reset_url(personas, member) not in page.content.decode()


def test_the_admin_cannot_reset_another_municipalitys_member(personas: Personas) -> None:
    outsider = personas.outsiders["counselor"]
    enrol_totp(outsider.user)
    admin = personas.client("admin")
    assert admin.get(reset_url(personas, outsider)).status_code == 404
    assert admin.post(reset_url(personas, outsider)).status_code == 404
    assert Authenticator.objects.filter(user=outsider.user).exists()


def test_a_counselor_cannot_reset_anyones_second_factor(personas: Personas) -> None:
    member = personas.members["lead"]
    enrol_totp(member.user)
    response = personas.client("counselor").post(reset_url(personas, member))
    assert response.status_code == 403
    assert Authenticator.objects.filter(user=member.user).exists()
