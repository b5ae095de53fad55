"""A municipality's admin resets a member's second factor (a lost phone), and only there."""

import logging

from allauth.mfa.models import Authenticator

from tests.security.helpers import enrol_totp, recovery_codes


def test_the_admin_resets_a_members_second_factor(personas, caplog):
    member = personas.members["counselor"]
    enrol_totp(member.user)
    recovery_codes(member.user)
    member_client = personas.client("counselor")
    url = personas.url(f"admin/members/{member.pk}/")
    admin = personas.client("admin")
    assert 'name="reset_mfa"' in admin.get(url).content.decode()
    with caplog.at_level(logging.INFO, logger="tsunagu.security"):
        response = admin.post(url, {"reset_mfa": "1"})
    assert response.status_code == 302
    assert not Authenticator.objects.filter(user=member.user).exists()
    assert f"mfa reset: user_id={member.user.pk} by user_id=" in caplog.text
    # The member's open session must enrol again before any page.
    assert member_client.get(personas.url())["Location"] == "/accounts/2fa/"


def test_the_reset_button_shows_only_for_a_member_with_a_second_factor(personas):
    member = personas.members["supporter"]
    page = personas.client("admin").get(personas.url(f"admin/members/{member.pk}/"))
    assert 'name="reset_mfa"' not in page.content.decode()


def test_the_admin_cannot_reset_another_municipalitys_member(personas):
    outsider = personas.outsiders["counselor"]
    enrol_totp(outsider.user)
    response = personas.client("admin").post(
        personas.url(f"admin/members/{outsider.pk}/"), {"reset_mfa": "1"}
    )
    assert response.status_code == 404
    assert Authenticator.objects.filter(user=outsider.user).exists()


def test_a_counselor_cannot_reset_anyones_second_factor(personas):
    member = personas.members["lead"]
    enrol_totp(member.user)
    response = personas.client("counselor").post(
        personas.url(f"admin/members/{member.pk}/"), {"reset_mfa": "1"}
    )
    assert response.status_code == 403
    assert Authenticator.objects.filter(user=member.user).exists()
