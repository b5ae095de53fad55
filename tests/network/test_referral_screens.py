"""Referral and partner-directory screens: refer from the case, answer as the partner."""

from datetime import timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django_scopes import scope

from tests.conftest import Personas
from tests.network.conftest import World
from tsunagu.network import services
from tsunagu.network.models import PartnerProfile, Referral
from tsunagu.people.services import consent_revoke

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


def refer_on_screen(
    personas: Personas, world: World, **data: object
) -> "_MonkeyPatchedWSGIResponse":
    form = {
        "destination": "council",
        "organization": personas.members["partner"].organization_id,
        "purpose": "就労準備の相談",
        "consent": world.consent.pk,
        "shared": "生活歴の要約",
        "requested_on": timezone.localdate().isoformat(),
        **data,
    }
    return personas.client("counselor").post(
        personas.url(f"referrals/case/{world.case.pk}/new/"), form
    )


def test_a_counselor_refers_a_case_and_the_partner_answers(
    personas: Personas, world: World
) -> None:
    response = refer_on_screen(personas, world)
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        referral = Referral.objects.get()
    assert referral.shared == "生活歴の要約" and referral.consent_id == world.consent.pk
    partner = personas.client("partner")
    page = partner.get(personas.url(f"referrals/{referral.pk}/")).content.decode()
    assert "生活歴の要約" in page and "架空 太郎" in page
    response = partner.post(
        personas.url(f"referrals/{referral.pk}/"), {"status": "accepted", "note": "来週面談"}
    )
    assert response.status_code == 302
    referral.refresh_from_db()
    assert referral.status == "accepted"
    case_page = personas.client("counselor").get(personas.url(f"cases/{world.case.pk}/"))
    assert f'data-referral="{referral.pk}"' in case_page.content.decode()


def test_sharing_without_a_basis_is_refused_on_the_form_with_what_was_typed(
    personas: Personas, world: World
) -> None:
    response = refer_on_screen(personas, world, consent="")
    assert response.status_code == 200
    html = response.content.decode()
    assert "生活歴の要約" in html and "就労準備の相談" in html
    assert "invalid-feedback" in html
    with scope(municipality=personas.municipality):
        assert not Referral.objects.exists()


def test_an_impossible_move_is_refused_on_the_screen(personas: Personas, world: World) -> None:
    refer_on_screen(personas, world)
    with scope(municipality=personas.municipality):
        referral = Referral.objects.get()
    response = personas.client("counselor").post(
        personas.url(f"referrals/{referral.pk}/"), {"status": "completed"}
    )
    assert response.status_code == 200
    referral.refresh_from_db()
    assert referral.status == "requested"


def test_revoking_the_consent_closes_the_partners_page_at_once(
    personas: Personas, world: World
) -> None:
    refer_on_screen(personas, world)
    with scope(municipality=personas.municipality):
        referral = Referral.objects.get()
        consent_revoke(actor=personas.members["lead"], consent=world.consent)
    partner = personas.client("partner")
    assert partner.get(personas.url(f"referrals/{referral.pk}/")).status_code == 404
    listing = partner.get(personas.url("referrals/")).content.decode()
    assert f'data-referral="{referral.pk}"' not in listing


def test_the_home_page_lists_referrals_with_no_answer(personas: Personas, world: World) -> None:
    with scope(municipality=personas.municipality):
        old = services.referral_create(
            actor=personas.members["counselor"],
            case=world.case,
            destination="hello_work",
            purpose="職業相談",
            requested_on=timezone.localdate() - timedelta(days=30),
        )
    html = personas.client("counselor").get(personas.url("")).content.decode()
    assert 'id="home-referrals"' in html and f'data-referral="{old.pk}"' in html


def test_the_directory_shows_what_partners_offer_and_who_uses_tsunagu(personas: Personas) -> None:
    org = personas.members["partner"].organization
    assert org is not None
    response = personas.client("lead").post(
        personas.url(f"partners/{org.pk}/"),
        {
            "destination": "council",
            "contact": "0562-00-0000",
            "offers": "就労準備支援",
            "opening_hours": "平日 8:30〜17:15",
        },
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        assert PartnerProfile.objects.get().offers == "就労準備支援"
    html = personas.client("partner").get(personas.url("partners/")).content.decode()
    assert "就労準備支援" in html and "平日 8:30〜17:15" in html and "toyoake-partner" in html
    assert (
        personas.client("lead").get(personas.url(f"partners/{org.pk}/", outsider=True)).status_code
        == 404
    )


def test_the_referral_links_its_person_to_their_page(personas: Personas, world: World) -> None:
    """Names link where case numbers link (issue 12 item 10)."""
    refer_on_screen(personas, world)
    with scope(municipality=personas.municipality):
        referral = Referral.objects.get()
    page = personas.client("counselor").get(personas.url(f"referrals/{referral.pk}/"))
    person_url = personas.url(f"persons/{world.case.person_id}/")
    assert (
        f'<a href="{person_url}">No.{world.case.person.number} 架空 太郎</a>'
        in page.content.decode()
    )
