"""Recording and revoking a person's consent to share, and downloading its scanned form."""

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
from auditlog.models import LogEntry
from django.contrib import messages
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.core.files import File
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone, translation
from django_scopes import scope, scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.people.helpers import make_person
from tsunagu.audit.history import change_values
from tsunagu.audit.models import AccessAction, AccessLogEntry, ChangeRecord
from tsunagu.core import eras
from tsunagu.people import services
from tsunagu.people.models import Consent, Person
from tsunagu.people.scans import scan_read
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership, Organization

ROLES = [r.value for r in Role]
EDITORS = ("lead", "counselor")
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 32


@pytest.fixture(autouse=True)
def media(settings: SettingsWrapper, tmp_path: Path) -> Path:
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    return media


@pytest.fixture
def organization(personas: Personas) -> Organization:
    """The organization of every persona of 豊明市, the partner's included."""
    organization = personas.members["partner"].organization
    assert organization is not None
    return organization


def _today() -> date:
    return timezone.localdate()


def _consent(
    person: Person,
    organizations: list[Organization],
    *,
    days_from: int = -1,
    days_until: int | None = None,
    document: File[bytes] | None = None,
    actor: Membership | None = None,
) -> Consent:
    today = _today()
    with scope(municipality=person.municipality):
        return services.consent_record(
            actor=actor,
            person=person,
            organizations=organizations,
            purposes="就労支援のため",
            valid_from=today + timedelta(days=days_from),
            valid_until=today + timedelta(days=days_until) if days_until is not None else None,
            form="written",
            document=document,
        )


def _new_url(personas: Personas, person: Person) -> str:
    return personas.url(f"persons/{person.pk}/consents/new/")


def _revoke_url(personas: Personas, person: Person, consent: Consent) -> str:
    return personas.url(f"persons/{person.pk}/consents/{consent.pk}/revoke/")


def _document_url(personas: Personas, person: Person, consent: Consent) -> str:
    return personas.url(f"persons/{person.pk}/consents/{consent.pk}/document/")


def _posted(organizations: list[Organization], **overrides: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "organizations": [o.pk for o in organizations],
        "purposes": "就労支援機関との情報共有",
        "valid_from": _today().isoformat(),
        "valid_until": "",
        "form": "written",
    }
    data.update(overrides)
    return data


def _consents(person: Person) -> list[Consent]:
    with scope(municipality=person.municipality):
        return list(Consent.objects.filter(person=person).prefetch_related("organizations"))


def _stored_files(media: Path) -> list[Path]:
    return [p for p in media.rglob("*") if p.is_file()] if media.exists() else []


# Recording


def test_it_records_a_consent_without_a_document(
    personas: Personas, yamada: Person, organization: Organization
) -> None:
    response = personas.client("lead").post(_new_url(personas, yamada), _posted([organization]))
    assert response.status_code == 302
    assert response["Location"] == personas.url(f"persons/{yamada.pk}/")
    [consent] = _consents(yamada)
    assert [o.pk for o in consent.organizations.all()] == [organization.pk]
    assert consent.purposes == "就労支援機関との情報共有"
    assert consent.valid_from == _today()
    assert consent.valid_until is None
    assert consent.form == "written"
    assert consent.recorded_by == personas.members["lead"]
    assert not consent.document


def test_it_stores_a_scan_under_the_municipality_with_a_name_of_its_own(
    personas: Personas, yamada: Person, organization: Organization, media: Path
) -> None:
    scan = SimpleUploadedFile("../../同意書 山田.PDF", PDF, content_type="application/pdf")
    data = _posted([organization], form="oral", valid_until="2030-03-31", document=scan)
    response = personas.client("counselor").post(_new_url(personas, yamada), data)
    assert response.status_code == 302
    [consent] = _consents(yamada)
    assert consent.recorded_by == personas.members["counselor"]
    assert str(consent.valid_until) == "2030-03-31"
    assert consent.form == "oral"
    [stored] = _stored_files(media)
    assert stored.parent == media / "consents" / personas.municipality.code
    assert stored.suffix == ".pdf"
    assert "山田" not in stored.name and "同意書" not in stored.name
    assert len(stored.stem) == 32
    # Encrypted at rest like the columns: the disk holds no readable byte of the form.
    assert b"%PDF" not in stored.read_bytes()
    assert scan_read(consent) == PDF


