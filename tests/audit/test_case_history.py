"""A lead reads a case's change history; encrypted values never appear, other tenants never."""

import pytest
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.db import connection
from django_scopes import scope, scopes_disabled
from encrypted_fields.fields import EncryptedFieldMixin

from tests.audit.conftest import GOAL, RISK_DETAIL, Casework
from tests.conftest import Personas
from tsunagu.audit.history import HISTORY_MODELS, MASK
from tsunagu.audit.models import AccessLogEntry, ChangeRecord
from tsunagu.cases import services as cases
from tsunagu.people.services import consent_record


def history_url(personas: Personas, case_pk: int, *, outsider: bool = False) -> str:
    return personas.url(f"audit/cases/{case_pk}/history/", outsider=outsider)


def test_it_shows_the_lead_every_change_of_the_case_and_its_rows(
    personas: Personas, casework: Casework
) -> None:
    response = personas.client("lead").get(history_url(personas, casework.case.pk))
    assert response.status_code == 200
    page = response.content.decode()
    assert f'data-object="case:{casework.case.pk}"' in page
    assert f'data-object="riskflag:{casework.flag.pk}"' in page
    assert f'data-object="planitem:{casework.plan_item.pk}"' in page
    assert f'data-object="consultation:{casework.consultation.pk}"' in page
    for kind in ("caseassignment", "stagetransition", "planreview"):
        assert f'data-object="{kind}:' in page
    assert "toyoake-lead" in page


def test_it_leaves_out_other_cases_of_the_municipality(
    personas: Personas, casework: Casework
) -> None:
    page = personas.client("lead").get(history_url(personas, casework.case.pk)).content.decode()
    assert f'data-object="case:{casework.other_case.pk}"' not in page


