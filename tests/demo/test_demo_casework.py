"""The demo's casework: the seed's figures exactly, every stage, consent, and today's follow-ups."""

from collections import Counter
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from django.db import transaction
from django.test import Client, override_settings
from django.utils import timezone
from django_scopes import scopes_disabled
from pytest_django import DjangoDbBlocker

from tsunagu.accounts.services import api_token_create
from tsunagu.cases.codes import Stage
from tsunagu.cases.models import Case, CaseAssignment, PlanItem, RiskFlag, StageTransition
from tsunagu.consultations.models import Consultation
from tsunagu.core.eras import date_range_bounds
from tsunagu.demo.services import demo_load
from tsunagu.network.models import (
    ActionItem,
    Meeting,
    MeetingBody,
    MeetingSeries,
    Notification,
    PartnerProfile,
    Referral,
    ReferralEvent,
)
from tsunagu.people.models import Consent, FamilyMember, Person
from tsunagu.policy import visible
from tsunagu.reports.models import ReportingGroup
from tsunagu.reports.selectors import consultation_statistics
from tsunagu.supporters.models import DispatchRequest, Supporter
from tsunagu.tenancy.models import Membership, Municipality

# The deck's figures as the acceptance check reads them: code, period, exact channels,
# channels counted together, total.
SEED = {
    "toyoake": (
        "232297",
        date(2018, 4, 1),
        date(2018, 12, 31),
        {"phone": 153, "walk_in": 85},
        ({"email", "letter", "other"}, 26),
        264,
    ),
    "soja": (
        "332089",
        date(2018, 4, 1),
        date(2019, 3, 31),
        {"phone": 766, "home_visit": 518, "walk_in": 855},
        ({"email", "letter", "other"}, 190),
        2329,
    ),
    "ube": (
        "352021",
        date(2018, 4, 1),
        date(2018, 12, 31),
        {"phone": 378, "walk_in": 114},
        (set(), 0),
        492,
    ),
    "miyoshi": (
        "362085",
        date(2018, 4, 1),
        date(2018, 12, 31),
        {"phone": 64, "walk_in": 34},
        ({"email", "letter", "agency", "other"}, 107),
        205,
    ),
}
CODES = [code for code, *_ in SEED.values()]
# The demo loads once per module (below): under xdist its tests share one worker.
pytestmark = pytest.mark.xdist_group("demo_casework")
CASEWORK = [
    Person,
    FamilyMember,
    Case,
    CaseAssignment,
    StageTransition,
    PlanItem,
    RiskFlag,
    Consent,
    Consultation,
    ReportingGroup,
    Referral,
    ReferralEvent,
    PartnerProfile,
    Meeting,
    MeetingBody,
    ActionItem,
    Supporter,
    DispatchRequest,
]


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[None]:
    """Load the demo once for the module, inside a transaction rolled back afterwards."""
    with (
        django_db_blocker.unblock(),
        pytest.MonkeyPatch.context() as patch,
        override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]),
        transaction.atomic(),
    ):
        patch.setenv("TSUNAGU_DEMO_PASSWORD", "demo-pass-for-tests")
        demo_load()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def unscoped(demo: None, db: None) -> Iterator[None]:
    with scopes_disabled():
        yield


def in_period(code: str, start: date, end: date) -> "list[Consultation]":
    low, high = date_range_bounds(start, end)
    return list(
        Consultation.objects.filter(
            municipality__code=code, occurred_at__gte=low, occurred_at__lt=high
        )
    )


def number(figure: int | None) -> int:
    """A figure of the staff's statistics, which withhold nothing."""
    assert figure is not None
    return figure


def member(code: str, role: str) -> Membership:
    return Membership.objects.get(municipality__code=code, role=role)


@pytest.mark.parametrize("city", SEED)
def test_it_reproduces_the_seed_figures_of_each_city_exactly(unscoped: None, city: str) -> None:
    code, start, end, exact, (summed, summed_total), total = SEED[city]
    by_channel = Counter(c.channel for c in in_period(code, start, end))
    assert {channel: by_channel[channel] for channel in exact} == exact
    assert sum(by_channel[channel] for channel in summed) == summed_total
    assert sum(by_channel.values()) == total
    assert set(by_channel) <= set(exact) | summed


