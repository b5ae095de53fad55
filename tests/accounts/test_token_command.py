import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django_scopes import scopes_disabled

from tsunagu.accounts.models import ApiToken


def create(capsys, *args):
    call_command("token", "create", *args)
    return capsys.readouterr()


def test_it_prints_the_token_alone_on_the_last_line(personas, capsys):
    out = create(capsys, "toyoake-lead", "--municipality", "232297")
    token = out.out.strip().splitlines()[-1]
    assert token.startswith("tsn_") and " " not in token
    with scopes_disabled():
        api_token = ApiToken.objects.get()
    assert api_token.membership == personas.members["lead"]
    assert api_token.expires_at > api_token.created_at


def test_the_token_is_stored_only_as_a_hash(personas, capsys):
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
def test_bad_input_is_a_clear_error(personas, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("token", "create", *args)
