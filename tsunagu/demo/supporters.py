"""The demo's supporters: Toyoake's trained registrants working mainly at the places, Soja's
course graduates, Ube's professionals and UFE supporters, Miyoshi's three peer supporters with
a 保健師 going along on some visits; open requests so that matching has work to do."""

from dataclasses import dataclass
from datetime import date, time, timedelta

from django.utils import timezone

from tsunagu.cases.codes import Stage
from tsunagu.cases.models import Case
from tsunagu.demo.data import DemoMunicipality
from tsunagu.supporters import services
from tsunagu.supporters.models import Supporter
from tsunagu.supporters.services import WeeklySlot
from tsunagu.tenancy.models import Membership, Municipality


@dataclass(frozen=True)
class DemoSupporter:
    name: str
    background: str
    areas: tuple[str, ...]
    days: tuple[int, ...]
    skills: tuple[str, ...] = ()
    activities: tuple[str, ...] = ("visit",)
    qualification: str = ""
    gender: str = "unknown"
    peer: bool = False
    max_active: int = 1
    training: str = ""
    logs_in: bool = False


SUPPORTERS: dict[str, tuple[DemoSupporter, ...]] = {
    "toyoake": (
        DemoSupporter(
            "架空 千尋",
            "resident",
            ("沓掛町", "前後町"),
            (0, 2, 4),
            ("料理", "手芸"),
            ("place", "visit"),
            gender="female",
            max_active=2,
            logs_in=True,
        ),
        DemoSupporter(
            "架空 大輔",
            "minsei",
            ("栄町", "新田町"),
            (1, 3),
            ("将棋", "読書"),
            ("visit", "accompany"),
            gender="male",
        ),
        DemoSupporter(
            "架空 美咲",
            "student",
            ("二村台", "阿野町"),
            (2, 5),
            ("ゲーム", "学習支援"),
            ("place", "remote"),
            gender="female",
            max_active=2,
        ),
    ),
    "soja": (
        DemoSupporter(
            "架空 恵子",
            "fukushi_iin",
            ("総社", "常盤"),
            (0, 1, 3),
            ("料理", "農業"),
            ("visit", "place"),
            gender="female",
            training="",
            logs_in=True,
        ),
        DemoSupporter(
            "架空 健一", "family", ("清音", "山手"), (2, 4), ("将棋",), ("visit",), gender="male"
        ),
        DemoSupporter(
            "架空 陽菜",
            "student",
            ("昭和", "神在", "総社"),
            (5,),
            ("ゲーム", "音楽"),
            ("place", "remote"),
            gender="female",
            max_active=2,
        ),
    ),
    "ube": (
        DemoSupporter(
            "架空 直子",
            "professional",
            ("厚南", "恩田", "琴芝"),
            (0, 1, 2, 3, 4),
            ("読書",),
            ("visit", "lecturer"),
            "精神科認定看護師",
            "female",
            max_active=3,
            logs_in=True,
        ),
        DemoSupporter(
            "架空 翔",
            "peer",
            ("東岐波", "西岐波", "常盤"),
            (1, 3, 5),
            ("ゲーム", "音楽"),
            ("visit", "remote", "lecturer"),
            gender="male",
            peer=True,
            max_active=2,
        ),
        DemoSupporter(
            "架空 亮",
            "peer",
            ("恩田", "琴芝"),
            (2, 4),
            ("将棋", "PC"),
            ("visit", "accompany"),
            gender="male",
            peer=True,
        ),
    ),
    "miyoshi": (
        DemoSupporter(
            "架空 由美",
            "peer",
            ("池田町", "井川町"),
            (0, 2, 4),
            ("料理",),
            ("visit", "remote"),
            gender="female",
            peer=True,
            max_active=2,
            training="徳島県ひきこもりサポーター養成研修",
            logs_in=True,
        ),
        DemoSupporter(
            "架空 誠",
            "peer",
            ("池田町", "山城町", "三野町"),
            (1, 3),
            ("農業", "将棋"),
            ("visit", "remote"),
            gender="male",
            peer=True,
            training="徳島県ひきこもりサポーター養成研修",
        ),
        DemoSupporter(
            "架空 沙織",
            "peer",
            ("東祖谷", "西祖谷山村"),
            (0, 3),
            ("手芸", "読書"),
            ("visit", "remote"),
            gender="female",
            peer=True,
            training="徳島県ひきこもりサポーター養成研修",
        ),
    ),
}