@pytest.mark.parametrize("city", SEED)
def test_the_statistics_report_the_seed_figures(unscoped: None, city: str) -> None:
    code, start, end, exact, (summed, summed_total), total = SEED[city]
    municipality = Municipality.objects.get(code=code)
    stats = consultation_statistics(municipality=municipality, start=start, end=end)
    assert {channel: stats.by_channel[channel] for channel in exact} == exact
    assert sum(number(stats.by_channel[channel]) for channel in summed) == summed_total
    assert stats.total == total
    assert 0 < number(stats.people) < total
    assert sum(number(month.total) for month in stats.by_month) == total
    assert all(number(month.total) > 0 for month in stats.by_month)
    assert [(g.name, g.total) for g in stats.groups] == {
        "toyoake": [("その他（メール・手紙）", 26)],
        "soja": [("その他", 190)],
        "ube": [],
        "miyoshi": [("その他（メール・関係機関）", 107)],
    }[city]


@pytest.mark.parametrize("city", SEED)
def test_the_statistics_api_answers_what_the_acceptance_check_reads(
    demo: None, db: None, client: Client, city: str
) -> None:
    code, start, end, exact, (summed, summed_total), total = SEED[city]
    with scopes_disabled():
        _, token = api_token_create(membership=member(code, "lead"))
    response = client.get(
        f"/api/v1/m/{code}/stats/consultations?from={start}&to={end}",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )
    assert response.status_code == 200
    body = response.json()
    assert {channel: body["by_channel"][channel] for channel in exact} == exact
    assert sum(body["by_channel"][channel] for channel in summed) == summed_total
    assert body["total"] == total


def test_the_seed_totals_are_those_of_the_deck(unscoped: None) -> None:
    totals = [len(in_period(code, start, end)) for code, start, end, *_ in SEED.values()]
    assert totals == [264, 2329, 492, 205]


def test_the_seed_consultations_fall_on_office_days_across_every_month(unscoped: None) -> None:
    consultations = in_period("332089", date(2018, 4, 1), date(2019, 3, 31))
    local = [timezone.localtime(c.occurred_at) for c in consultations]
    months = {moment.strftime("%Y-%m") for moment in local}
    assert months == {f"2018-{m:02d}" for m in range(4, 13)} | {"2019-01", "2019-02", "2019-03"}
    assert all(moment.weekday() < 5 and 9 <= moment.hour < 17 for moment in local)
    assert {c.local_month for c in consultations} == {m.strftime("%Y-%m") for m in local}


def test_people_are_fewer_than_contacts_and_many_contacts_name_nobody(unscoped: None) -> None:
    for code, start, end, *_ in SEED.values():
        consultations = in_period(code, start, end)
        people = {c.person_id for c in consultations if c.person_id}
        without_person = [c for c in consultations if c.person_id is None]
        assert 3 <= len(people) < len(consultations)
        assert 0 < len(without_person) < len(consultations)
    consulters = Counter(c.consulter for c in Consultation.objects.all())
    assert consulters.most_common(1)[0][0] == "family"
    assert consulters["self"] > consulters["agency"] > 0 and consulters["anonymous"] > 0


@pytest.mark.parametrize("code", CODES)
def test_every_stage_is_present_in_every_city(unscoped: None, code: str) -> None:
    cases = Case.objects.filter(municipality__code=code)
    assert set(cases.values_list("stage", flat=True)) == set(Stage.values)
    assert all(c.closure_reason for c in cases.filter(stage=Stage.CLOSED))
    reopened = StageTransition.objects.filter(case__in=cases, from_stage=Stage.CLOSED)
    assert reopened.count() == 1
    assert 10 <= Person.objects.filter(municipality__code=code).count() <= 20
    assert Person.objects.filter(municipality__code=code, name="").exists()


