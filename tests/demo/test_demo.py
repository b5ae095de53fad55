import io
from collections.abc import Iterator

import pytest
from django.core.management import call_command
from django.db import transaction
from django.test import override_settings
from django_scopes import scopes_disabled
from pytest_django import DjangoDbBlocker

from tsunagu.accounts.models import User
from tsunagu.tenancy.models import Municipality, Organization

# The demo loads once for the module (below): under xdist its tests share one worker.
pytestmark = pytest.mark.xdist_group("demo_load")


@pytest.fixture(scope="module")
def demo_output(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[str]:
    """The demo loaded once with a given password, inside a transaction rolled back afterwards."""
    out = io.StringIO()
    with (
        django_db_blocker.unblock(),
        pytest.MonkeyPatch.context() as patch,
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        patch.setenv("TSUNAGU_DEMO_PASSWORD", "demo-pass-for-tests")
        call_command("demo", "--no-serve", stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def test_the_demo_loads_the_four_municipalities_of_the_seed(demo_output: str, db: None) -> None:
    out = demo_output
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


def test_the_demo_names_the_organizations_of_the_deck(demo_output: str, db: None) -> None:
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


def test_every_city_has_consultation_days_booked_with_its_professional(
    demo_output: str, db: None
) -> None:
    from tsunagu.cases.models import Case
    from tsunagu.places.models import Booking
    from tsunagu.policy import visible
    from tsunagu.tenancy.models import Membership

    with scopes_disabled():
        for municipality in Municipality.objects.all():
            professional = Membership.objects.get(municipality=municipality, role="professional")
            bookings = Booking.objects.filter(municipality=municipality)
            assert {b.professional_id for b in bookings} == {professional.pk}, municipality
            assert bookings.filter(session__place__kind="consultation").count() >= 6
            # Past days held and days to come, and the professional sees exactly those cases.
            days = set(bookings.values_list("session__date", flat=True))
            assert min(days) < max(days)
            seen = set(visible(professional, Case).values_list("pk", flat=True))
            assert seen == set(bookings.values_list("case_id", flat=True))
        tanaka = [
            b.case
            for b in Booking.objects.filter(municipality__code="232297").select_related(
                "case__person"
            )
            if b.case.person.name == "田中 美咲"
        ]
        assert tanaka, "the story whose plan names the visiting professional is booked"
