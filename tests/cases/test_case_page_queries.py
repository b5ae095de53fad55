"""A case page reads what it shows in a fixed number of queries, however much the case holds:
the door's case is not read again, its risk flags are read once (the header's open ones and
the timeline's), a case's consultations in one query, and plan reviews only when it has plan
items. Every entry is still shown."""

from datetime import timedelta

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django_scopes import scope
from pytest_django import DjangoAssertNumQueries

from tests.conftest import Personas
from tests.people.helpers import make_case, make_consultation, make_person
from tsunagu.cases import services
from tsunagu.cases.models import Case

# The whole request: session, user, second factor and membership (4), the page's reads (15,
# with plan reviews), the access log's append (7 with its savepoint) and the session's save
# (3). Before, the page read the case twice, its risk flags twice and consultations in two
# queries: 33.
CASE_PAGE_QUERIES = 29


def _fill(personas: Personas, case: Case, n: int) -> None:
    town = personas.municipality
    lead = personas.members["lead"]
    now = timezone.now()
    for d in range(n):
        make_consultation(
            town, person=case.person, case=case, staff=lead, occurred_at=now - timedelta(days=d + 1)
        )
    make_consultation(town, person=case.person, occurred_at=now - timedelta(hours=5))  # un-cased
    with scope(municipality=town):
        for i in range(n):
            item = services.plan_item_add(actor=lead, case=case, what=f"面談{i}")
            services.plan_item_review(actor=lead, item=item, note=f"振り返り{i}")
            flag = services.risk_raise(actor=lead, case=case, kind="violence", detail=f"詳細{i}")
        services.risk_clear(actor=lead, flag=flag, note="落ち着いた")


def _page(personas: Personas, case: Case) -> tuple[str, int]:
    client = personas.client("lead")
    client.get(personas.url(f"cases/{case.pk}/"))  # the first request of a session differs
    with CaptureQueriesContext(connection) as queries:
        response = client.get(personas.url(f"cases/{case.pk}/"))
    assert response.status_code == 200
    return response.content.decode(), len(queries)


def test_a_case_page_reads_in_a_fixed_number_of_queries(
    personas: Personas, django_assert_max_num_queries: DjangoAssertNumQueries
) -> None:
    town = personas.municipality
    small = make_case(make_person(town), primary=personas.members["counselor"])
    large = make_case(make_person(town), primary=personas.members["counselor"])
    _fill(personas, small, 1)
    _fill(personas, large, 4)

    client = personas.client("lead")
    client.get(personas.url(f"cases/{small.pk}/"))
    with django_assert_max_num_queries(CASE_PAGE_QUERIES):
        client.get(personas.url(f"cases/{small.pk}/"))
    page, count = _page(personas, small)
    page, count_large = _page(personas, large)
    assert count_large == count
    # Every entry is shown: 4 + 1 consultations, 4 reviews, 4 risks raised and 1 cleared,
    # the opening's stage; 3 risks still open in the header.
    assert page.count('data-kind="consultation"') == 5
    assert page.count('data-kind="review"') == 4
    assert page.count('data-kind="risk"') == 5 and page.count("list-group-item-danger") == 4
    assert page.count('data-kind="stage"') == 1
    assert page.count('data-risk="violence"') == 3


def test_a_case_without_plan_items_does_not_read_plan_reviews(personas: Personas) -> None:
    town = personas.municipality
    case = make_case(make_person(town), primary=personas.members["counselor"])
    _, without = _page(personas, case)
    with scope(municipality=town):
        services.plan_item_add(actor=None, case=case, what="面談")
    _, with_item = _page(personas, case)
    assert with_item == without + 1
