from django.core.management import call_command
from django_scopes import scopes_disabled

from tsunagu.accounts.models import User
from tsunagu.tenancy.models import Membership, Municipality, Organization


def load(capsys):
    call_command("demo", "--no-serve")
    return capsys.readouterr().out


def test_the_demo_loads_the_four_municipalities_of_the_seed(db, capsys, monkeypatch):
    monkeypatch.setenv("TSUNAGU_DEMO_PASSWORD", "demo-pass-for-tests")
    out = load(capsys)
    rows = {
        m.code: (m.name, m.population, str(m.population_as_of)) for m in Municipality.objects.all()
    }
    assert rows == {
        "232297": ("豊明市", 68691, "2018-10-01"),
        "332089": ("総社市", 69052, "2019-04-30"),
        "352021": ("宇部市", 165584, "2018-10-01"),
        "362085": ("三好市", 26396, "2018-10-01"),
    }
    assert "toyoake-counselor" in out and "demo-pass-for-tests" in out
    user = User.objects.get(username="miyoshi-partner")
    assert user.check_password("demo-pass-for-tests")


def test_the_demo_names_the_organizations_of_the_deck(db, capsys):
    load(capsys)
    with scopes_disabled():
        contractors = set(
            Organization.objects.filter(is_contractor=True).values_list("name", flat=True)
        )
        names = set(Organization.objects.values_list("name", flat=True))
    assert {
        "豊明市社会福祉協議会",
        "NPO法人ふらっとコミュニティ",
        "社会福祉法人三好やまなみ会",
        "NPO法人みよしサポート協会ぴあぞら",
    } <= contractors
    assert any("保健所" in n for n in names) and any("ハローワーク" in n for n in names)


def test_the_demo_is_idempotent_and_keeps_a_generated_password(db, capsys, monkeypatch):
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