def test_it_refuses_an_executable_renamed_pdf_by_its_first_bytes(
    personas: Personas, yamada: Person, organization: Organization, media: Path
) -> None:
    scan = SimpleUploadedFile("scan.pdf", EXE, content_type="application/pdf")
    response = personas.client("lead").post(
        _new_url(personas, yamada), _posted([organization], document=scan)
    )
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["document"]] == ["file_type"]
    assert set(response.context["form"].errors) == {"document"}
    assert _consents(yamada) == []
    assert _stored_files(media) == []


@pytest.mark.parametrize(
    ("name", "content"),
    [("scan.png", PDF), ("scan.exe", PDF), ("scan.gif", b"GIF89a" + b"\x00" * 16), ("scan", PNG)],
)
def test_it_refuses_a_scan_whose_name_and_bytes_are_not_the_same_allowed_kind(
    personas: Personas, yamada: Person, organization: Organization, name: str, content: bytes
) -> None:
    scan = SimpleUploadedFile(name, content)
    response = personas.client("lead").post(
        _new_url(personas, yamada), _posted([organization], document=scan)
    )
    assert response.status_code == 200
    assert "document" in response.context["form"].errors
    assert _consents(yamada) == []


def test_it_accepts_a_png_photographed_on_a_phone(
    personas: Personas, yamada: Person, organization: Organization, media: Path
) -> None:
    scan = SimpleUploadedFile("IMG_0001.png", PNG, content_type="image/png")
    response = personas.client("lead").post(
        _new_url(personas, yamada), _posted([organization], document=scan)
    )
    assert response.status_code == 302
    [stored] = _stored_files(media)
    assert stored.suffix == ".png"


def test_it_refuses_a_scan_larger_than_10_mb(
    personas: Personas, yamada: Person, organization: Organization, media: Path
) -> None:
    big = PDF + b"0" * (10 * 1024 * 1024 + 1 - len(PDF))
    scan = SimpleUploadedFile("big.pdf", big, content_type="application/pdf")
    response = personas.client("lead").post(
        _new_url(personas, yamada), _posted([organization], document=scan)
    )
    assert response.status_code == 200
    assert [e.code for e in response.context["form"].errors.as_data()["document"]] == ["too_large"]
    assert _consents(yamada) == []
    assert _stored_files(media) == []


def test_a_scan_of_exactly_10_mb_is_accepted(
    personas: Personas, yamada: Person, organization: Organization
) -> None:
    exact = PDF + b"0" * (10 * 1024 * 1024 - len(PDF))
    scan = SimpleUploadedFile("exact.pdf", exact, content_type="application/pdf")
    response = personas.client("lead").post(
        _new_url(personas, yamada), _posted([organization], document=scan)
    )
    assert response.status_code == 302


def test_an_end_before_the_start_is_refused_and_what_was_typed_is_kept(
    personas: Personas, yamada: Person, organization: Organization
) -> None:
    data = _posted([organization], valid_from="2026-04-10", valid_until="2026-04-09")
    response = personas.client("lead").post(_new_url(personas, yamada), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"valid_until"}
    page = response.content.decode()
    assert "就労支援機関との情報共有" in page
    assert 'value="2026-04-10"' in page
    assert 'value="2026-04-09"' in page
    assert f'value="{organization.pk}" id="id_organizations_0" checked' in page
    assert 'id="id_valid_until_errors"' in page
    assert _consents(yamada) == []


def test_a_consent_needs_a_recipient_and_purposes(personas: Personas, yamada: Person) -> None:
    data = _posted([], purposes="")
    response = personas.client("lead").post(_new_url(personas, yamada), data)
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"organizations", "purposes"}


def test_recipients_of_another_municipality_cannot_be_chosen(
    personas: Personas, yamada: Person
) -> None:
    with scopes_disabled():
        foreign = Organization.objects.get(municipality=personas.outsider)
    client = personas.client("lead")
    form_page = client.get(_new_url(personas, yamada)).content.decode()
    assert f'value="{foreign.pk}"' not in form_page
    response = client.post(_new_url(personas, yamada), _posted([foreign]))
    assert response.status_code == 200
    assert "organizations" in response.context["form"].errors
    assert _consents(yamada) == []


