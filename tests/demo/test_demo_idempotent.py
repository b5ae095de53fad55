"""Loading the demo twice changes nothing, and keeps the password it generated the first time.

Apart from tests/demo/test_demo.py, whose tests share one load of the demo for the module.
"""

import pytest
from django.core.management import call_command
from django_scopes import scopes_disabled

from tsunagu.accounts.models import User
from tsunagu.tenancy.models import Membership, Organization


def load(capsys: pytest.CaptureFixture[str]) -> str:
    call_command("demo", "--no-serve")
    return capsys.readouterr().out


def test_the_demo_is_idempotent_and_keeps_a_generated_password(
    db: None, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("TSUNAGU_DEMO_PASSWORD", raising=False)
    first = load(capsys)
    second = load(capsys)
    password_line = [line for line in first.splitlines() if "パスワード" in line]
    assert password_line and password_line[-1] in second
    counts = [line for line in first.splitlines() if line.startswith("総社市")]
    assert counts and counts == [line for line in second.splitlines() if line.startswith("総社市")]
    with scopes_disabled():
        assert Membership.objects.count() == 4 * 8
        assert Organization.objects.filter(name="豊明市社会福祉協議会").count() == 1
    usernames = set(User.objects.values_list("username", flat=True))
    assert {
        f"{c}-{r}"
        for c in ("toyoake", "soja", "ube", "miyoshi")
        for r in (
            "admin",
            "lead",
            "counselor",
            "professional",
            "place_staff",
            "supporter",
            "partner",
            "committee",
        )
    } == usernames


def test_the_demo_flags_its_own_accounts_and_no_other(
    db: None, capsys: pytest.CaptureFixture[str]
) -> None:
    other = User.objects.create_user(username="tanaka", password="long enough passphrase")
    # An account of the demo's name loaded before the flag existed gets it on the next load.
    earlier = User.objects.create_user(username="toyoake-lead", password="x")
    load(capsys)
    demo = User.objects.exclude(pk=other.pk)
    assert demo.count() == 4 * 8 and all(demo.values_list("is_demo", flat=True))
    earlier.refresh_from_db()
    other.refresh_from_db()
    assert earlier.is_demo and not other.is_demo
