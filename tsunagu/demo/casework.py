"""Load the demo's casework into one municipality: persons, cases, consents and consultations.

The consultations of each city's seed period reproduce the deck's figures exactly; the rest of
the timeline is relative to the day of loading, so follow-ups fall due today.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import jpholiday
from django.utils import timezone

from tsunagu.cases.codes import OPEN_STAGES, ClosureReason, Stage
from tsunagu.cases.models import Case, PlanItem
from tsunagu.cases.services import (
    case_change_stage,
    case_close,
    case_open,
    case_reopen,
    plan_item_add,
    plan_item_review,
    risk_clear,
    risk_raise,
)
from tsunagu.consultations.codes import Channel, Consulter
from tsunagu.consultations.models import Consultation
from tsunagu.consultations.services import consultation_build, consultation_bulk_create
from tsunagu.demo.data import DemoMunicipality
from tsunagu.demo.stories import (
    PARTNER_PURPOSES,
    RECENT_CHANNELS,
    RECENT_CONSULTATIONS,
    REPORTING_GROUPS,
    SEED_PERIODS,
    STORIES,
    DemoStory,
    SeedPeriod,
)
from tsunagu.people.models import FamilyMember, Person
from tsunagu.people.services import consent_record, family_member_create, person_create
from tsunagu.reports.models import ReportingGroup
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership, Municipality, Organization

TOKYO = ZoneInfo("Asia/Tokyo")

# Who consults, by channel: mostly family, then the person, then agencies and the community.
CONSULTERS: dict[str, dict[str, int]] = {
    Channel.PHONE: {"family": 50, "self": 22, "agency": 10, "community": 6, "anonymous": 10},
    Channel.WALK_IN: {"family": 50, "self": 38, "agency": 7, "community": 5},
    Channel.HOME_VISIT: {"family": 50, "self": 42, "community": 8},
    Channel.EMAIL: {"self": 45, "family": 40, "anonymous": 10, "agency": 5},
    Channel.LETTER: {"family": 60, "self": 35, "other": 5},
    Channel.AGENCY: {"agency": 100},
}
RELATIONS = {"mother": 60, "father": 25, "sibling": 10, "grandparent": 5}
MINUTES: dict[str, tuple[int, int]] = {
    Channel.PHONE: (10, 60),
    Channel.WALK_IN: (30, 90),
    Channel.HOME_VISIT: (60, 120),
    Channel.EMAIL: (10, 20),
    Channel.LETTER: (10, 20),
    Channel.AGENCY: (15, 45),
}
CHANNEL_WORDS: dict[str, str] = {
    Channel.PHONE: "電話",
    Channel.WALK_IN: "来所",
    Channel.HOME_VISIT: "訪問",
    Channel.EMAIL: "メール",
    Channel.LETTER: "手紙",
    Channel.AGENCY: "関係機関からの連絡",
}
RELATION_WORDS = {"mother": "母", "father": "父", "sibling": "きょうだい", "grandparent": "祖母"}
SUMMARIES = {
    "family": (
        "{who}より{ch}。本人の生活リズムと食事の様子を聞き取り。",
        "{who}より{ch}。本人への声かけの仕方について助言。",
        "{who}より{ch}。家族の疲れが強く、傾聴。",
        "{who}より{ch}。居場所・家族会について説明。",
    ),
    "self": (
        "本人と{ch}。最近の過ごし方を確認。",
        "本人より{ch}。居場所の利用について相談。",
        "本人と{ch}。次の目標を一緒に話し合う。",
    ),
    "agency": ("関係機関より{ch}。支援経過を共有。", "関係機関より{ch}。新規ケースのつなぎ。"),
    "community": ("民生委員より{ch}。地域で気になる世帯について。",),
    "anonymous": ("匿名の{ch}。家族のひきこもりについて相談先を知りたい。",),
    "other": ("{ch}。相談窓口の問い合わせ。",),
}
NEXT_ACTIONS = (
    "母に電話で様子を確認する",
    "居場所の見学日を調整して連絡する",
    "同行訪問の日程を関係機関と調整する",
    "本人あてに手紙を送る",
    "家族面談の予約を確認する",
    "次回の面談内容を係内で共有する",
)
# Days from today of the follow-ups each city's counselor finds on the home page.
FOLLOW_UP_OFFSETS = (0, 0, -2, -6, 3, 10)
STAGE_REASONS: dict[str, str] = {
    Stage.INDIVIDUAL: "本人と会えるようになり、個別面接を開始",
    Stage.GROUP: "居場所に通い始めた",
    Stage.TRIAL: "就労体験・ボランティアを試行",
    Stage.PARTICIPATION: "就職・通学が決まった",
}


@dataclass
class CityStaff:
    counselor: Membership
    lead: Membership
    partner: Membership | None


@dataclass
class Caseload:
    """One demo person as loaded, with when the center first met them."""

    story: DemoStory
    person: Person
    relatives: list[FamilyMember]
    first_contact: date
    case: Case | None = None
    staff: Membership | None = None
    consulting_relations: list[str] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        return self.case is None or self.case.stage != Stage.CLOSED


def _pick(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _at(day: date, rng: random.Random, start: int = 9, end: int = 17) -> datetime:
    """A moment in office hours (Asia/Tokyo), on the quarter hour."""
    minutes = rng.randrange(start * 60, end * 60, 15)
    return datetime.combine(day, time(minutes // 60, minutes % 60), tzinfo=TOKYO)


def _is_open_day(day: date, *, saturdays: bool = False) -> bool:
    if jpholiday.is_holiday(day) or (day.month, day.day) in {(12, 29), (12, 30), (12, 31)}:
        return False
    if (day.month, day.day) in {(1, 2), (1, 3)}:
        return False
    return day.weekday() < 5 or (saturdays and day.weekday() == 5)


def _open_days(first: date, last: date, **kwargs: bool) -> list[date]:
    days = [first + timedelta(n) for n in range((last - first).days + 1)]
    return [d for d in days if _is_open_day(d, **kwargs)]


def _near_open_day(day: date) -> date:
    while not _is_open_day(day):
        day -= timedelta(1)
    return day


def reporting_groups_load(demo: DemoMunicipality, municipality: Municipality) -> None:
    for position, (name, channels) in enumerate(REPORTING_GROUPS.get(demo.slug, ()), start=1):
        ReportingGroup.objects.get_or_create(
            municipality=municipality,
            name=name,
            defaults={"channels": list(channels), "position": position},
        )


def _staff(municipality: Municipality) -> CityStaff:
    members = {m.role: m for m in Membership.objects.filter(municipality=municipality)}
    return CityStaff(
        counselor=members[Role.COUNSELOR],
        lead=members[Role.LEAD],
        partner=members.get(Role.PARTNER),
    )


def casework_load(
    demo: DemoMunicipality, municipality: Municipality, *, today: date | None = None
) -> bool:
    """Load the casework once: False (and nothing written) when the city has casework already."""
    if (
        Person.objects.filter(municipality=municipality).exists()
        or Consultation.objects.filter(municipality=municipality).exists()
    ):
        return False
    today = today or timezone.localdate()
    rng = random.Random(f"tsunagu-demo-{demo.code}")
    staff = _staff(municipality)
    seed = SEED_PERIODS[demo.slug]
    caseloads = [
        _person_load(demo, municipality, story, n, rng, staff, seed, today)
        for n, story in enumerate(STORIES[demo.slug], start=1)
    ]
    for caseload in caseloads:
        if caseload.case is not None:
            _case_history(caseload, rng, staff, today)
    _consents_load(demo, municipality, caseloads, staff, today)
    consultations = _seed_consultations(demo, municipality, caseloads, rng, staff, seed)
    consultations += _recent_consultations(demo, municipality, caseloads, rng, staff, today)
    consultation_bulk_create(consultations=consultations)
    return True


def _first_contact(story: DemoStory, rng: random.Random, seed: SeedPeriod, today: date) -> date:
    if story.since_seed:
        # Early in the period, so the deck's consultations can name them for most of it.
        return _near_open_day(seed.start + timedelta(rng.randint(2, 100)))
    if not story.stage:
        return today - timedelta(rng.randint(10, 40))
    days_ago = {
        Stage.ENCOUNTER: (20, 80),
        Stage.INDIVIDUAL: (200, 700),
        Stage.GROUP: (400, 1100),
        Stage.TRIAL: (500, 1400),
        Stage.PARTICIPATION: (700, 1800),
        Stage.CLOSED: (800, 2000),
    }[Stage(story.stage)]
    return _near_open_day(today - timedelta(rng.randint(*days_ago)))


def _person_load(
    demo: DemoMunicipality,
    municipality: Municipality,
    story: DemoStory,
    n: int,
    rng: random.Random,
    staff: CityStaff,
    seed: SeedPeriod,
    today: date,
) -> Caseload:
    first_contact = _first_contact(story, rng, seed, today)
    withdrawal_year = (
        first_contact.year - story.withdrawn_years if story.withdrawn_years is not None else None
    )
    person = person_create(
        actor=staff.counselor,
        municipality=municipality,
        name=story.name,
        name_kana=story.kana,
        age_band=story.age_band,
        gender=story.gender,
        district=story.district,
        household=story.household,
        withdrawal_since_year=withdrawal_year,
        withdrawal_since_month=rng.randint(1, 12) if withdrawal_year else None,
        backgrounds=list(story.backgrounds),
        background_note=story.note,
    )
    city_index = int(demo.code[:2])
    relatives = []
    for i, relative in enumerate(story.relatives):
        number = city_index * 100 + n * 3 + i
        relatives.append(
            family_member_create(
                actor=staff.counselor,
                person=person,
                name=relative.name,
                name_kana=relative.kana,
                relation=relative.relation,
                phone=f"090-0000-{number:04d}",
                email=f"{demo.slug}.family{number:04d}@example.jp" if i == 0 else "",
                address=f"{demo.prefecture}{demo.name}{story.district}（架空の住所）",
                consults_on_behalf=relative.consults,
                note=relative.note,
            )
        )
    caseload = Caseload(
        story=story,
        person=person,
        relatives=relatives,
        first_contact=first_contact,
        staff=staff.counselor if story.shared else staff.lead,
        consulting_relations=[r.relation for r in story.relatives if r.consults],
    )
    if story.stage:
        # A visiting professional is not assigned: they see the cases booked with them on
        # consultation days (demo/places.py books `story.professional` cases first).
        others = [staff.lead] if story.lead and story.shared else []
        caseload.case = case_open(
            actor=caseload.staff,
            person=person,
            opened_on=first_contact,
            referral_source=story.referral,
            primary=caseload.staff,
            others=others,
            family_members=relatives,
            goal=story.goal,
            is_shared=story.shared,
            at=_at(first_contact, rng),
        )
    return caseload


def _next_open_day(day: date) -> date:
    while not _is_open_day(day):
        day += timedelta(1)
    return day


def _moments(rng: random.Random, start: date, end: date, n: int) -> list[date]:
    """n office days after start, one after another, spread out until about end."""
    span = max((end - start).days, n + 1)
    days = []
    previous = start
    for offset in sorted(rng.sample(range(1, span), n)):
        previous = _next_open_day(max(start + timedelta(offset), previous + timedelta(1)))
        days.append(previous)
    return days


def _case_history(caseload: Caseload, rng: random.Random, staff: CityStaff, today: date) -> None:
    """Move the case through its stages, with plan, reviews and risks, up to today."""
    story, case = caseload.story, caseload.case
    assert case is not None
    actor = caseload.staff
    closing = story.stage == Stage.CLOSED
    if closing:
        last_open = (
            Stage.PARTICIPATION
            if story.closure in (ClosureReason.EMPLOYMENT, ClosureReason.SCHOOLING)
            else Stage(rng.choice([Stage.INDIVIDUAL, Stage.GROUP]))
        )
    elif story.reopened:
        last_open = Stage.GROUP
    else:
        last_open = Stage(story.stage)
    stages: list[str] = list(OPEN_STAGES)
    steps = stages[1 : stages.index(last_open) + 1]
    if closing or story.reopened:
        steps.append(Stage.CLOSED)
    if story.reopened:
        steps.append("reopen")
    end = today - timedelta(rng.randint(30, 200) if closing else rng.randint(6, 20))
    if story.since_seed:
        # A case met in 2018 moved in its first years, not evenly until today.
        end = min(end, caseload.first_contact + timedelta(rng.randint(500, 1500)))
    when = _moments(rng, caseload.first_contact, end, len(steps))
    for step, day in zip(steps, when, strict=True):
        at = _at(day, rng)
        if step == Stage.CLOSED:
            reason = story.closure or ClosureReason.WISH
            case_close(actor=actor, case=case, reason=reason, closed_on=day, at=at)
        elif step == "reopen":
            case_reopen(
                actor=actor,
                case=case,
                reason="家族より再度の相談があり、支援を再開",
                stage=Stage.INDIVIDUAL,
                at=at,
            )
        else:
            case_change_stage(
                actor=actor, case=case, to_stage=step, reason=STAGE_REASONS[step], at=at
            )
    _plan_load(caseload, rng, today)
    # The colleague who took the family's urgent call raises the risk; the case's staff are
    # told (the bell).
    other = staff.counselor if caseload.staff == staff.lead else staff.lead
    _risks_load(caseload, rng, today, raised_by=other)


def _plan_load(caseload: Caseload, rng: random.Random, today: date) -> None:
    case, actor = caseload.case, caseload.staff
    assert case is not None
    if case.stage == Stage.CLOSED:
        for what in caseload.story.plans:
            item = plan_item_add(actor=actor, case=case, what=what, who="相談員")
            closed_at = _at(case.closed_on or today, rng)
            plan_item_review(
                actor=actor, item=item, note="終結にあたり完了", done=True, at=closed_at
            )
        return
    # Review dates: one overdue, one due within days, then later ones.
    reviews = [today - timedelta(rng.randint(2, 9)), today + timedelta(rng.randint(0, 4))]
    items: list[PlanItem] = []
    for i, what in enumerate(caseload.story.plans):
        review_on = reviews[i] if i < len(reviews) else today + timedelta(rng.randint(14, 45))
        items.append(
            plan_item_add(
                actor=actor,
                case=case,
                what=what,
                who="相談員" if i == 0 else "本人・家族",
                due_on=review_on + timedelta(30),
                review_on=review_on,
            )
        )
    if items and len(items) > 1:
        # The second item was already reviewed once, a month ago.
        first_review = _at(_near_open_day(today - timedelta(rng.randint(25, 40))), rng)
        plan_item_review(
            actor=actor,
            item=items[1],
            note="少しずつ取り組めている。継続。",
            next_review_on=items[1].review_on,
            at=first_review,
        )


def _risks_load(
    caseload: Caseload, rng: random.Random, today: date, *, raised_by: Membership
) -> None:
    story, case, actor = caseload.story, caseload.case, caseload.staff
    assert case is not None
    if story.risk:
        raised = _at(_near_open_day(today - timedelta(rng.randint(2, 20))), rng)
        risk_raise(actor=raised_by, case=case, kind=story.risk, detail=story.risk_detail, at=raised)
    if story.cleared_risk:
        raised_day = _near_open_day(today - timedelta(rng.randint(90, 150)))
        flag = risk_raise(
            actor=actor,
            case=case,
            kind=story.cleared_risk,
            detail="家族より緊急の相談。",
            at=_at(raised_day, rng),
        )
        risk_clear(
            actor=actor,
            flag=flag,
            note="関係機関と対応し、落ち着いた。",
            at=_at(raised_day + timedelta(rng.randint(10, 30)), rng),
        )


def _consents_load(
    demo: DemoMunicipality,
    municipality: Municipality,
    caseloads: Sequence[Caseload],
    staff: CityStaff,
    today: date,
) -> None:
    """The partner's organization gets consent for some persons; one consent has expired."""
    partner_org = Organization.objects.get(
        municipality=municipality, name=demo.role_organization["partner"]
    )
    for caseload in caseloads:
        kind = caseload.story.partner_consent
        if not kind:
            continue
        expired = kind == "expired"
        consent_record(
            actor=staff.counselor,
            person=caseload.person,
            organizations=[partner_org],
            purposes=PARTNER_PURPOSES[demo.slug],
            valid_from=today - timedelta(800) if expired else caseload.first_contact,
            valid_until=today - timedelta(400) if expired else None,
            form="written" if expired else kind,
        )