@pytest.mark.parametrize("code", CODES)
def test_cases_carry_history_plans_and_risks(unscoped: None, code: str) -> None:
    today = timezone.localdate()
    cases = Case.objects.filter(municipality__code=code)
    moved = StageTransition.objects.filter(case__in=cases).exclude(from_stage="")
    assert moved.filter(to_stage=Stage.PARTICIPATION).exists()
    assert all(t.at <= timezone.now() for t in moved)
    open_items = PlanItem.objects.filter(case__in=cases, done_on__isnull=True)
    assert open_items.filter(review_on__lt=today).exists()
    assert open_items.filter(review_on__range=(today, today + timedelta(7))).exists()
    flags = RiskFlag.objects.filter(case__in=cases)
    assert flags.filter(cleared_at__isnull=True).exists()
    assert flags.filter(cleared_at__isnull=False).count() == 1
    assert cases.filter(goal__isnull=False).exists()


@pytest.mark.parametrize("code", CODES)
def test_an_unshared_case_is_the_leads_alone(unscoped: None, code: str) -> None:
    unshared = Case.objects.get(municipality__code=code, is_shared=False)
    assert [a.membership.role for a in unshared.assignments.all()] == ["lead"]
    assert unshared not in visible(member(code, "counselor"), Case)
    assert unshared in visible(member(code, "lead"), Case)
    shared = Case.objects.filter(municipality__code=code, is_shared=True)
    primaries = CaseAssignment.objects.filter(case__in=shared, is_primary=True)
    assert {a.membership.role for a in primaries} == {"counselor"}


@pytest.mark.parametrize("code", CODES)
def test_the_partner_sees_some_but_not_all_persons(unscoped: None, code: str) -> None:
    partner = member(code, "partner")
    seen = visible(partner, Person).count()
    assert 2 <= seen <= 4
    assert seen < Person.objects.filter(municipality__code=code).count()
    expired = Consent.objects.get(municipality__code=code, valid_until__lt=timezone.localdate())
    assert expired.person not in visible(partner, Person)
    assert list(expired.organizations.all()) == [partner.organization]


@pytest.mark.parametrize("code", CODES)
def test_the_counselor_has_follow_ups_due_today_and_overdue(unscoped: None, code: str) -> None:
    today = timezone.localdate()
    counselor = member(code, "counselor")
    mine = visible(counselor, Consultation).filter(staff=counselor)
    assert mine.filter(next_action_on=today).count() >= 2
    assert mine.filter(next_action_on__lt=today).exists()
    assert mine.filter(next_action_on__gt=today).exists()
    assert all(c.occurred_at < timezone.now() for c in mine.filter(next_action_on__isnull=False))
    recent = Consultation.objects.filter(
        municipality__code=code, occurred_at__date__gte=today - timedelta(56)
    )
    assert recent.count() >= 20


def test_each_city_reports_its_own_groups(unscoped: None) -> None:
    groups = {
        (g.municipality.code, g.name): sorted(g.channels) for g in ReportingGroup.objects.all()
    }
    assert groups == {
        ("232297", "その他（メール・手紙）"): ["email", "letter"],
        ("332089", "その他"): ["email", "letter", "other"],
        ("362085", "その他（メール・関係機関）"): ["agency", "email"],
    }