def test_the_service_refuses_a_recipient_of_another_municipality(
    personas: Personas, yamada: Person
) -> None:
    with scopes_disabled():
        foreign = Organization.objects.get(municipality=personas.outsider)
    with pytest.raises(ValueError):
        _consent(yamada, [foreign])


def test_the_service_refuses_an_end_before_the_start(
    personas: Personas, yamada: Person, organization: Organization
) -> None:
    with pytest.raises(ValidationError) as refused:
        _consent(yamada, [organization], days_from=0, days_until=-1)
    assert "valid_until" in refused.value.message_dict


def test_the_form_starts_today_with_no_recipient_chosen(
    personas: Personas, yamada: Person, organization: Organization
) -> None:
    response = personas.client("counselor").get(_new_url(personas, yamada))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'name="valid_from" value="{_today().isoformat()}"' in page
    assert f'value="{organization.pk}"' in page
    assert f'value="{organization.pk}" id="id_organizations_0">' in page
    assert 'enctype="multipart/form-data"' in page


# The person's page


def test_the_person_page_lists_every_consent_with_where_it_stands(
    personas: Personas, yamada: Person, organization: Organization
) -> None:
    lead = personas.members["lead"]
    in_force = _consent(yamada, [organization], actor=lead)
    future = _consent(yamada, [organization], days_from=10)
    expired = _consent(yamada, [organization], days_from=-30, days_until=-1)
    revoked = _consent(yamada, [organization])
    with scope(municipality=personas.municipality):
        services.consent_revoke(actor=lead, consent=revoked)
    page = personas.client("counselor").get(personas.url(f"persons/{yamada.pk}/")).content.decode()
    for consent, status in [
        (in_force, "in_force"),
        (future, "future"),
        (expired, "expired"),
        (revoked, "revoked"),
    ]:
        assert f'id="consent-{consent.pk}" data-status="{status}"' in page
    assert organization.name in page
    assert "就労支援のため" in page
    assert "toyoake-lead" in page or lead.user.get_full_name() in page
    revoke = personas.url(f"persons/{yamada.pk}/consents/{{}}/revoke/")
    for consent in (in_force, future, expired):
        assert revoke.format(consent.pk) in page
    assert revoke.format(revoked.pk) not in page
    assert 'id="consent-form"' in page


def test_a_partner_sees_the_consents_but_neither_the_form_nor_revoke_nor_the_scan(
    personas: Personas, yamada: Person, organization: Organization
) -> None:
    scan = SimpleUploadedFile("scan.pdf", PDF)
    consent = _consent(yamada, [organization], document=scan)
    response = personas.client("partner").get(personas.url(f"persons/{yamada.pk}/"))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'id="consent-{consent.pk}" data-status="in_force"' in page
    assert "/revoke/" not in page
    assert "/document/" not in page
    assert 'id="consent-form"' not in page


# Revoking


def test_it_asks_before_revoking_and_then_revokes(
    personas: Personas, yamada: Person, organization: Organization
) -> None:
    consent = _consent(yamada, [organization])
    client = personas.client("lead")
    confirm = client.get(_revoke_url(personas, yamada, consent))
    assert confirm.status_code == 200
    assert f'action="{_revoke_url(personas, yamada, consent)}"' in confirm.content.decode()
    [unchanged] = _consents(yamada)
    assert unchanged.revoked_at is None

    before = timezone.now()
    response = client.post(_revoke_url(personas, yamada, consent))
    assert response.status_code == 302
    assert response["Location"] == personas.url(f"persons/{yamada.pk}/")
    [revoked] = _consents(yamada)
    assert revoked.revoked_at is not None
    assert before <= revoked.revoked_at <= timezone.now()


def test_revoking_twice_is_a_warning_not_an_error_page(
    personas: Personas, yamada: Person, organization: Organization
) -> None:
    consent = _consent(yamada, [organization])
    client = personas.client("counselor")
    client.post(_revoke_url(personas, yamada, consent), follow=True)
    [first] = _consents(yamada)
    response = client.post(_revoke_url(personas, yamada, consent))
    assert response.status_code == 302
    assert [m.level for m in get_messages(response.wsgi_request)] == [messages.WARNING]
    [second] = _consents(yamada)
    assert second.revoked_at == first.revoked_at


