"""Demo places, consultation days and programmes of the four cities (DOMAIN.md), with twelve
months of attendance that tells a story: in 三好市 someone settles at すりーぴぃ and moves on to
the antenna shop よらんDeやまき; in 宇部市 a family finishes 家族心理教育 基礎編 and joins the
土曜の会. Written through the places and programmes services, once per city.

Where DOMAIN.md gives no day or time (総社市's place, Toyoake's professionals' days), the demo
picks a plausible one and says so in the place's activities. Each city's consultation days
(相談日) have slots booked with its visiting professional: the last two days held and the next
two, for open cases (those whose story involves the professional first).
"""

import random
from dataclasses import dataclass, field
from datetime import date, time, timedelta

from tsunagu.cases.codes import Stage
from tsunagu.cases.models import Case
from tsunagu.demo.stories import STORIES
from tsunagu.people.models import FamilyMember, Person
from tsunagu.places import services as place_services
from tsunagu.places.codes import PlaceKind, SessionStatus
from tsunagu.places.models import Attendance, Place, Session
from tsunagu.places.services import RuleIn
from tsunagu.programmes import services as programme_services
from tsunagu.programmes.models import Programme, ProgrammeSession
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership, Municipality


@dataclass(frozen=True)
class DemoPlace:
    name: str
    kind: str
    rules: tuple[RuleIn, ...]
    access: str = "free"
    capacity: int | None = None
    public: bool = True
    organization: str = ""
    address: str = ""
    activities: str = ""
    # Anonymous visitors per session (inclusive range) for the history.
    visitors: tuple[int, int] = (1, 4)
    slot_minutes: int = 60  # a consultation day's slots


@dataclass(frozen=True)
class DemoProgramme:
    name: str
    kind: str
    # (months before today, day of month, start, end) of each meeting.
    meetings: tuple[tuple[int, int, time, time], ...]
    min_sessions_to_complete: int | None = None
    capacity: int | None = None
    place: str = ""
    citizens: tuple[str, ...] = ()


@dataclass(frozen=True)
class DemoCity:
    places: tuple[DemoPlace, ...]
    programmes: tuple[DemoProgramme, ...] = ()
    stories: tuple[str, ...] = field(default_factory=tuple)


def _rule(rrule: str, start: str, end: str, holidays: str = "skip") -> RuleIn:
    h1, m1 = map(int, start.split(":"))
    h2, m2 = map(int, end.split(":"))
    return RuleIn(rrule, time(h1, m1), time(h2, m2), holidays)


def _monthly(
    months: int, day: int, start: time, end: time
) -> tuple[tuple[int, int, time, time], ...]:
    return tuple((m, day, start, end) for m in range(months, 0, -1))


T1330, T1500, T1000, T1200, T1900, T2030 = (
    time(13, 30),
    time(15),
    time(10),
    time(12),
    time(19),
    time(20, 30),
)

