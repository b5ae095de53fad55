"""An admin resets a member's forgotten password: asked first, then a one-time link the member
sets a new password with; the old password and sessions end; the access log has it
(issue 12 item 11)."""

import re
from typing import TYPE_CHECKING
from urllib.parse import urlparse

from django.test import Client
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tsunagu.audit.models import AccessAction, AccessLogEntry
from tsunagu.tenancy.models import Membership

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

NEW_PASSWORD = "asa-no-sanpo-2026"


def reset_url(personas: Personas, member: Membership, **kwargs: bool) -> str:
    return personas.url(f"admin/members/{member.pk}/password-reset/", **kwargs)


def one_time_link(response: "_MonkeyPatchedWSGIResponse") -> str:
    match = re.search(
        r'id="reset-link" type="text" readonly value="([^"]+)"', response.content.decode()
    )
    assert match, "the page shows the link"
    return urlparse(match.group(1)).path


def test_asking_changes_nothing(personas: Personas) -> None:
    member = personas.members["counselor"]
    member.user.set_password("still-the-old-one-1")
    member.user.save()
    admin = personas.client("admin")
    edit = admin.get(personas.url(f"admin/members/{member.pk}/")).content.decode()
    assert f'href="{reset_url(personas, member)}"' in edit
    page = admin.get(reset_url(personas, member))
    assert page.status_code == 200
    assert "はい、パスワードをリセットする" in page.content.decode()
    member.user.refresh_from_db()
    assert member.user.check_password("still-the-old-one-1")


def test_the_reset_ends_the_password_and_the_link_sets_a_new_one_once(personas: Personas) -> None:
    member = personas.members["counselor"]
    member_client = personas.client("counselor")
    response = personas.client("admin").post(reset_url(personas, member))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    link = one_time_link(response)
    member.user.refresh_from_db()
    assert not member.user.has_usable_password()
    # The member's open session ends with the old password.
    assert member_client.get(personas.url())["Location"].startswith("/accounts/login/")

    browser = Client()
    form = browser.get(link, follow=True)
    assert form.status_code == 200
    set_url = form.redirect_chain[-1][0]
    done = browser.post(set_url, {"password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert done.status_code == 302
    member.user.refresh_from_db()
    assert member.user.check_password(NEW_PASSWORD)
    # Used once: the link no longer opens the form.
    again = Client().get(link, follow=True)
    assert 'name="password1"' not in again.content.decode()


def test_the_reset_is_in_the_access_log(personas: Personas) -> None:
    member = personas.members["lead"]
    personas.client("admin").post(reset_url(personas, member))
    with scopes_disabled():
        entry = AccessLogEntry.objects.filter(action=AccessAction.PASSWORD_RESET).get()
    assert entry.username == "toyoake-admin"
    assert entry.objects_seen == [{"type": "membership", "id": member.pk, "basis": "role"}]


def test_another_municipalitys_member_is_404_and_keeps_their_password(personas: Personas) -> None:
    outsider = personas.outsiders["counselor"]
    outsider.user.set_password("miyoshi-keeps-it-1")
    outsider.user.save()
    admin = personas.client("admin")
    assert admin.get(reset_url(personas, outsider)).status_code == 404
    assert admin.post(reset_url(personas, outsider)).status_code == 404
    outsider.user.refresh_from_db()
    assert outsider.user.check_password("miyoshi-keeps-it-1")


def test_a_lead_may_not_reset_a_password(personas: Personas) -> None:
    member = personas.members["counselor"]
    assert personas.client("lead").post(reset_url(personas, member)).status_code == 403
    member.user.refresh_from_db()
    assert member.user.has_usable_password()