def test_the_service_refuses_to_revoke_twice(
    personas: Personas, yamada: Person, organization: Organization
) -> None:
    consent = _consent(yamada, [organization])
    with scope(municipality=personas.municipality):
        services.consent_revoke(actor=None, consent=consent)
        with pytest.raises(ValidationError):
            services.consent_revoke(actor=None, consent=consent)


def test_revocation_takes_effect_for_the_partner_on_the_next_request(
    personas: Personas, organization: Organization
) -> None:
    person = make_person(personas.municipality, name="同意太郎")
    consent = _consent(person, [organization])
    partner = personas.client("partner")
    api = Client(headers={"Authorization": f"Bearer {personas.token('partner')}"})
    api_list = f"/api/v1/m/{personas.municipality.code}/persons"
    page = personas.url(f"persons/{person.pk}/")

    assert partner.get(page).status_code == 200
    assert "同意太郎" in partner.get(personas.url("persons/")).content.decode()
    assert [p["id"] for p in api.get(api_list).json()["items"]] == [person.pk]
    assert api.get(f"{api_list}/{person.pk}").status_code == 200

    revoked = personas.client("lead").post(_revoke_url(personas, person, consent))
    assert revoked.status_code == 302

    assert partner.get(page).status_code == 404
    assert "同意太郎" not in partner.get(personas.url("persons/")).content.decode()
    assert api.get(api_list).json() == {"items": [], "count": 0}
    assert api.get(f"{api_list}/{person.pk}").status_code == 404


def test_revocation_is_written_to_the_change_history(
    personas: Personas, yamada: Person, organization: Organization
) -> None:
    consent = _consent(yamada, [organization])
    personas.client("lead").post(_revoke_url(personas, yamada, consent))
    with scopes_disabled():
        entries = LogEntry.objects.get_for_object(consent).filter(
            action=LogEntry.Action.UPDATE, changes__icontains="revoked_at"
        )
        [entry] = entries
        record = ChangeRecord.objects.get(log_entry=entry)
    assert record.municipality_id == personas.municipality.pk
    assert record.person_ref == yamada.pk
    assert entry.actor == personas.members["lead"].user
    [revoked] = _consents(yamada)
    at = timezone.localtime(revoked.revoked_at)
    with translation.override("en"):
        assert change_values(entry) == [
            ("revoked at", "", f"{eras.format_wareki(at.date())} {at:%H:%M}")  # 和暦 (item 9)
        ]


# Downloading the scan


@pytest.fixture
def scanned(personas: Personas, yamada: Person, organization: Organization) -> Consent:
    return _consent(
        yamada,
        [organization],
        document=SimpleUploadedFile("同意書.pdf", PDF),
        actor=personas.members["lead"],
    )


@pytest.mark.parametrize("role", EDITORS)
def test_staff_who_record_consents_download_the_scan(
    personas: Personas, yamada: Person, scanned: Consent, role: str
) -> None:
    response = personas.client(role).get(_document_url(personas, yamada, scanned))
    assert response.status_code == 200
    assert response.getvalue() == PDF
    assert response["Content-Type"] == "application/pdf"
    disposition = response["Content-Disposition"]
    assert disposition == f'attachment; filename="consent-{yamada.number}-{scanned.pk}.pdf"'
    assert disposition.isascii()
    assert "no-store" in response["Cache-Control"]


def test_every_download_is_written_to_the_access_log(
    personas: Personas, yamada: Person, scanned: Consent
) -> None:
    personas.client("lead").get(_document_url(personas, yamada, scanned))
    with scopes_disabled():
        entry = AccessLogEntry.objects.latest("seq")
    assert entry.action == AccessAction.EXPORT
    assert entry.username == "toyoake-lead"
    assert entry.objects_seen == [
        {"type": "person", "id": yamada.pk, "basis": "role"},
        {"type": "consent", "id": scanned.pk, "basis": "role"},
    ]


@pytest.mark.parametrize("role", ["partner", "committee", "professional", "admin"])
def test_other_roles_may_not_download_the_scan(
    personas: Personas, yamada: Person, scanned: Consent, role: str
) -> None:
    response = personas.client(role).get(_document_url(personas, yamada, scanned))
    assert response.status_code == 403


def test_another_municipality_gets_404_for_the_scan(
    personas: Personas, yamada: Person, scanned: Consent
) -> None:
    outsider = personas.client("lead", outsider=True)
    assert outsider.get(_document_url(personas, yamada, scanned)).status_code == 404
    foreign_url = personas.url(
        f"persons/{yamada.pk}/consents/{scanned.pk}/document/", outsider=True
    )
    assert outsider.get(foreign_url).status_code == 404


