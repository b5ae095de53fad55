"""The worker's housekeeping gives SQLite's query planner statistics, so it picks the index
that narrows a query most (a case's own) rather than any index on an equal column (the
municipality's, which holds every consultation of the town)."""

from django.db import connection
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tests.people.helpers import make_case, make_consultation, make_person
from tsunagu.consultations.models import Consultation
from tsunagu.core.jobs import housekeeping


def test_after_housekeeping_a_case_s_consultations_are_read_by_the_case_s_index(
    personas: Personas,
) -> None:
    town = personas.municipality
    person = make_person(town)
    case = make_case(person, primary=personas.members["counselor"])
    for _ in range(40):
        make_consultation(town)
    make_consultation(town, person=person, case=case)
    with scopes_disabled():
        of_the_case = Consultation.objects.filter(municipality=town, case=case).order_by()
        housekeeping()
        plan = of_the_case.explain()
        assert list(of_the_case.values_list("person_id", flat=True)) == [person.pk]
    if connection.vendor == "sqlite":
        assert "case_id" in plan, plan
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT COUNT(*) FROM sqlite_stat1 WHERE tbl = %s", [Consultation._meta.db_table]
            )
            assert cursor.fetchone()[0] > 0
