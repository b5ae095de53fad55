"""Who saw a person, what a member saw: lead and admin only, inside the municipality, as CSV."""

from typing import TYPE_CHECKING, Any

import pytest
from django_scopes import scopes_disabled

from tests.audit.conftest import Casework, at
from tests.conftest import Personas
from tsunagu.audit.models import AccessAction, AccessLogEntry
from tsunagu.audit.services import Seen, access_record
from tsunagu.tenancy.models import Membership

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

REFUSED = ["counselor", "professional", "place_staff", "partner", "committee"]


@pytest.fixture
def accesses(personas: Personas, casework: Casework) -> dict[str, AccessLogEntry]:
    """A counselor saw the person, their case, their consultation; a partner saw another case."""
    counselor = personas.members["counselor"]
    partner = personas.members["partner"]
    record = access_record
    return {
        "person": record(
            membership=counselor,
            action=AccessAction.VIEW,
            seen=[Seen("person", casework.person.pk, "assignment")],
            at=at(2026, 5, 1),
        ),
        "case": record(
            membership=counselor,
            action=AccessAction.LIST,
            seen=[
                Seen("case", casework.other_case.pk, "shared"),
                Seen("case", casework.case.pk, "assignment"),
            ],
            at=at(2026, 5, 10),
        ),
        "consultation": record(
            membership=counselor,
            action=AccessAction.EXPORT,
            seen=[Seen("consultation", casework.consultation.pk, "assignment")],
            at=at(2026, 6, 1),
        ),
        "other": record(
            membership=partner,
            action=AccessAction.VIEW,
            seen=[Seen("case", casework.other_case.pk, "consent:1")],
            at=at(2026, 5, 20),
        ),
    }


def person_url(personas: Personas, pk: int, suffix: str = "access/") -> str:
    return personas.url(f"audit/persons/{pk}/{suffix}")


def shown_seqs(response: "_MonkeyPatchedWSGIResponse") -> set[int]:
    return {row.entry.seq for row in response.context["rows"]}


def test_it_shows_every_access_to_the_person_their_cases_and_consultations(
    personas: Personas, casework: Casework, accesses: dict[str, AccessLogEntry]
) -> None:
    response = personas.client("lead").get(person_url(personas, casework.person.pk))
    assert response.status_code == 200
    seqs = shown_seqs(response)
    assert {accesses[k].seq for k in ("person", "case", "consultation")} <= seqs
    assert accesses["other"].seq not in seqs
    page = response.content.decode()
    assert "toyoake-counselor" in page and "/m/232297/" in page


def test_the_municipal_admin_may_read_it_too(
    personas: Personas, casework: Casework, accesses: dict[str, AccessLogEntry]
) -> None:
    response = personas.client("admin").get(person_url(personas, casework.person.pk))
    assert response.status_code == 200
    assert accesses["person"].seq in shown_seqs(response)


@pytest.mark.parametrize("role", REFUSED)
def test_other_roles_are_refused(personas: Personas, casework: Casework, role: str) -> None:
    client = personas.client(role)
    assert client.get(person_url(personas, casework.person.pk)).status_code == 403
    assert client.get(person_url(personas, casework.person.pk, "access.csv")).status_code == 403
    assert client.get(personas.url("audit/users/access/")).status_code == 403
    assert client.get(personas.url("audit/users/access.csv")).status_code == 403
    assert client.get(personas.url("audit/")).status_code == 403


def test_a_person_of_another_municipality_answers_404(
    personas: Personas, casework: Casework
) -> None:
    for role in ("lead", "admin"):
        client = personas.client(role)
        assert client.get(person_url(personas, casework.foreign_person.pk)).status_code == 404
        url = person_url(personas, casework.foreign_person.pk, "access.csv")
        assert client.get(url).status_code == 404


def test_another_municipalitys_audit_pages_answer_404(
    personas: Personas, casework: Casework
) -> None:
    client = personas.client("lead")
    assert client.get(personas.url("audit/", outsider=True)).status_code == 404
    url = personas.url(f"audit/persons/{casework.foreign_person.pk}/access/", outsider=True)
    assert client.get(url).status_code == 404


def test_looking_is_itself_logged_with_the_audit_basis(
    personas: Personas, casework: Casework
) -> None:
    personas.client("admin").get(person_url(personas, casework.person.pk))
    with scopes_disabled():
        entry = AccessLogEntry.objects.filter(username="toyoake-admin").latest("seq")
    assert entry.action == AccessAction.VIEW
    assert entry.objects_seen == [{"type": "person", "id": casework.person.pk, "basis": "audit"}]