def _apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split total into integer parts proportional to weights, summing exactly to total."""
    shares = [total * w / sum(weights) for w in weights]
    parts = [int(s) for s in shares]
    by_remainder = sorted(range(len(shares)), key=lambda i: shares[i] - parts[i], reverse=True)
    for i in by_remainder[: total - sum(parts)]:
        parts[i] += 1
    return parts


def _months(start: date, end: date) -> list[tuple[date, date]]:
    months = []
    first = start
    while first <= end:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        months.append((first, min(end, following - timedelta(1))))
        first = following
    return months


def _consultation(
    municipality: Municipality,
    caseloads: Sequence[Caseload],
    rng: random.Random,
    staff: CityStaff,
    channel: str,
    occurred_at: datetime,
    link_share: float,
) -> Consultation:
    """One consultation, linked to a person the center knew by then for link_share of them."""
    consulter = _pick(rng, CONSULTERS[channel])
    day = occurred_at.date()
    known = [c for c in caseloads if c.first_contact <= day]
    share = 0.9 if channel == Channel.HOME_VISIT else link_share
    caseload = None
    if consulter != Consulter.ANONYMOUS and known and rng.random() < share:
        caseload = rng.choice(known)
    relation = ""
    if consulter == Consulter.FAMILY:
        if caseload is not None and caseload.consulting_relations:
            relation = rng.choice(caseload.consulting_relations)
        else:
            relation = _pick(rng, RELATIONS)
    member = caseload.staff if caseload is not None else None
    member = member or (staff.counselor if rng.random() < 0.75 else staff.lead)
    who = RELATION_WORDS.get(relation, "")
    summary = rng.choice(SUMMARIES[consulter]).format(who=who, ch=CHANNEL_WORDS[channel])
    case = caseload.case if caseload is not None else None
    if case is not None and case.closed_on is not None and case.closed_on < day:
        case = None
    return consultation_build(
        actor=member,
        municipality=municipality,
        occurred_at=occurred_at,
        channel=channel,
        consulter=consulter,
        consulter_relation=relation,
        staff=member,
        minutes=rng.randint(*MINUTES[channel]) // 5 * 5,
        summary=summary,
        person=caseload.person if caseload is not None else None,
        case=case,
    )


def _seed_consultations(
    demo: DemoMunicipality,
    municipality: Municipality,
    caseloads: Sequence[Caseload],
    rng: random.Random,
    staff: CityStaff,
    seed: SeedPeriod,
) -> list[Consultation]:
    """Exactly the deck's counts per channel, spread over the months and office days."""
    months = _months(seed.start, seed.end)
    weights = [rng.uniform(0.75, 1.25) for _ in months]
    built = []
    for channel, count in seed.counts.items():
        for (first, last), n in zip(months, _apportion(count, weights), strict=True):
            days = _open_days(first, last, saturdays=demo.slug == "ube")
            hours = (9, 17)
            if demo.slug == "miyoshi" and channel == Channel.WALK_IN:
                # 三好市's desk is open on Wednesdays, 9:00–12:00.
                days = [d for d in days if d.weekday() == 2] or days
                hours = (9, 12)
            if demo.slug == "ube":
                hours = (10, 16)
            for _ in range(n):
                at = _at(rng.choice(days), rng, *hours)
                built.append(_consultation(municipality, caseloads, rng, staff, channel, at, 0.5))
    return built


