"""A case list row names its staff and open risks, read with the row in one query."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope

from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tsunagu.cases import selectors, services
from tsunagu.cases.models import Case


def test_a_row_names_its_staff_primary_first_and_its_open_risks_oldest_first(
    personas: Personas,
) -> None:
    counselor, lead = personas.members["counselor"], personas.members["lead"]
    # The primary assignment is written last, so it has the larger id of the two.
    case = make_case(make_person(personas.municipality), primary=counselor, others=[lead])
    quiet = make_case(make_person(personas.municipality))
    now = timezone.now()
    with scope(municipality=personas.municipality):
        for kind, days_ago in (("violence", 1), ("suicidal_ideation", 3), ("family_crisis", 5)):
            flag = services.risk_raise(
                actor=lead, case=case, kind=kind, at=now - timedelta(days=days_ago)
            )
        services.risk_clear(actor=lead, flag=flag, note="落ち着いた", at=now)
        page = Case.objects.filter(pk__in=[case.pk, quiet.pk]).order_by("pk")
        with CaptureQueriesContext(connection) as queries:
            rows = {row.pk: row for row in selectors.case_rows(page)}
    assert len(queries.captured_queries) == 1
    assert rows[case.pk].staff == [(str(counselor.user), True), (str(lead.user), False)]
    # Cleared risks are not shown; the kind is decrypted from its column.
    assert [kind for kind, _ in rows[case.pk].risks] == ["suicidal_ideation", "violence"]
    assert rows[quiet.pk].staff == [] and rows[quiet.pk].risks == []