def test_the_person_csv_is_utf8_with_a_bom_for_excel(
    personas: Personas, casework: Casework, accesses: dict[str, AccessLogEntry]
) -> None:
    response = personas.client("lead").get(person_url(personas, casework.person.pk, "access.csv"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    body = response.content
    assert body.startswith("\ufeff".encode())
    text = body.decode("utf-8-sig")
    lines = text.strip().splitlines()
    assert len(lines) == 1 + 3 + 1  # header, three accesses, and this export itself
    assert f"consultation:{casework.consultation.pk} (assignment)" in text
    assert "2026-05-01T10:00:00+09:00" in text
    with scopes_disabled():
        assert AccessLogEntry.objects.filter(action=AccessAction.EXPORT, username="toyoake-lead")


def test_a_person_is_found_by_number_from_the_audit_page(
    personas: Personas, casework: Casework
) -> None:
    response = personas.client("admin").get(
        personas.url("audit/"), {"number": casework.person.number}
    )
    assert response.status_code == 302
    assert response["Location"] == person_url(personas, casework.person.pk)


def test_an_unknown_number_stays_on_the_audit_page_with_an_error(
    personas: Personas, casework: Casework
) -> None:
    response = personas.client("admin").get(personas.url("audit/"), {"number": 999})
    assert response.status_code == 200
    assert response.context["person_form"].errors


def test_only_the_lead_is_offered_the_case_history(personas: Personas, casework: Casework) -> None:
    lead_page = personas.client("lead").get(personas.url("audit/"))
    admin_page = personas.client("admin").get(personas.url("audit/"))
    assert 'id="case-history-form"' in lead_page.content.decode()
    assert 'id="case-history-form"' not in admin_page.content.decode()
    response = personas.client("admin").get(personas.url("audit/"), {"case": casework.case.pk})
    assert response.status_code == 200


def member_query(
    member: Membership, start: str = "2026-05-01", end: str = "2026-05-31"
) -> dict[str, Any]:
    return {"member": member.pk, "start": start, "end": end}


def test_it_shows_what_a_member_saw_in_a_period(
    personas: Personas, casework: Casework, accesses: dict[str, AccessLogEntry]
) -> None:
    counselor = personas.members["counselor"]
    for role in ("lead", "admin"):
        response = personas.client(role).get(
            personas.url("audit/users/access/"), member_query(counselor)
        )
        assert response.status_code == 200
        # 2026-06-01 is after the period; the partner's access is someone else's.
        assert shown_seqs(response) == {accesses["person"].seq, accesses["case"].seq}


def test_the_last_day_of_the_period_counts_whole_in_tokyo_time(
    personas: Personas, casework: Casework, accesses: dict[str, AccessLogEntry]
) -> None:
    counselor = personas.members["counselor"]
    response = personas.client("lead").get(
        personas.url("audit/users/access/"), member_query(counselor, "2026-06-01", "2026-06-01")
    )
    assert shown_seqs(response) == {accesses["consultation"].seq}


def test_a_member_of_another_municipality_cannot_be_chosen(
    personas: Personas, casework: Casework, accesses: dict[str, AccessLogEntry]
) -> None:
    outsider = personas.outsiders["counselor"]
    response = personas.client("lead").get(
        personas.url("audit/users/access/"), member_query(outsider)
    )
    assert response.status_code == 200
    assert response.context["form"].errors["member"]
    assert response.context["page"] is None


def test_a_period_ending_before_it_starts_is_refused(
    personas: Personas, casework: Casework
) -> None:
    counselor = personas.members["counselor"]
    response = personas.client("lead").get(
        personas.url("audit/users/access/"), member_query(counselor, "2026-05-31", "2026-05-01")
    )
    assert response.context["form"].errors["end"]


def test_the_member_csv_lists_the_period_and_is_logged(
    personas: Personas, casework: Casework, accesses: dict[str, AccessLogEntry]
) -> None:
    counselor = personas.members["counselor"]
    response = personas.client("admin").get(
        personas.url("audit/users/access.csv"), member_query(counselor)
    )
    assert response.status_code == 200
    assert response.content.startswith("\ufeff".encode())
    text = response.content.decode("utf-8-sig")
    assert len(text.strip().splitlines()) == 3
    assert f"person:{casework.person.pk} No.{casework.person.number} (assignment)" in text
    assert "toyoake-counselor-2026-05-01-2026-05-31" in response["Content-Disposition"]
    with scopes_disabled():
        entry = AccessLogEntry.objects.filter(username="toyoake-admin").latest("seq")
    assert entry.action == AccessAction.EXPORT
    assert entry.objects_seen == [{"type": "membership", "id": counselor.pk, "basis": "audit"}]


def test_the_navigation_offers_the_audit_screens_to_lead_and_admin_only(personas: Personas) -> None:
    audit = 'href="/m/232297/audit/"'
    assert audit in personas.client("lead").get(personas.url()).content.decode()
    assert audit in personas.client("admin").get(personas.url()).content.decode()
    assert audit not in personas.client("counselor").get(personas.url()).content.decode()
