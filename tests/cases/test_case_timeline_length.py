"""A case page shows the newest timeline entries and offers the older ones on request; only
what is shown is recorded as seen."""

from datetime import timedelta

from django.utils import timezone
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tests.people.helpers import make_case, make_consultation, make_person
from tsunagu.audit.models import AccessLogEntry
from tsunagu.cases.views import TIMELINE_SHOWN


def _consultations_seen(entry: AccessLogEntry) -> set[int]:
    return {o["id"] for o in entry.objects_seen if o["type"] == "consultation"}


def test_a_long_timeline_shows_the_newest_and_the_rest_on_request(personas: Personas) -> None:
    town = personas.municipality
    person = make_person(town)
    case = make_case(person, primary=personas.members["counselor"])
    now = timezone.now()
    made = [
        make_consultation(town, person=person, case=case, occurred_at=now - timedelta(days=d))
        for d in range(1, TIMELINE_SHOWN + 4)
    ]  # newest first, all older than the case's opening (its stage entry, now)
    client = personas.client("lead")

    page = client.get(personas.url(f"cases/{case.pk}/")).content.decode()
    assert page.count('data-kind="') == TIMELINE_SHOWN
    assert page.count('data-kind="stage"') == 1
    assert "古い記録をあと4件表示" in page and "all=1" in page
    with scopes_disabled():
        entry = AccessLogEntry.objects.filter(path=f"/m/{town.code}/cases/{case.pk}/").latest("pk")
        assert _consultations_seen(entry) == {c.pk for c in made[: TIMELINE_SHOWN - 1]}

    page = client.get(personas.url(f"cases/{case.pk}/?all=1")).content.decode()
    assert page.count('data-kind="consultation"') == TIMELINE_SHOWN + 3
    assert 'id="timeline-older"' not in page
    with scopes_disabled():
        entry = AccessLogEntry.objects.filter(path=f"/m/{town.code}/cases/{case.pk}/").latest("pk")
        assert _consultations_seen(entry) == {c.pk for c in made}

    # The kind filter keeps its kind when asking for the rest.
    page = client.get(personas.url(f"cases/{case.pk}/?kind=consultation")).content.decode()
    assert "kind=consultation&amp;all=1" in page