def test_loading_again_adds_nothing(unscoped: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TSUNAGU_DEMO_PASSWORD", "demo-pass-for-tests")
    before = {model.__name__: model.objects.count() for model in CASEWORK}
    demo_load()
    after = {model.__name__: model.objects.count() for model in CASEWORK}
    assert after == before
    assert Municipality.objects.count() == 4


def test_a_city_with_casework_already_gets_none_added(unscoped: None) -> None:
    from tsunagu.demo.casework import casework_load
    from tsunagu.demo.data import MUNICIPALITIES

    toyoake = Municipality.objects.get(code="232297")
    count = Consultation.objects.filter(municipality=toyoake).count()
    assert casework_load(MUNICIPALITIES[0], toyoake) is False
    assert Consultation.objects.filter(municipality=toyoake).count() == count


@pytest.mark.parametrize("code", CODES)
def test_each_city_refers_to_hello_work_saposute_health_centers_and_clinics_with_feedback(
    unscoped: None, code: str
) -> None:
    from tsunagu.network.selectors import referrals_awaiting_answer

    referrals = Referral.objects.filter(municipality__code=code)
    destinations = set(referrals.values_list("destination", flat=True))
    assert {"hello_work", "health_center", "medical"} <= destinations
    answered = ReferralEvent.objects.filter(referral__in=referrals).exclude(note=None)
    assert answered.exists()
    assert set(referrals.values_list("status", flat=True)) >= {"accepted", "declined"}
    assert list(referrals_awaiting_answer(member(code, "lead"))), "one waits for an answer"
    assert PartnerProfile.objects.filter(municipality__code=code).count() >= 6


def test_each_city_holds_the_meetings_of_the_deck_as_series(unscoped: None) -> None:
    from django.utils import translation

    today = timezone.localdate()
    soja = MeetingBody.objects.get(municipality__code="332089", kind="committee")
    assert soja.organizations.count() == 11
    assert sorted(soja.working_groups.values_list("name", flat=True)) == sorted(
        ["支援者養成WG", "事例検討WG", "社会参加WG"]
    )
    rules = {
        (s.municipality.code, s.title): s
        for s in MeetingSeries.objects.select_related("municipality")
    }
    with translation.override("ja"):
        said = {key: s.describe().split(" ")[0] for key, s in rules.items()}
    assert said[("332089", "検討委員会")] == "隔月第3水曜"
    assert said[("352021", "相談機関連絡会議")] == "毎月第2火曜"
    assert said[("362085", "週次打ち合わせ")] == "毎週月曜"
    assert said[("362085", "運営会議")] == "毎月第1水曜"
    assert said[("362085", "事例検討会")] == "3か月ごと第3金曜"

    def held(code: str, title: str) -> list[Meeting]:
        return list(Meeting.objects.filter(series=rules[(code, title)], held_on__lt=today))

    # A year of meetings held (fewer where a holiday fell on the day), and the next ones ahead.
    committee = held("332089", "検討委員会")
    assert 5 <= len(committee) <= 6 and {m.held_on.weekday() for m in committee} == {2}
    assert 11 <= len(held("352021", "相談機関連絡会議")) <= 12
    assert 5 <= len(held("362085", "週次打ち合わせ")) <= 8
    assert 11 <= len(held("362085", "運営会議")) <= 12
    assert 3 <= len(held("362085", "事例検討会")) <= 4
    for series in rules.values():
        assert Meeting.objects.filter(series=series, held_on__gte=today).exists(), series
    # No hand-made meeting lists: every meeting comes from a series, but tomorrow's extra one.
    assert not Meeting.objects.filter(series=None).exclude(held_on=today + timedelta(days=1))
    for code in CODES:
        items = ActionItem.objects.filter(municipality__code=code)
        assert items.filter(done_at__isnull=True).exists() and items.exclude(done_at=None).exists()


@pytest.mark.parametrize("code", CODES)
def test_demo_users_find_notices_in_their_bell(unscoped: None, code: str) -> None:
    """A referral answered, an action item due, a meeting tomorrow, a risk on my case."""
    notices = Notification.objects.filter(municipality__code=code, recipient__user__is_demo=True)
    kinds = set(notices.values_list("kind", flat=True))
    assert kinds >= {"referral_answered", "action_due", "meeting_tomorrow", "risk_flag"}
    counselor = member(code, "counselor")
    assert Notification.objects.filter(recipient=counselor, read_at=None).exists()


@pytest.mark.parametrize("code", CODES)
def test_each_city_has_supporters_and_requests_for_matching_to_work_on(
    unscoped: None, code: str
) -> None:
    from tsunagu.supporters.selectors import matching_run

    lead = member(code, "lead")
    assert Supporter.objects.filter(municipality=lead.municipality, status="active").count() == 3
    result = matching_run(viewer=lead)
    assert result.proposals, "some open request can be matched"
    # The request from outside every supporter's areas stays unmatched, and says so.
    assert any("市外" in why for _request, why in result.unmatched)
    supporter = member(code, "supporter")
    assert Supporter.objects.get(membership=supporter).dispatches.count() == 1
    # The monthly meeting: the supporter sees the coming ones; last month's has who came.
    from django.utils import timezone

    from tsunagu.supporters.selectors import meeting_attendance, supporter_meetings

    today = timezone.localdate()
    assert len(supporter_meetings(viewer=supporter, since=today)) == 2
    past = supporter_meetings(viewer=lead, since=today - timedelta(days=60)).first()
    assert past is not None
    assert len(meeting_attendance(viewer=lead, meetings=[past.pk])[past.pk]) == 2
