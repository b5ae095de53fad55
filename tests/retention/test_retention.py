"""Casework past the municipality's retention period is listed, then deleted with a record."""

import io
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from django_scopes import scope, scopes_disabled
from pytest_django.fixtures import DjangoCaptureOnCommitCallbacks
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.people.helpers import make_case, make_consultation, make_person
from tsunagu.audit.models import AccessLogEntry
from tsunagu.audit.selectors import access_chain_verify
from tsunagu.cases import services as case_services
from tsunagu.cases.models import Case, CaseAssignment, StageTransition
from tsunagu.consultations.models import Consultation
from tsunagu.people import services as people_services
from tsunagu.people.models import Consent, FamilyMember, Person
from tsunagu.retention.models import DeletionRecord, RetentionPolicy
from tsunagu.retention.selectors import Due, retention_due
from tsunagu.retention.services import retention_apply
from tsunagu.tenancy.models import Municipality

PDF = b"%PDF-1.7\n%%EOF\n"
LONG_AGO = datetime(2016, 1, 15, 1, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def media(settings: SettingsWrapper, tmp_path: Path) -> Path:
    media = tmp_path / "media"
    settings.MEDIA_ROOT = media
    return media


def _backdate(municipality: Municipality, person: Person, *cases: Case) -> None:
    """As if the person was registered and supported in 2015 (rows written through services)."""
    with scope(municipality=municipality):
        Person.objects.filter(pk=person.pk).update(created_at=LONG_AGO)
        Consultation.objects.filter(person=person).update(occurred_at=LONG_AGO)
        for case in cases:
            Case.objects.filter(pk=case.pk).update(opened_on=date(2015, 4, 1))
            if case.closed_on:
                Case.objects.filter(pk=case.pk).update(closed_on=date(2016, 3, 31))


def _closed_case(personas: Personas, person: Person) -> Case:
    counselor = personas.members["counselor"]
    case = make_case(person, primary=counselor)
    make_consultation(personas.municipality, person=person, case=case, staff=counselor)
    with scope(municipality=personas.municipality):
        return case_services.case_close(
            actor=counselor, case=case, reason="employment", closed_on=date(2025, 6, 30)
        )


@pytest.fixture
def supported_long_ago(personas: Personas) -> Person:
    """山田一郎: a case closed in 2016, a consultation, a consent with its scan, his mother."""
    person = make_person(personas.municipality, name="山田一郎", name_kana="ヤマダイチロウ")
    case = _closed_case(personas, person)
    partner = personas.members["partner"].organization
    assert partner is not None
    with scope(municipality=personas.municipality):
        people_services.family_member_create(
            actor=None, person=person, name="山田花子", relation="mother", phone="090-1111-2222"
        )
        people_services.consent_record(
            actor=None,
            person=person,
            organizations=[partner],
            purposes="情報共有",
            valid_from=date(2025, 4, 1),
            valid_until=None,
            form="written",
            document=SimpleUploadedFile("同意書.pdf", PDF),
        )
    _backdate(personas.municipality, person, case)
    return person


def _apply(municipality: Municipality) -> tuple[Due, DeletionRecord | None]:
    with scope(municipality=municipality):
        return retention_apply(
            municipality=municipality, today=timezone.localdate(), performed_by="test"
        )


def test_it_deletes_everything_of_a_person_whose_support_ended_past_the_period(
    personas: Personas,
    supported_long_ago: Person,
    media: Path,
    django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks,
) -> None:
    assert list((media / "consents").rglob("*.pdf"))
    with django_capture_on_commit_callbacks(execute=True):
        _due, record = _apply(personas.municipality)
        assert record is not None
    with scopes_disabled():
        for model in (Person, Case, Consultation, Consent, FamilyMember):
            assert not model.objects.filter(municipality=personas.municipality).exists(), model
        assert not CaseAssignment.objects.exists() and not StageTransition.objects.exists()
        assert not FamilyMember.objects.filter(phone_index__gt="").exists()
    assert not list((media / "consents").rglob("*.pdf"))
    assert record.counts == {
        "persons": 1,
        "cases": 1,
        "consultations": 1,
        "consents": 1,
        "consent_scans": 1,
        "family_members": 1,
    }
    assert record.person_ids == [supported_long_ago.pk] and record.policy_years == 5
    stored = json.dumps([record.counts, record.performed_by, record.person_ids], ensure_ascii=False)
    assert "山田" not in stored


def test_nothing_of_the_deleted_person_stays_readable_in_the_change_history(
    personas: Personas, supported_long_ago: Person
) -> None:
    _apply(personas.municipality)
    for entry in LogEntry.objects.all():
        values = [entry.object_repr, entry.changes, entry.changes_text]
        text = json.dumps(values, ensure_ascii=False)
        assert "山田" not in text and "ヤマダ" not in text


def test_the_access_log_is_kept_and_its_chain_still_verifies(
    personas: Personas, supported_long_ago: Person
) -> None:
    personas.client("lead").get(personas.url(f"persons/{supported_long_ago.pk}/"))
    with scopes_disabled():
        before = AccessLogEntry.objects.count()
    assert before > 0
    _apply(personas.municipality)
    with scopes_disabled():
        assert AccessLogEntry.objects.count() == before
    assert access_chain_verify() is None


def test_a_longer_period_keeps_it(personas: Personas, supported_long_ago: Person) -> None:
    with scopes_disabled():
        RetentionPolicy.objects.create(municipality=personas.municipality, years=20)
    due, record = _apply(personas.municipality)
    assert record is None and due.is_empty()
    with scope(municipality=personas.municipality):
        assert Person.objects.filter(pk=supported_long_ago.pk).exists()


def test_an_open_case_keeps_the_person_but_an_old_closed_case_goes(personas: Personas) -> None:
    person = make_person(personas.municipality, name="継続中")
    old = _closed_case(personas, person)
    still_open = make_case(person, primary=personas.members["counselor"])
    _backdate(personas.municipality, person, old)
    _due, record = _apply(personas.municipality)
    assert record is not None
    assert record.case_ids == [old.pk] and record.person_ids == []
    with scope(municipality=personas.municipality):
        assert list(Case.objects.values_list("pk", flat=True)) == [still_open.pk]
        assert Person.objects.filter(pk=person.pk).exists()


def test_an_old_anonymous_consultation_goes_and_a_recent_one_stays(personas: Personas) -> None:
    old = make_consultation(personas.municipality, summary="匿名の電話")
    recent = make_consultation(personas.municipality, summary="最近の電話")
    with scope(municipality=personas.municipality):
        Consultation.objects.filter(pk=old.pk).update(occurred_at=LONG_AGO)
    _due, record = _apply(personas.municipality)
    assert record is not None
    assert record.consultation_ids == [old.pk]
    with scope(municipality=personas.municipality):
        assert list(Consultation.objects.values_list("pk", flat=True)) == [recent.pk]


def test_a_person_registered_recently_is_kept(personas: Personas) -> None:
    person = make_person(personas.municipality, name="新規")
    with scope(municipality=personas.municipality):
        assert (
            person.pk
            not in retention_due(
                municipality=personas.municipality, today=timezone.localdate()
            ).person_ids
        )


def test_list_and_dry_run_change_nothing_and_apply_deletes_one_municipality(
    personas: Personas, supported_long_ago: Person
) -> None:
    foreign = make_person(personas.outsider, name="他市")
    _backdate(personas.outsider, foreign)
    out = io.StringIO()
    call_command("retention", "list", stdout=out)
    call_command("retention", "apply", "--dry-run", stdout=out)
    assert "232297 豊明市: 保存5年" in out.getvalue()
    counts = "対象者 1, ケース 1, 相談記録 1, 同意 1, 同意書スキャン 1, 家族・関係者 1"
    assert counts in out.getvalue()
    with scopes_disabled():
        assert Person.objects.count() == 2 and not DeletionRecord.objects.exists()
    out = io.StringIO()
    call_command("retention", "apply", "--municipality", "232297", stdout=out)
    assert "削除記録 #" in out.getvalue()
    with scopes_disabled():
        assert list(Person.objects.values_list("name", flat=True)) == ["他市"]
        [record] = DeletionRecord.objects.all()
    assert record.municipality == personas.municipality
    assert record.performed_by.startswith("tsunagu retention apply (")


def test_an_unknown_municipality_code_is_an_error(db: None) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="999999"):
        call_command("retention", "list", "--municipality", "999999")