def test_encrypted_values_are_masked_on_the_page_and_in_the_stored_history(
    personas: Personas, casework: Casework
) -> None:
    page = personas.client("lead").get(history_url(personas, casework.case.pk)).content.decode()
    assert GOAL not in page and RISK_DETAIL not in page
    assert MASK in page
    with connection.cursor() as cursor:
        cursor.execute("SELECT changes, object_repr FROM auditlog_logentry")
        stored = " ".join(str(v) for row in cursor.fetchall() for v in row)
    assert GOAL not in stored and RISK_DETAIL not in stored
    assert GOAL[: len(GOAL) // 2] not in stored  # not even auditlog's default half-mask


def test_a_change_of_an_encrypted_field_is_recorded_as_a_masked_change(
    personas: Personas, casework: Casework
) -> None:
    with scope(municipality=personas.municipality):
        cases.risk_clear(actor=personas.members["lead"], flag=casework.flag, note="落ち着いた")
    with scopes_disabled():
        entry = LogEntry.objects.get_for_object(casework.flag).order_by("-pk").first()
    # Changed, by whom and when; not even whether it was empty before (issue 13, item 8).
    assert entry.changes_dict["clear_note"] == [MASK, MASK]
    assert "落ち着いた" not in str(entry.changes)


def test_setting_and_clearing_an_encrypted_field_read_the_same_in_the_history(
    personas: Personas, casework: Casework
) -> None:
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        case = casework.case
        cases.case_update(actor=lead, case=case, goal="")  # cleared
        cases.case_update(actor=lead, case=case, goal="また外へ")  # written again
    with scopes_disabled():
        cleared, written = LogEntry.objects.get_for_object(case).order_by("-pk")[:2][::-1]
    assert cleared.changes_dict["goal"] == written.changes_dict["goal"] == [MASK, MASK]


def test_every_encrypted_field_of_every_tracked_model_is_masked(db: None) -> None:
    masked_somewhere = set()
    for label in HISTORY_MODELS:
        model = apps.get_model(label)
        assert auditlog.contains(model), label
        masked = set(auditlog.get_model_fields(model)["mask_fields"])
        encrypted = {f.name for f in model._meta.get_fields() if isinstance(f, EncryptedFieldMixin)}
        assert masked == encrypted, label
        masked_somewhere |= {f"{label}.{name}" for name in masked}
    assert {"cases.Case.goal", "people.Person.guideline_axes", "people.FamilyMember.phone"} <= (
        masked_somewhere
    )


def test_a_removed_assignment_stays_in_the_history(personas: Personas, casework: Casework) -> None:
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        cases.case_assign(actor=lead, case=casework.case, primary=lead, others=[])
    with scopes_disabled():
        deletions = LogEntry.objects.filter(
            action=LogEntry.Action.DELETE, tsunagu_records__case_ref=casework.case.pk
        )
        assert deletions.count() == 1
    page = personas.client("lead").get(history_url(personas, casework.case.pk)).content.decode()
    assert "toyoake-counselor" in page


def test_every_change_is_tied_to_its_municipality(personas: Personas, casework: Casework) -> None:
    with scopes_disabled():
        assert not LogEntry.objects.filter(tsunagu_records__isnull=True).exists()
        foreign = ChangeRecord.objects.filter(case_ref=casework.foreign_case.pk)
        assert foreign.exists()
        assert set(foreign.values_list("municipality_id", flat=True)) == {personas.outsider.pk}


def test_a_change_of_consent_recipients_is_recorded_in_the_municipality(
    personas: Personas, casework: Casework
) -> None:
    from datetime import date

    from tsunagu.tenancy.models import Organization

    with scope(municipality=personas.municipality):
        org = Organization.objects.get()
        consent = consent_record(
            actor=personas.members["lead"],
            person=casework.person,
            organizations=[org],
            purposes="就労支援のため",
            valid_from=date(2026, 4, 1),
            valid_until=None,
            form="written",
        )
    with scopes_disabled():
        entry = LogEntry.objects.get_for_object(consent).filter(changes__icontains="organizations")
        record = ChangeRecord.objects.get(log_entry__in=entry)
    assert record.municipality_id == personas.municipality.pk
    assert record.person_ref == casework.person.pk


def test_viewing_the_history_is_written_to_the_access_log(
    personas: Personas, casework: Casework
) -> None:
    personas.client("lead").get(history_url(personas, casework.case.pk))
    with scopes_disabled():
        entry = AccessLogEntry.objects.filter(username="toyoake-lead").latest("seq")
    assert entry.objects_seen == [{"type": "case", "id": casework.case.pk, "basis": "role"}]


@pytest.mark.parametrize("role", ["admin", "counselor", "professional", "committee", "partner"])
def test_it_refuses_every_role_but_the_lead(
    personas: Personas, casework: Casework, role: str
) -> None:
    response = personas.client(role).get(history_url(personas, casework.case.pk))
    assert response.status_code == 403


def test_a_case_of_another_municipality_answers_404(personas: Personas, casework: Casework) -> None:
    response = personas.client("lead").get(history_url(personas, casework.foreign_case.pk))
    assert response.status_code == 404


def test_another_municipalitys_address_answers_404(personas: Personas, casework: Casework) -> None:
    url = history_url(personas, casework.foreign_case.pk, outsider=True)
    assert personas.client("lead").get(url).status_code == 404


def test_a_change_through_the_api_names_the_tokens_user_in_the_history(personas: Personas) -> None:
    from django.test import Client
    from django_scopes import scope

    from tsunagu.people.models import Person

    token = personas.token("counselor")
    response = Client(headers={"Authorization": f"Bearer {token}"}).post(
        f"/api/v1/m/{personas.municipality.code}/persons",
        {"name": "架空 四郎"},
        content_type="application/json",
    )
    assert response.status_code == 201
    with scope(municipality=personas.municipality):
        person = Person.objects.get(name="架空 四郎")
    entry = LogEntry.objects.get_for_object(person).get()
    assert entry.actor == personas.members["counselor"].user