CITIES: dict[str, DemoCity] = {
    "toyoake": DemoCity(
        places=(
            DemoPlace(
                "フリースペース・スワロー",
                "person",
                (_rule("FREQ=WEEKLY;BYDAY=WE", "10:00", "15:00"),),
                organization="豊明市社会福祉協議会",
                address="総合福祉会館 視聴覚室",
                activities="ゲーム、読書、学習支援（学び直し・就労準備）",
            ),
            DemoPlace(
                "家族のつどい",
                "family",
                (_rule("FREQ=MONTHLY;BYDAY=1WE", "13:30", "15:00"),),
                organization="豊明市社会福祉協議会",
                address="総合福祉会館 視聴覚室",
                activities="家族どうしの語り合い",
                visitors=(2, 6),
            ),
            DemoPlace(
                "専門職相談日",
                "consultation",
                (_rule("FREQ=MONTHLY;BYDAY=2TH,4TH", "13:30", "16:30"),),
                access="reservation",
                capacity=3,
                public=False,
                organization="協力医療機関（心理カウンセラー・社会福祉士）",
                address="市役所 相談室",
                activities="月2回（デモでは第2・第4木曜）",
                visitors=(0, 0),
            ),
        ),
        programmes=(
            DemoProgramme(
                "ひきこもり講演会",
                "lecture",
                ((4, 15, T1330, T1500),),
                capacity=80,
                citizens=("市民 一郎", "市民 二葉", "市民 三佳"),
            ),
            DemoProgramme(
                "サポーター研修会",
                "training",
                ((6, 20, T1000, T1200), (5, 20, T1000, T1200)),
                min_sessions_to_complete=2,
                citizens=("研修 花子", "研修 太郎"),
            ),
        ),
    ),
    "soja": DemoCity(
        places=(
            DemoPlace(
                "空き家の居場所",
                "person",
                (_rule("FREQ=WEEKLY;BYDAY=MO,WE,FR", "10:00", "16:00"),),
                organization="総社市社会福祉協議会",
                address="市内の空き家",
                activities="本人・専門職・サポーターで計画した居場所（デモでは月・水・金）",
            ),
            DemoPlace(
                "専門職相談日",
                "consultation",
                (_rule("FREQ=MONTHLY;BYDAY=3MO", "13:30", "15:30"),),
                access="reservation",
                capacity=2,
                public=False,
                organization="総社市医師会",
                address="総社市役所 相談室",
                activities="医師による相談（デモでは第3月曜）",
                visitors=(0, 0),
            ),
        ),
        programmes=(
            DemoProgramme(
                "ほっとタッチの会",
                "family_group",
                _monthly(12, 18, T1330, T1500),
                place="空き家の居場所",
                citizens=("家族会 会員A", "家族会 会員B"),
            ),
            DemoProgramme(
                "サポーター養成講座",
                "supporter_course",
                tuple((m, 12, T1000, T1200) for m in (10, 9, 8, 7, 6)),
                min_sessions_to_complete=4,
                capacity=20,
                citizens=("養成 一子", "養成 二郎", "養成 三恵", "養成 四郎"),
            ),
            DemoProgramme(
                "フォローアップ研修",
                "training",
                ((3, 14, T1000, T1200),),
            ),
        ),
    ),
    "ube": DemoCity(
        places=(
            DemoPlace(
                "ふらっとコミュニティ",
                "person",
                (
                    _rule("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "10:00", "16:30"),
                    _rule("FREQ=WEEKLY;BYDAY=SA", "10:00", "16:00"),
                    _rule("FREQ=MONTHLY;BYDAY=1SU", "10:00", "16:00"),
                ),
                organization="NPO法人ふらっとコミュニティ",
                activities="PC、将棋、テレビ、お茶会（空き家の居場所、予約不要）",
                visitors=(0, 5),
            ),
            DemoPlace(
                "定例相談会",
                "consultation",
                (_rule("FREQ=MONTHLY;BYDAY=2TU,4TH", "13:30", "16:00"),),
                access="reservation",
                capacity=4,
                organization="基幹相談支援センター",
                visitors=(0, 0),
                slot_minutes=50,
            ),
        ),
        programmes=(
            DemoProgramme(
                "家族心理教育 基礎編（全6回）",
                "family_education",
                tuple((m, 9, T1330, T1500) for m in (11, 10, 9, 8, 7, 6)),
                min_sessions_to_complete=5,
                capacity=12,
            ),
            DemoProgramme(
                "家族心理教育 実践編",
                "family_education",
                tuple((m, d, T1330, T1500) for m in (3, 2, 1) for d in (3, 10, 17, 24)),
            ),
            DemoProgramme(
                "土曜の会",
                "family_group",
                _monthly(5, 20, T1000, T1200),
            ),
            DemoProgramme("夜の会", "family_group", _monthly(6, 12, T1900, T2030)),
            DemoProgramme("日曜の会", "family_group", _monthly(6, 25, T1330, T1500)),
        ),
    ),
    "miyoshi": DemoCity(
        places=(
            DemoPlace(
                "すりーぴぃ",
                "person",
                (_rule("FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR", "10:00", "15:00"),),
                access="reservation",
                capacity=6,
                organization="NPO法人ぴあぞら",
                activities="テレビ、ボードゲーム、軽運動、外出、グループカウンセリング、季節の行事",
                visitors=(0, 2),
            ),
            DemoPlace(
                "よらんDeやまき",
                "work",
                (_rule("FREQ=WEEKLY;BYDAY=FR", "10:00", "15:00"),),
                organization="NPO法人ぴあぞら",
                activities="アンテナショップでの就労体験",
                visitors=(0, 2),
            ),
            DemoPlace(
                "相談窓口（水曜）",
                "consultation",
                (_rule("FREQ=WEEKLY;BYDAY=WE", "09:00", "12:00"),),
                access="reservation",
                capacity=3,
                public=False,
                organization="社会福祉法人三好やまなみ会",
                visitors=(0, 0),
            ),
        ),
    ),
}


def _months_ago(today: date, months: int, day: int) -> date:
    year, month = today.year, today.month - months
    while month < 1:
        month += 12
        year -= 1
    return date(year, month, min(day, 28))


def places_load(slug: str, municipality: Municipality, *, today: date) -> bool:
    """Load the city's places and programmes once: False when it has places already."""
    city = CITIES.get(slug)
    if city is None or Place.objects.filter(municipality=municipality).exists():
        return False
    rng = random.Random(f"tsunagu-demo-places-{municipality.code}")
    staff = list(Membership.objects.filter(municipality=municipality, role=Role.PLACE_STAFF))
    starts_on = today - timedelta(days=365)
    places: dict[str, Place] = {}
    for demo in city.places:
        place = place_services.place_create(
            actor=None,
            municipality_id=municipality.pk,
            name=demo.name,
            kind=demo.kind,
            access=demo.access,
            capacity=demo.capacity,
            public=demo.public,
            organization=demo.organization,
            address=demo.address,
            activities=demo.activities,
            slot_minutes=demo.slot_minutes,
            rules=demo.rules,
            staff=staff,
            starts_on=starts_on,
        )
        place_services.sessions_ensure(place, today + timedelta(days=place_services.WINDOW_DAYS))
        places[demo.name] = place
        _anonymous_history(place, demo.visitors, rng, today)
    persons = list(Person.objects.filter(municipality=municipality).order_by("number")[:6])
    for demo_programme in city.programmes:
        _programme_load(municipality, demo_programme, places, today)
    if slug == "miyoshi" and persons:
        _miyoshi_story(places, persons, today)
    if slug == "ube":
        _ube_story(municipality, places, persons, today)
    if slug in ("toyoake", "soja") and persons:
        _regulars(places[city.places[0].name], persons[:3], rng, today)
    _consultation_bookings(slug, municipality, places, today)
    return True


def _consultation_bookings(
    slug: str, municipality: Municipality, places: dict[str, Place], today: date
) -> None:
    """Two slots of each of the last two consultation days held and the next two, booked with
    the city's visiting professional for open cases."""
    professional = (
        Membership.objects.filter(municipality=municipality, role=Role.PROFESSIONAL, is_active=True)
        .order_by("pk")
        .first()
    )
    involved = {story.name for story in STORIES.get(slug, ()) if story.professional}
    open_cases = Case.objects.filter(municipality=municipality).exclude(stage=Stage.CLOSED)
    cases = sorted(
        open_cases.select_related("person"),
        key=lambda case: (case.person.name not in involved, case.pk),
    )[:3]
    if professional is None or not cases:
        return
    for place in places.values():
        if place.kind != PlaceKind.CONSULTATION:
            continue
        coming = Session.objects.filter(
            place=place, date__gte=today, status=SessionStatus.SCHEDULED
        ).order_by("date")[:2]
        for n, session in enumerate([*_past(place, today)[-2:], *coming]):
            for i, (start, _end) in enumerate(place_services.slots(session)[:2]):
                place_services.booking_create(
                    actor=None,
                    session=session,
                    start=start,
                    case=cases[(n + i) % len(cases)],
                    professional=professional,
                )


def _past(place: Place, today: date) -> list[Session]:
    return list(
        Session.objects.filter(place=place, date__lt=today, status="scheduled").order_by("date")
    )


def _anonymous_history(
    place: Place, visitors: tuple[int, int], rng: random.Random, today: date
) -> None:
    low, high = visitors
    if high == 0:
        return
    rows = []
    for session in _past(place, today):
        count = rng.randint(low, high)
        if count:
            rows.append(
                Attendance(municipality_id=place.municipality_id, session=session, count=count)
            )
    Attendance.objects.bulk_create(rows, batch_size=500)


def _regulars(place: Place, persons: list[Person], rng: random.Random, today: date) -> None:
    """A few known people come now and then over the year."""
    for session in _past(place, today):
        for person in persons:
            if rng.random() < 0.3:
                place_services.attendance_record(actor=None, session=session, person=person)


def _miyoshi_story(places: dict[str, Place], persons: list[Person], today: date) -> None:
    """Someone books すりーぴぃ for seven months, then settles into Fridays at the shop."""
    person = persons[0]
    sleepy, shop = places["すりーぴぃ"], places["よらんDeやまき"]
    switch = today - timedelta(days=150)
    start = today - timedelta(days=330)
    for session in _past(sleepy, today):
        if start <= session.date < switch and session.date.weekday() in (1, 3):
            place_services.reservation_create(actor=None, session=session, person=person)
            place_services.attendance_record(actor=None, session=session, person=person)
    for session in _past(shop, today):
        if session.date >= switch:
            place_services.attendance_record(actor=None, session=session, person=person)
    # Their next Tuesday at すりーぴぃ is still booked, as a bridge.
    upcoming = Session.objects.filter(place=sleepy, date__gte=today).order_by("date")
    following = next((s for s in upcoming if s.date.weekday() == 1), None)
    if following is not None:
        place_services.reservation_create(actor=None, session=following, person=person)
    # Others book すりーぴぃ on weekdays now and then.
    for i, other in enumerate(persons[1:4], start=1):
        for session in _past(sleepy, today)[i::9]:
            place_services.reservation_create(actor=None, session=session, person=other)
            place_services.attendance_record(actor=None, session=session, person=other)


def _programme_load(
    municipality: Municipality,
    demo: DemoProgramme,
    places: dict[str, Place],
    today: date,
) -> None:
    meetings = [
        programme_services.MeetingIn(_months_ago(today, months, day), start, end)
        for months, day, start, end in demo.meetings
    ]
    programme = programme_services.programme_create(
        actor=None,
        municipality_id=municipality.pk,
        name=demo.name,
        kind=demo.kind,
        meetings=meetings,
        min_sessions_to_complete=demo.min_sessions_to_complete,
        capacity=demo.capacity,
        place=places.get(demo.place),
        public=demo.kind in ("lecture", "supporter_course"),
    )
    held = [
        m for m in ProgrammeSession.objects.filter(programme=programme) if m.session.date < today
    ]
    for i, name in enumerate(demo.citizens):
        enrolment = programme_services.enrolment_create(
            actor=None,
            programme=programme,
            name=name,
            contact=f"0000-00-{1000 + i}",
            enrolled_on=_months_ago(today, 12, 1),
        )
        for n, meeting in enumerate(held):
            # Everyone misses one meeting now and then (the last one misses two).
            if (n + i) % (3 if i == len(demo.citizens) - 1 else 5) != 4:
                programme_services.programme_attendance_record(
                    actor=None, enrolment=enrolment, meeting=meeting
                )


def _ube_story(
    municipality: Municipality, places: dict[str, Place], persons: list[Person], today: date
) -> None:
    """A mother finishes 基礎編 (five of six sessions) and joins the 土曜の会."""
    if not persons:
        return
    family = FamilyMember.objects.filter(person__in=persons).order_by("pk").first()

    basics = Programme.objects.get(
        municipality=municipality, name__startswith="家族心理教育 基礎編"
    )
    saturday = Programme.objects.get(municipality=municipality, name="土曜の会")
    participant = {"family_member": family} if family else {"name": "宇部 家族"}
    enrolment = programme_services.enrolment_create(
        actor=None, programme=basics, enrolled_on=_months_ago(today, 12, 1), **participant
    )
    for meeting in ProgrammeSession.objects.filter(programme=basics).order_by("number"):
        if meeting.number != 3:
            programme_services.programme_attendance_record(
                actor=None, enrolment=enrolment, meeting=meeting
            )
    joined = programme_services.enrolment_create(
        actor=None, programme=saturday, enrolled_on=_months_ago(today, 5, 1), **participant
    )
    for meeting in ProgrammeSession.objects.filter(programme=saturday):
        if meeting.session.date < today:
            programme_services.programme_attendance_record(
                actor=None, enrolment=joined, meeting=meeting
            )
    # The person themself starts coming to ふらっとコミュニティ on Saturdays.
    flat = places["ふらっとコミュニティ"]
    person = family.person if family else persons[0]
    for session in _past(flat, today)[-40:]:
        if session.date.weekday() == 5:
            place_services.attendance_record(actor=None, session=session, person=person)