def test_a_consent_of_another_person_answers_404(
    personas: Personas, yamada: Person, scanned: Consent
) -> None:
    other = make_person(personas.municipality, name="別人")
    url = personas.url(f"persons/{other.pk}/consents/{scanned.pk}/document/")
    assert personas.client("lead").get(url).status_code == 404
    revoke = personas.url(f"persons/{other.pk}/consents/{scanned.pk}/revoke/")
    assert personas.client("lead").post(revoke).status_code == 404
    [untouched] = _consents(yamada)
    assert untouched.revoked_at is None


def test_a_consent_without_a_scan_answers_404_and_logs_nothing(
    personas: Personas, yamada: Person, organization: Organization
) -> None:
    consent = _consent(yamada, [organization])
    with scopes_disabled():
        before = AccessLogEntry.objects.count()
    response = personas.client("lead").get(_document_url(personas, yamada, consent))
    assert response.status_code == 404
    with scopes_disabled():
        assert AccessLogEntry.objects.count() == before


def test_the_scan_is_not_served_from_any_public_url(personas: Personas, scanned: Consent) -> None:
    name = scanned.document.name
    assert name is not None
    for prefix in ("/media/", "/", "/static/"):
        assert Client().get(prefix + name).status_code in (302, 404)


# Every new endpoint, every role


def _expected(role: str, editors_status: int) -> int:
    if role == "supporter":
        return 404  # a supporter's login opens their own pages only (tenancy middleware)
    return editors_status if role in EDITORS else 403


@pytest.mark.parametrize("role", ROLES)
def test_each_consent_endpoint_answers_each_role(
    personas: Personas, yamada: Person, scanned: Consent, role: str
) -> None:
    client = personas.client(role)
    assert client.get(_new_url(personas, yamada)).status_code == _expected(role, 200)
    assert client.get(_revoke_url(personas, yamada, scanned)).status_code == _expected(role, 200)
    document = client.get(_document_url(personas, yamada, scanned))
    assert document.status_code == _expected(role, 200)
    posted = client.post(_new_url(personas, yamada), {})
    assert posted.status_code == _expected(role, 200)
    revoked = client.post(_revoke_url(personas, yamada, scanned))
    assert revoked.status_code == _expected(role, 302)
    [consent] = _consents(yamada)
    assert (consent.revoked_at is not None) == (role in EDITORS)


@pytest.mark.parametrize("role", EDITORS)
def test_each_consent_endpoint_answers_another_municipality_with_404(
    personas: Personas, yamada: Person, scanned: Consent, role: str
) -> None:
    client = personas.client(role, outsider=True)
    for url in (
        _new_url(personas, yamada),
        _revoke_url(personas, yamada, scanned),
        _document_url(personas, yamada, scanned),
    ):
        assert client.get(url).status_code == 404, url
        assert client.post(url, {}).status_code == 404, url
    [consent] = _consents(yamada)
    assert consent.revoked_at is None


def test_a_counselor_cannot_reach_consents_of_a_person_outside_sight(
    personas: Personas, organization: Organization
) -> None:
    from tests.people.helpers import make_case

    hidden = make_person(personas.municipality, name="秘匿")
    make_case(hidden, primary=personas.members["lead"], is_shared=False)
    consent = _consent(hidden, [organization], document=SimpleUploadedFile("s.pdf", PDF))
    client = personas.client("counselor")
    assert client.get(_new_url(personas, hidden)).status_code == 404
    assert client.post(_revoke_url(personas, hidden, consent)).status_code == 404
    assert client.get(_document_url(personas, hidden, consent)).status_code == 404


def test_a_stored_scan_is_readable_by_the_service_only(
    personas: Personas, yamada: Person, organization: Organization, media: Path
) -> None:
    scan = SimpleUploadedFile("scan.pdf", PDF, content_type="application/pdf")
    data = _posted([organization], form="oral", valid_until="2030-03-31", document=scan)
    assert personas.client("counselor").post(_new_url(personas, yamada), data).status_code == 302
    [stored] = _stored_files(media)
    assert stored.stat().st_mode & 0o777 == 0o600
    assert stored.parent.stat().st_mode & 0o777 == 0o700
