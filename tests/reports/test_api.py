from collections.abc import Callable
from typing import TYPE_CHECKING

import pytest
from django.test import Client

from tests.conftest import Personas
from tests.reports.conftest import Consult
from tsunagu.consultations.codes import Channel
from tsunagu.people.models import Person
from tsunagu.reports.models import ReportingGroup

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse

ALLOWED = ["admin", "lead", "counselor", "committee"]
REFUSED = ["place_staff", "partner", "professional"]


def get(
    personas: Personas,
    role: str = "lead",
    query: str = "fiscal_year=2018",
    *,
    outsider_code: bool = False,
    token: str | None = None,
) -> "_MonkeyPatchedWSGIResponse":
    code = personas.outsider.code if outsider_code else personas.municipality.code
    headers = {"Authorization": f"Bearer {token or personas.token(role)}"}
    return Client().get(f"/api/v1/m/{code}/stats/consultations?{query}", headers=headers)


def test_it_answers_the_contract_shape(
    personas: Personas, consult: Consult, person: Callable[..., Person]
) -> None:
    taro = person()
    consult("2018-04-02 10:00", "phone", "family", person=taro)
    consult("2018-06-02 10:00", "walk_in", "self", person=taro)
    consult("2018-06-03 10:00", "email", "anonymous")
    response = get(personas, query="from=2018-04-01&to=2018-12-31")
    assert response.status_code == 200
    body = response.json()
    assert body["from"] == "2018-04-01" and body["to"] == "2018-12-31"
    assert body["total"] == 3 and body["people"] == 1
    assert body["by_channel"] == {
        code: {"phone": 1, "walk_in": 1, "email": 1}.get(code, 0) for code in Channel.values
    }
    assert body["by_consulter"]["family"] == 1 and body["by_consulter"]["agency"] == 0
    assert [m["month"] for m in body["by_month"]] == [f"2018-{n:02d}" for n in range(4, 13)]
    june = body["by_month"][2]
    assert june == {
        "month": "2018-06",
        "total": 2,
        "by_channel": {c: {"walk_in": 1, "email": 1}.get(c, 0) for c in Channel.values},
    }
    assert all(isinstance(v, int) for v in body["by_channel"].values())


def test_a_fiscal_year_runs_from_april_to_march(personas: Personas) -> None:
    body = get(personas, query="fiscal_year=2018").json()
    assert body["from"] == "2018-04-01" and body["to"] == "2019-03-31"
    assert len(body["by_month"]) == 12
    assert body["by_month"][-1]["month"] == "2019-03"


def test_the_fiscal_year_edge_is_midnight_in_tokyo(personas: Personas, consult: Consult) -> None:
    consult("2019-03-31 23:59", "phone")
    consult("2019-04-01 00:00", "walk_in")
    fy2018 = get(personas, query="fiscal_year=2018").json()
    fy2019 = get(personas, query="fiscal_year=2019").json()
    assert fy2018["total"] == 1 and fy2018["by_channel"]["phone"] == 1
    assert fy2018["by_month"][-1] == {**fy2018["by_month"][-1], "month": "2019-03", "total": 1}
    assert fy2019["total"] == 1 and fy2019["by_channel"]["walk_in"] == 1
    assert fy2019["by_month"][0]["month"] == "2019-04" and fy2019["by_month"][0]["total"] == 1


def test_it_adds_the_municipalitys_reporting_groups(
    personas: Personas, consult: Consult, mail_and_letters: ReportingGroup
) -> None:
    consult("2018-04-02 10:00", "email")
    consult("2018-04-03 10:00", "letter")
    consult("2018-04-03 11:00", "phone")
    body = get(personas).json()
    assert body["groups"] == [
        {"name": "その他（メール・手紙）", "channels": ["email", "letter"], "total": 2, "people": 0}
    ]


def test_the_committee_gets_small_counts_as_null_and_no_way_to_work_them_out(
    personas: Personas, consult: Consult
) -> None:
    consult("2018-04-02 10:00", "phone")
    for _ in range(9):
        consult("2018-05-02 10:00", "walk_in")
    body = get(personas, "committee").json()
    assert body["by_channel"]["phone"] is None
    assert body["by_month"][0]["by_channel"]["phone"] is None
    # With the total shown, the phone count would be the total less the other channels.
    withheld = [c for c, n in body["by_channel"].items() if n is None]
    assert body["total"] is None or len(withheld) >= 2
    assert 1 not in body["by_channel"].values()
    assert get(personas, "lead").json()["by_channel"]["phone"] == 1


