"""Load the demo's partner network into one municipality: directory, referrals, meetings.

Referrals go to Hello Work, サポステ, 保健所 and 医療機関 where the city has them, move through
their states with the receivers' feedback, and one waits unanswered so the reminder shows.
Everything goes through the network's services, as staff would enter it.
"""

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from tsunagu.cases.models import Case
from tsunagu.demo.data import DemoMunicipality
from tsunagu.network.codes import Destination, MeetingKind, ReferralStatus
from tsunagu.network.models import Meeting, MeetingBody, MeetingSeries, PartnerProfile, Referral
from tsunagu.network.notifications import daily_sweep
from tsunagu.network.services import (
    action_item_add,
    action_item_done,
    meeting_body_save,
    meeting_create,
    meeting_record,
    partner_profile_save,
    referral_answer,
    referral_create,
    series_create,
)
from tsunagu.people.models import Consent
from tsunagu.policy.casework import consent_in_force
from tsunagu.tenancy.codes import OrganizationKind as K
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership, Municipality, Organization

TOKYO = ZoneInfo("Asia/Tokyo")

# The destination code of each kind of organization, and what the directory says of it.
DIRECTORY: dict[str, tuple[str, str, str]] = {
    K.CITY_DEPARTMENT: (
        Destination.WELFARE_OFFICE,
        "生活保護・各種福祉制度の相談",
        "平日 8:30〜17:15",
    ),
    K.WELFARE_COUNCIL: (Destination.COUNCIL, "居場所・家族会・ボランティア", "平日 9:00〜17:00"),
    K.NPO: (Destination.NPO, "居場所・訪問支援・ピアサポート", "火〜土 10:00〜18:00"),
    K.HEALTH_CENTER: (Destination.HEALTH_CENTER, "精神保健福祉相談・家族教室", "平日 8:30〜17:15"),
    K.MEDICAL: (Destination.MEDICAL, "精神科外来・訪問診療", "月〜金 9:00〜12:00 / 14:00〜17:00"),
    K.HELLO_WORK: (Destination.HELLO_WORK, "職業相談・職業紹介・就労支援", "平日 8:30〜17:15"),
    K.SUPPORT_STATION: (Destination.SAPOSUTE, "若者の就労準備・職場体験", "火〜土 10:00〜18:00"),
    K.SCHOOL: (Destination.SCHOOL, "在校生・卒業生の相談", "平日 8:30〜16:30"),
    K.POLICE: (Destination.OTHER, "安全確認・生活安全相談", "24時間"),
    K.COMMUNITY_CARE: (
        Destination.COMMUNITY_CARE,
        "高齢者と同居家族の総合相談",
        "平日 8:30〜17:15",
    ),
    K.LIVELIHOOD: (Destination.SELF_RELIANCE, "生活困窮・就労準備支援", "平日 8:30〜17:15"),
    K.DISABILITY: (Destination.DISABILITY, "障害福祉サービスの相談", "平日 8:30〜17:15"),
    K.PREFECTURE_CENTER: (Destination.OTHER_CENTER, "専門相談・研修・後方支援", "平日 9:00〜17:00"),
    K.OTHER: (Destination.OTHER, "", ""),
}

# (destination kind, purpose, the receiver's answers: (days after the request, status, note)).
REFERRALS: tuple[tuple[str, str, tuple[tuple[int, str, str], ...]], ...] = (
    (
        K.HELLO_WORK,
        "就労相談の窓口につなぐ（本人同席で初回面談）",
        (
            (6, ReferralStatus.ACCEPTED, "初回面談の日程を調整しました。"),
            (20, ReferralStatus.IN_SUPPORT, "週1回の職業相談を開始。"),
            (120, ReferralStatus.COMPLETED, "短時間のアルバイトに就職。定着支援はセンターで継続。"),
        ),
    ),
    (
        K.SUPPORT_STATION,
        "職場体験プログラムの利用相談",
        (
            (10, ReferralStatus.ACCEPTED, "見学日を決めました。"),
            (30, ReferralStatus.IN_SUPPORT, "職場体験（週2回）に参加中。"),
        ),
    ),
    (
        K.HEALTH_CENTER,
        "家族教室への参加と精神保健福祉相談",
        ((4, ReferralStatus.ACCEPTED, "家族教室の案内を送付しました。"),),
    ),
    (
        K.MEDICAL,
        "受診の相談（本人の睡眠の問題）",
        ((14, ReferralStatus.DECLINED, "初診枠が埋まっており、別の医療機関を紹介。"),),
    ),
    # No answer yet: comes back on the home page as a reminder.
    (K.HELLO_WORK, "就労準備の相談", ()),
)


def _at(day: date) -> datetime:
    return datetime.combine(day, time(10, 0), tzinfo=TOKYO)


