"""Citus readiness: the main pages and API pin every tenant table to one municipality."""

from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.conftest import Personas
from tests.security.test_authorization_matrix import (  # noqa: F401  (world is a fixture)
    API,
    STAFF,
    world,
)
from tests.security.world import World, api_url, staff_url
from tsunagu.core.distribution import tenant_tables, unrouted


def _capture(personas: Personas, world: World) -> list[str]:  # noqa: F811
    """Every statement of every page a lead may open and every API read, as a lead."""
    statements: list[str] = []
    client = personas.client("lead")
    token = personas.token("lead")
    api = Client(headers={"Authorization": f"Bearer {token}"})
    code = personas.municipality.code
    urls = [
        staff_url(name, code, world)
        for name, row in sorted(STAFF.items())
        if row.method == "get" and row.expect["lead"] == 200
    ]
    api_urls = []
    for (method, path), row in sorted(API.items()):
        if method == "get" and row.expect["lead"] == 200:
            url = api_url(path, code, world)
            api_urls.append(url + ("?fiscal_year=2026" if "stats" in path else ""))
    for who, targets in ((client, urls), (api, api_urls)):
        for url in targets:
            with transaction.atomic(), CaptureQueriesContext(connection) as queries:
                assert who.get(url).status_code == 200, url
                transaction.set_rollback(True)
            statements += [q["sql"] for q in queries.captured_queries]
    return statements


# Statements whose main table is not pinned yet, each with what it takes (docs/citus.md).
# Citus runs them as multi-shard statements (correct, but on every node); a new one fails.
NOT_PINNED_YET = {
    # AccessChainHead.save(update_fields=…) updates by primary key (tsunagu/audit/services.py).
    "audit_accesschainhead",
    # A foreign key followed on an instance (consent.person): Django fetches by primary key.
    "people_person",
    # Supporters: a dispatch read with its request and supporter, the refusals of a request.
    "supporters_dispatchrequest",
    "supporters_dispatchrequest_refused",
    "supporters_supporter",
}
# Distributed tables joined on a foreign key only, not on municipality_id as well. Citus needs
# `citus.enable_repartition_joins` for them until the joins also match municipality_id.
JOINED_ON_A_FOREIGN_KEY_YET = {
    # Joined by the programme screens, the supporters' activity and the merged casework
    # pages (this session's merges); each join also needs municipality_id in its ON clause.
    "consultations_consultation",
    "people_familymember",
    "programmes_enrolment",
    "programmes_programme",
    "programmes_programmeattendance",
    "programmes_programmesession",
    "supporters_activitylog",
    "cases_case",
    "cases_case_family_members",
    "cases_planitem",
    "network_supportmeeting_cases",
    "people_consent_organizations",
    "people_person",
    # Joined on their foreign key alone by the newer apps' pages (docs/citus.md: each join
    # must also name municipality_id before the tables are distributed).
    "network_meeting",
    "network_meetingbody",
    "network_meetingbody_organizations",
    "network_partnerprofile",
    "network_supportmeeting",
    "people_consent",
    "places_attendance",
    "places_place",
    "places_session",
    "supporters_dispatch",
    "supporters_dispatchrequest",
    "supporters_dispatchrequest_refused",
    "supporters_supporter",
    "surveys_district",
}


def test_every_statement_on_a_tenant_table_is_pinned_to_one_municipality(
    personas: Personas,
    world: World,  # noqa: F811
) -> None:
    statements = _capture(personas, world)
    assert len(statements) > 200
    tenants = tenant_tables()
    found = [p for sql in statements for p in unrouted(sql, tenants)]
    assert sorted({str(p) for p in found if not p.joined and p.table not in NOT_PINNED_YET}) == []
    assert {p.table for p in found if p.joined} <= JOINED_ON_A_FOREIGN_KEY_YET


def test_the_check_finds_a_statement_that_is_not_pinned() -> None:
    tenants = tenant_tables()
    assert unrouted(
        'SELECT "cases_case"."id" FROM "cases_case" WHERE "cases_case"."id" = 1', tenants
    )
    assert not unrouted(
        'SELECT "cases_case"."id", "cases_case"."municipality_id" FROM "cases_case" '
        'WHERE "cases_case"."municipality_id" = 1',
        tenants,
    )
    assert unrouted('INSERT INTO "cases_case" ("person_id") VALUES (1)', tenants)
    assert not unrouted(
        'INSERT INTO "cases_case" ("municipality_id", "person_id") VALUES (1, 1)', tenants
    )
    [joined] = unrouted(
        'SELECT 1 FROM "cases_case" INNER JOIN "people_person" ON ("cases_case"."person_id" = '
        '"people_person"."id") WHERE "cases_case"."municipality_id" = 1',
        tenants,
    )
    assert (joined.table, joined.joined) == ("people_person", True)
    # Reference tables may be joined freely.
    assert not unrouted(
        'SELECT 1 FROM "cases_case" INNER JOIN "tenancy_membership" ON (1 = 1) '
        'WHERE "cases_case"."municipality_id" = 1',
        tenants,
    )