def _recent_consultations(
    demo: DemoMunicipality,
    municipality: Municipality,
    caseloads: Sequence[Caseload],
    rng: random.Random,
    staff: CityStaff,
    today: date,
) -> list[Consultation]:
    """The last eight weeks, and follow-ups due today, overdue and coming for the counselor."""
    shared_open = [c for c in caseloads if c.is_open and c.story.shared and c.first_contact < today]
    following = rng.sample(shared_open, min(len(FOLLOW_UP_OFFSETS), len(shared_open)))
    active = [c for c in caseloads if c.is_open and c not in following]
    days = _open_days(today - timedelta(56), today - timedelta(1))
    built = []
    for _ in range(RECENT_CONSULTATIONS[demo.slug]):
        channel = _pick(rng, RECENT_CHANNELS[demo.slug])
        at = _at(rng.choice(days), rng)
        built.append(_consultation(municipality, active, rng, staff, channel, at, 0.8))
    for caseload, offset in zip(following, FOLLOW_UP_OFFSETS, strict=False):
        due = today + timedelta(offset)
        day = _near_open_day(min(due, today) - timedelta(rng.randint(1, 10)))
        day = max(day, caseload.first_contact)
        relation = caseload.consulting_relations[0] if caseload.consulting_relations else ""
        built.append(
            consultation_build(
                actor=staff.counselor,
                municipality=municipality,
                occurred_at=_at(day, rng),
                channel=Channel.PHONE,
                consulter=Consulter.FAMILY if relation else Consulter.SELF,
                consulter_relation=relation,
                staff=staff.counselor,
                minutes=rng.randint(2, 8) * 5,
                summary="経過を確認。次回の予定を決めた。",
                next_action=rng.choice(NEXT_ACTIONS),
                next_action_on=due,
                person=caseload.person,
                case=caseload.case,
            )
        )
    return built