def network_load(demo: DemoMunicipality, municipality: Municipality, *, today: date) -> bool:
    """Load once: False (and nothing written) when the city has referrals already."""
    if Referral.objects.filter(municipality=municipality).exists():
        return False
    lead = Membership.objects.get(municipality=municipality, role=Role.LEAD)
    organizations = list(Organization.objects.filter(municipality=municipality))
    for org in organizations:
        if PartnerProfile.objects.filter(organization=org).exists():
            continue
        destination, offers, hours = DIRECTORY.get(org.kind, DIRECTORY[K.OTHER])
        partner_profile_save(
            actor=lead,
            organization=org,
            destination=destination,
            contact=f"{org.name} 代表",
            offers=offers,
            opening_hours=hours,
        )
    by_kind = {org.kind: org for org in organizations}
    cases = list(
        Case.objects.filter(municipality=municipality, closed_on__isnull=True)
        .select_related("person")
        .order_by("pk")
    )
    if not cases:
        return False
    counselor = Membership.objects.filter(municipality=municipality, role=Role.COUNSELOR).first()
    actor = counselor or lead
    for index, (kind, purpose, answers) in enumerate(REFERRALS):
        receiving = by_kind.get(kind)
        if receiving is None:
            continue
        case = cases[(index * 3) % len(cases)]
        requested_on = today - timedelta(days=200 - index * 40 if answers else 21)
        consent = (
            Consent.objects.filter(
                consent_in_force(today=today), person=case.person, organizations=receiving
            )
            .order_by("pk")
            .first()
        )
        referral = referral_create(
            actor=actor,
            case=case,
            destination=DIRECTORY[kind][0],
            organization=receiving,
            purpose=purpose,
            shared="生活歴と現在の状況の要約（同意の範囲内）" if consent else "",
            consent=consent,
            requested_on=requested_on,
        )
        receiver = Membership.objects.filter(
            municipality=municipality, organization=receiving, role=Role.PARTNER
        ).first()
        for days, status, note in answers:
            # Without a partner account, the lead records the answer given by phone, and
            # the counselor who referred is told (the bell).
            referral_answer(
                actor=receiver or lead,
                referral=referral,
                status=status,
                note=note,
                on_behalf=receiver is None,
                at=_at(min(requested_on + timedelta(days=days), today)),
            )
    return True


# --- meetings ------------------------------------------------------------------------------

# 総社市's review committee has eleven member bodies; the city's own organizations and these.
SOJA_EXTRA_BODIES = (
    ("総社市民生委員児童委員協議会", K.OTHER),
    ("総社市教育委員会", K.SCHOOL),
    ("岡山県精神保健福祉センター", K.PREFECTURE_CENTER),
)
SOJA_WORKING_GROUPS = ("支援者養成WG", "事例検討WG", "社会参加WG")
ACTION_ITEMS = (
    "次回までに研修計画の案を作成する",
    "居場所の利用状況をまとめる",
    "家族会の案内文を見直す",
    "関係機関への周知方法を検討する",
)


def _year_ago(today: date) -> date:
    """The first day of the month a year before this one: where each series starts."""
    return date(today.year - 1, today.month, 1)