def test_main_concern_age_and_gender_tables_add_up_for_the_center(
    personas: Personas, consult: Consult, person: Callable[..., Person]
) -> None:
    consult("2018-04-02 10:00", main_concern="hardship", person=person())
    consult("2018-04-03 10:00", subject_age_band="20_29", subject_gender="male")
    consult("2018-04-04 10:00", subject_age_band="20_29")
    body = get(personas, "lead").json()
    assert body["by_main_concern"]["hardship"] == 1 and body["by_main_concern"][""] == 2
    assert body["unlinked_total"] == 2
    assert body["unlinked_by_age_band"]["20_29"] == 2 and body["unlinked_by_age_band"][""] == 0
    assert body["unlinked_by_gender"] == {
        code: {"male": 1, "": 1}.get(code, 0) for code in body["unlinked_by_gender"]
    }


def test_the_committee_gets_main_concern_age_and_gender_protected(
    personas: Personas, consult: Consult
) -> None:
    # 2 about hardship (both unlinked, in their 20s), 9 without a main concern; every figure
    # of 1-4 is null in the committee's answer, and so is enough else to hide it.
    for _ in range(2):
        consult("2018-04-02 10:00", main_concern="hardship", subject_age_band="20_29")
    for _ in range(9):
        consult("2018-05-02 10:00", "walk_in", subject_gender="female")
    exact = get(personas, "lead").json()
    body = get(personas, "committee").json()
    assert exact["by_main_concern"]["hardship"] == 2
    assert body["by_main_concern"]["hardship"] is None
    assert body["unlinked_by_age_band"]["20_29"] is None
    assert body["unlinked_by_gender"][""] is None
    shown = [
        *body["by_main_concern"].values(),
        *body["unlinked_by_age_band"].values(),
        *body["unlinked_by_gender"].values(),
    ]
    assert not any(n is not None and 1 <= n <= 4 for n in shown)
    # The 主訴 table adds up to the grand total: with it shown, one null would give itself away.
    concerns_withheld = [c for c, n in body["by_main_concern"].items() if n is None]
    assert body["total"] is None or len(concerns_withheld) >= 2
    ages_withheld = [c for c, n in body["unlinked_by_age_band"].items() if n is None]
    assert body["unlinked_total"] is None or len(ages_withheld) >= 2


def test_the_committee_gets_whole_fiscal_years_only(personas: Personas, consult: Consult) -> None:
    # Two ranges that differ by one day would give that day's count by subtraction.
    response = get(personas, "committee", query="from=2018-04-01&to=2018-04-01")
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "fiscal_year"
    assert get(personas, "lead", query="from=2018-04-01&to=2018-04-01").status_code == 200


@pytest.mark.parametrize("role", ALLOWED)
def test_each_role_that_sees_statistics_gets_them(personas: Personas, role: str) -> None:
    assert get(personas, role).status_code == 200


@pytest.mark.parametrize("role", REFUSED)
def test_other_roles_are_refused_with_403(personas: Personas, role: str) -> None:
    response = get(personas, role)
    assert response.status_code == 403
    assert "detail" in response.json()


def test_another_municipality_answers_404(personas: Personas, consult: Consult) -> None:
    consult("2018-04-02 10:00", "phone", municipality=personas.outsider)
    response = get(personas, "admin", outsider_code=True)
    assert response.status_code == 404
    assert "total" not in response.json()


def test_it_needs_a_token(personas: Personas) -> None:
    code = personas.municipality.code
    response = Client().get(f"/api/v1/m/{code}/stats/consultations?fiscal_year=2018")
    assert response.status_code == 401
    assert get(personas, token="not-a-token").status_code == 401


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("", "from"),
        ("from=2018-04-01", "to"),
        ("to=2018-12-31", "from"),
        ("from=2018-12-31&to=2018-04-01", "to"),
        ("fiscal_year=2018&from=2018-04-01&to=2018-12-31", "fiscal_year"),
        ("fiscal_year=2018&to=2018-12-31", "fiscal_year"),
        ("from=2010-04-01&to=2020-03-31", "to"),
        ("from=2018-4-1&to=2018-12-31", "from"),
        ("from=2018-02-30&to=2018-12-31", "from"),
        ("from=H30.4.1&to=2018-12-31", "from"),
        ("fiscal_year=abc", "fiscal_year"),
        ("fiscal_year=1800", "fiscal_year"),
    ],
)
def test_a_missing_or_contradictory_period_is_refused_naming_the_field(
    personas: Personas, query: str, field: str
) -> None:
    response = get(personas, query=query)
    assert response.status_code == 422
    body = response.json()
    assert body["detail"]
    assert field in [error["field"] for error in body["errors"]]


def test_five_years_is_the_longest_range(personas: Personas) -> None:
    assert get(personas, query="from=2015-04-01&to=2020-03-31").status_code == 200
    assert get(personas, query="from=2015-04-01&to=2020-04-01").status_code == 422


def test_the_openapi_schema_documents_the_statistics(personas: Personas) -> None:
    schema = Client().get("/api/v1/openapi.json").json()
    operation = schema["paths"]["/api/v1/m/{code}/stats/consultations"]["get"]
    names = {p["name"] for p in operation["parameters"]}
    assert {"from", "to", "fiscal_year"} <= names