def _first_day(supporter: Supporter) -> int:
    return supporter.availability.order_by("weekday")[0].weekday


def supporters_load(demo: DemoMunicipality, municipality: Municipality, today: date) -> bool:
    """Load the city's supporters and requests once: False when it has supporters already."""
    if Supporter.objects.filter(municipality=municipality).exists():
        return False
    lead = Membership.objects.get(municipality=municipality, user__username=f"{demo.slug}-lead")
    supporter_login = Membership.objects.get(
        municipality=municipality, user__username=f"{demo.slug}-supporter"
    )
    saved = []
    for s in SUPPORTERS[demo.slug]:
        saved.append(
            services.supporter_save(
                actor=lead,
                name=s.name,
                background=s.background,
                areas=list(s.areas),
                availability=[WeeklySlot(d, time(9), time(16)) for d in s.days],
                skills=list(s.skills),
                activities=list(s.activities),
                qualification=s.qualification,
                gender=s.gender,
                peer=s.peer,
                max_active=s.max_active,
                external_training=s.training,
                status="active",
                pledged_on=today - timedelta(days=200),
                membership=supporter_login if s.logs_in else None,
            )
        )
    # The monthly supporter meeting (定例ミーティング): last month's, with who came, and the next.
    for days, theme in ((-28, "活動の振り返り"), (3, "事例検討"), (31, "フォローアップ研修の案内")):
        meeting = services.supporter_meeting_add(
            actor=lead,
            kind="supporter_meeting",
            name="サポーター定例ミーティング",
            day=today + timedelta(days=days),
            start=time(18),
            end=time(19, 30),
            title=theme,
        )
        if days < 0:
            services.meeting_attendance_set(actor=lead, meeting=meeting, supporters=saved[:2])
    cases = list(
        Case.objects.filter(municipality=municipality)
        .exclude(stage=Stage.CLOSED)
        .select_related("person")
        .order_by("pk")[:4]
    )
    if not cases:
        return True
    now = timezone.now()
    # The first case already has its supporter going, with an activity logged last week;
    # the others wait for matching (one in an area nobody covers, so it stays unmatched).
    first = cases[0]
    going = saved[0]
    request = services.dispatch_request_create(
        actor=lead,
        case=first,
        purpose="外出に慣れるための訪問",
        area=going.areas[0],
        when=[WeeklySlot(_first_day(going), time(10), time(11))],
        wants={"skills": list(going.skills[:1])},
        at=now - timedelta(days=30),
    )
    dispatch = services.dispatch_approve(
        actor=lead,
        request=request,
        supporter=going,
        briefing="玄関先で10分ほど。趣味の話から。無理に外へ誘わない。",
        at=now - timedelta(days=25),
    )
    visit_day = today - timedelta(days=7)
    services.activity_log_create(
        actor=lead,
        dispatch=dispatch,
        date=visit_day,
        start=time(10),
        end=time(11),
        place="自宅",
        what_happened="玄関先で趣味の話をした",
        response="最後に少し笑顔",
        next_step="来週も同じ時間に",
        travel_yen=400,
    )
    for n, case in enumerate(cases[1:], start=1):
        helper = saved[n % len(saved)]
        services.dispatch_request_create(
            actor=lead,
            case=case,
            purpose="居場所への同行" if n % 2 else "訪問での話し相手",
            area=helper.areas[-1] if n < 3 else "市外",
            when=[WeeklySlot(_first_day(helper), time(13), time(14))],
            wants={"skills": list(helper.skills[-1:]), **({"peer": True} if helper.peer else {})},
            at=now - timedelta(days=10 - n),
        )
    return True