def _month_start(day: date, months: int) -> date:
    month = day.month - 1 + months
    return date(day.year + month // 12, month % 12 + 1, 1)


def _meeting_series(
    lead: Membership,
    owners: list[Membership],
    *,
    kind: str,
    title: str,
    rrule: str,
    hours: tuple[time, time],
    starts_on: date,
    body: MeetingBody | None,
    today: date,
) -> MeetingSeries:
    """A series by its rule; each meeting held so far has minutes, attendance and an action
    item, done when it is more than a month old, so recent ones are still open (and due)."""
    series = series_create(
        actor=lead,
        kind=kind,
        title=title,
        rrule=rrule,
        start=hours[0],
        end=hours[1],
        starts_on=starts_on,
        body=body,
        place="センター会議室",
        today=today,
    )
    present = list(body.organizations.all()) if body else []
    held = Meeting.objects.filter(
        municipality_id=lead.municipality_id, series=series, held_on__lt=today
    ).order_by("held_on")
    for n, meeting in enumerate(held, start=1):
        day = meeting.held_on
        meeting_record(
            actor=lead,
            meeting=meeting,
            agenda="前回の対応事項の確認／各機関からの報告／協議事項",
            minutes="各機関から支援状況の報告があり、連携の進め方を協議した。",
            decisions="次回までの対応事項を確認した。",
            present=present[: max(1, len(present) - n % 3)],
        )
        item = action_item_add(
            actor=lead,
            meeting=meeting,
            what=ACTION_ITEMS[n % len(ACTION_ITEMS)],
            owner=owners[n % len(owners)],
            due_on=min(day + timedelta(days=28), today),
        )
        if day < today - timedelta(days=35):
            action_item_done(actor=item.owner, item=item, at=_at(day + timedelta(days=20)))
    return series


def meetings_load(demo: DemoMunicipality, municipality: Municipality, *, today: date) -> bool:
    """Each city's meetings of the deck: 総社市's committee with its working groups, 宇部市's
    monthly meeting of all agencies, 三好市's weekly, monthly and quarterly meetings, and
    豊明市's monthly meeting across city departments."""
    if Meeting.objects.filter(municipality=municipality).exists():
        return False
    lead = Membership.objects.get(municipality=municipality, role=Role.LEAD)
    owners = list(
        Membership.objects.filter(
            municipality=municipality, role__in=[Role.LEAD, Role.COUNSELOR, Role.PARTNER]
        ).order_by("pk")
    )
    organizations = list(Organization.objects.filter(municipality=municipality).order_by("pk"))
    year_ago = _year_ago(today)
    afternoon = (time(14, 0), time(16, 0))
    if demo.slug == "soja":
        for name, kind in SOJA_EXTRA_BODIES:
            org, _created = Organization.objects.get_or_create(
                municipality=municipality, name=name, defaults={"kind": kind}
            )
            organizations.append(org)
        main = committee = meeting_body_save(
            actor=lead,
            name="総社市ひきこもり支援等検討委員会",
            kind=MeetingKind.COMMITTEE,
            organizations=organizations[:11],
        )
        _meeting_series(
            lead,
            owners,
            kind=MeetingKind.COMMITTEE,
            title="検討委員会",
            rrule="FREQ=MONTHLY;INTERVAL=2;BYDAY=3WE",
            hours=afternoon,
            starts_on=_month_start(year_ago, 1),
            body=committee,
            today=today,
        )
        for index, name in enumerate(SOJA_WORKING_GROUPS):
            group = meeting_body_save(
                actor=lead,
                name=name,
                kind=MeetingKind.WORKING_GROUP,
                organizations=organizations[index * 3 : index * 3 + 4],
                parent=committee,
            )
            _meeting_series(
                lead,
                owners,
                kind=MeetingKind.WORKING_GROUP,
                title=name,
                rrule="FREQ=MONTHLY;INTERVAL=3;BYDAY=2TH",
                hours=(time(10, 0), time(11, 30)),
                starts_on=_month_start(year_ago, index),
                body=group,
                today=today,
            )
    elif demo.slug == "ube":
        main = agencies = meeting_body_save(
            actor=lead,
            name="宇部市ひきこもり相談機関連絡会議",
            kind=MeetingKind.REGULAR,
            organizations=organizations,
        )
        _meeting_series(
            lead,
            owners,
            kind=MeetingKind.REGULAR,
            title="相談機関連絡会議",
            rrule="FREQ=MONTHLY;BYDAY=2TU",
            hours=(time(13, 30), time(15, 30)),
            starts_on=year_ago,
            body=agencies,
            today=today,
        )
    elif demo.slug == "miyoshi":
        _meeting_series(
            lead,
            owners,
            kind=MeetingKind.HUDDLE,
            title="週次打ち合わせ",
            rrule="FREQ=WEEKLY;BYDAY=MO",
            hours=(time(9, 0), time(9, 30)),
            starts_on=today - timedelta(weeks=8),
            body=None,
            today=today,
        )
        _meeting_series(
            lead,
            owners,
            kind=MeetingKind.OPERATIONS,
            title="運営会議",
            rrule="FREQ=MONTHLY;BYDAY=1WE",
            hours=(time(15, 0), time(16, 30)),
            starts_on=year_ago,
            body=None,
            today=today,
        )
        main = conference = meeting_body_save(
            actor=lead,
            name="三好市ひきこもり事例検討会",
            kind=MeetingKind.CASE_CONFERENCE,
            organizations=organizations,
        )
        _meeting_series(
            lead,
            owners,
            kind=MeetingKind.CASE_CONFERENCE,
            title="事例検討会",
            rrule="FREQ=MONTHLY;INTERVAL=3;BYDAY=3FR",
            hours=(time(13, 30), time(16, 0)),
            starts_on=year_ago,
            body=conference,
            today=today,
        )
    else:
        main = departments = meeting_body_save(
            actor=lead,
            name="豊明市庁内ひきこもり支援連携会議",
            kind=MeetingKind.REGULAR,
            organizations=organizations,
        )
        _meeting_series(
            lead,
            owners,
            kind=MeetingKind.REGULAR,
            title="庁内連携会議",
            rrule="FREQ=MONTHLY;BYDAY=4TH",
            hours=afternoon,
            starts_on=year_ago,
            body=departments,
            today=today,
        )
    # A meeting tomorrow in every city (an extra one where no series meets then), so the
    # bell shows "a meeting is tomorrow"; the sweep also tells owners of action items due.
    tomorrow = today + timedelta(days=1)
    if not Meeting.objects.filter(
        municipality=municipality, body=main, held_on=tomorrow, cancelled=False
    ).exists():
        meeting_create(actor=lead, kind=main.kind, title="臨時会", held_on=tomorrow, body=main)
    daily_sweep(today=today)
    return True