def test_it_deletes_in_batches_with_the_same_result(
    personas: Personas, supported_long_ago: Person, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tsunagu.retention import services as retention_services

    monkeypatch.setattr(retention_services, "BATCH", 1)
    old = [make_consultation(personas.municipality) for _ in range(3)]
    with scope(municipality=personas.municipality):
        Consultation.objects.filter(pk__in=[c.pk for c in old]).update(occurred_at=LONG_AGO)
    _due, record = _apply(personas.municipality)
    assert record is not None
    assert record.counts["consultations"] == 4 and record.counts["persons"] == 1
    with scopes_disabled():
        assert not Consultation.objects.filter(municipality=personas.municipality).exists()
    for entry in LogEntry.objects.all():
        assert "山田" not in json.dumps([entry.object_repr, entry.changes], ensure_ascii=False)


def test_a_case_booked_on_a_consultation_day_goes_with_its_bookings(
    personas: Personas, supported_long_ago: Person
) -> None:
    from datetime import time, timedelta

    from tsunagu.places import services as place_services
    from tsunagu.places.models import Booking

    with scope(municipality=personas.municipality):
        case = Case.objects.get(person=supported_long_ago)
        day = place_services.place_create(
            actor=None,
            municipality_id=personas.municipality.pk,
            name="相談日",
            kind="consultation",
            rules=[place_services.RuleIn("FREQ=DAILY", time(13), time(14), "keep")],
            starts_on=date(2015, 6, 1),
        )
        place_services.sessions_ensure(day, date(2015, 6, 1) + timedelta(days=1))
        session = day.sessions.select_related("place").first()
        assert session is not None
        place_services.booking_create(
            actor=None,
            session=session,
            start=time(13),
            case=case,
            professional=personas.members["professional"],
        )
    _apply(personas.municipality)
    with scopes_disabled():
        assert not Case.objects.filter(pk=case.pk).exists()
        assert not Booking.objects.exists()
