from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tsunagu.accounts.models import ApiToken

if TYPE_CHECKING:
    from _pytest.capture import CaptureResult  # pytest exports the fixture, not its result
    from django.test.client import _MonkeyPatchedWSGIResponse


def create(capsys: pytest.CaptureFixture[str], *args: str) -> "CaptureResult[str]":
    call_command("token", "create", *args)
    return capsys.readouterr()


def test_it_prints_the_token_alone_on_the_last_line(
    personas: Personas, capsys: pytest.CaptureFixture[str]
) -> None:
    out = create(capsys, "toyoake-lead", "--municipality", "232297")
    token = out.out.strip().splitlines()[-1]
    assert token.startswith("tsn_") and " " not in token
    with scopes_disabled():
        api_token = ApiToken.objects.get()
    assert api_token.membership == personas.members["lead"]
    assert api_token.expires_at > api_token.created_at


def test_the_token_is_stored_only_as_a_hash(
    personas: Personas, capsys: pytest.CaptureFixture[str]
) -> None:
    token = create(capsys, "toyoake-lead", "--municipality", "232297").out.strip()
    with connection.cursor() as cursor:
        cursor.execute("SELECT prefix, digest FROM accounts_apitoken")
        rows = cursor.fetchall()
    assert rows and all(token not in "".join(row) for row in rows)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody", "--municipality", "232297"), "nobody"),
        (("toyoake-lead", "--municipality", "232298"), "232298"),
        (("toyoake-lead", "--municipality", "abc"), "abc"),
        (("toyoake-lead", "--municipality", "012017"), "012017"),
        (("miyoshi-lead", "--municipality", "232297"), "miyoshi-lead"),
        (("toyoake-lead", "--municipality", "232297", "--days", "0"), "--days"),
    ],
)
def test_bad_input_is_a_clear_error(
    personas: Personas, args: tuple[Any, ...], message: str
) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("token", "create", *args)


def test_a_new_token_lives_30_days_by_default(
    personas: Personas, capsys: pytest.CaptureFixture[str]
) -> None:
    create(capsys, "toyoake-lead", "--municipality", "232297")
    with scopes_disabled():
        api_token = ApiToken.objects.get()
    lifetime = api_token.expires_at - api_token.created_at
    assert timedelta(days=29, hours=23) < lifetime <= timedelta(days=30)


def api_get(personas: Personas, token: str) -> "_MonkeyPatchedWSGIResponse":
    return Client().get("/api/v1/municipalities", headers={"Authorization": f"Bearer {token}"})


def test_revoke_refuses_every_token_of_the_membership_and_counts_them(
    personas: Personas, capsys: pytest.CaptureFixture[str]
) -> None:
    tokens = [create(capsys, "toyoake-lead", "--municipality", "232297").out.strip() for _ in "ab"]
    other = create(capsys, "toyoake-counselor", "--municipality", "232297").out.strip()
    assert api_get(personas, tokens[0]).status_code == 200
    call_command("token", "revoke", "toyoake-lead", "--municipality", "232297")
    out = capsys.readouterr().out
    assert "2" in out and "toyoake-lead" in out
    assert [api_get(personas, t).status_code for t in tokens] == [401, 401]
    assert api_get(personas, other).status_code == 200  # another member's token still works
    call_command("token", "revoke", "toyoake-lead", "--municipality", "232297")
    assert "0" in capsys.readouterr().out  # nothing left to revoke


def test_revoke_reaches_a_former_member(
    personas: Personas, capsys: pytest.CaptureFixture[str]
) -> None:
    create(capsys, "toyoake-lead", "--municipality", "232297")
    with scopes_disabled():
        personas.members["lead"].is_active = False
        personas.members["lead"].save()
    call_command("token", "revoke", "toyoake-lead", "--municipality", "232297")
    with scopes_disabled():
        assert ApiToken.objects.get().revoked_at is not None


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("nobody", "--municipality", "232297"), "nobody"),
        (("toyoake-lead", "--municipality", "232298"), "232298"),
        (("miyoshi-lead", "--municipality", "232297"), "miyoshi-lead"),
    ],
)
def test_revoke_names_bad_input(personas: Personas, args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        call_command("token", "revoke", *args)
