"""The supporters screens: registry, asking from a case, matching with approval and override,
a supporter's own dispatches and activity log, and the 謝金 workbook."""

from datetime import date, time
from io import BytesIO

from django_scopes import scope
from openpyxl import load_workbook

from tests.conftest import Personas
from tests.exporting import export
from tsunagu.audit.models import AccessLogObject
from tsunagu.cases.models import Case
from tsunagu.supporters import services
from tsunagu.supporters.models import ActivityLog, Dispatch, DispatchRequest, Supporter
from tsunagu.supporters.services import WeeklySlot


def url(personas: Personas, path: str) -> str:
    return personas.url(f"supporters/{path}")


def test_the_lead_registers_a_supporter_with_weekly_availability(personas: Personas) -> None:
    response = personas.client("lead").post(
        url(personas, "new/"),
        {
            "name": "中村 学生",
            "background": "student",
            "gender": "female",
            "areas": "北部、 南部",
            "skills": "ゲーム,学習支援",
            "activities": ["visit", "place"],
            "max_active": "2",
            "pledged_on": "2026-06-01",
            "status": "active",
            "day2_start": "13:00",
            "day2_end": "17:00",
        },
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        saved = Supporter.objects.get(name="中村 学生")
        assert saved.areas == ["北部", "南部"]
        assert saved.skills == ["ゲーム", "学習支援"]
        assert [(a.weekday, a.start) for a in saved.availability.all()] == [(2, time(13))]


def test_a_bad_supporter_form_keeps_what_was_typed_and_says_why(personas: Personas) -> None:
    response = personas.client("lead").post(
        url(personas, "new/"),
        {
            "name": "未誓約",
            "background": "resident",
            "areas": "北部",
            "skills": "将棋",
            "max_active": "1",
            "status": "active",
            "day0_start": "15:00",
            "day0_end": "14:00",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "未誓約" in page and "将棋" in page
    form = response.context["form"]
    assert "day0_end" in form.errors
    with scope(municipality=personas.municipality):
        assert not Supporter.objects.filter(name="未誓約").exists()


def test_without_a_pledge_a_supporter_cannot_be_active(personas: Personas) -> None:
    response = personas.client("lead").post(
        url(personas, "new/"),
        {
            "name": "未誓約",
            "background": "resident",
            "gender": "unknown",
            "areas": "北部",
            "max_active": "1",
            "status": "active",
        },
    )
    assert response.status_code == 200
    assert "status" in response.context["form"].errors


def test_a_counselor_asks_for_a_supporter_from_the_case(
    personas: Personas, supporters: dict[str, Supporter], case: Case
) -> None:
    response = personas.client("counselor").post(
        url(personas, f"requests/case/{case.pk}/"),
        {
            "purpose": "外出の練習",
            "area": "北部",
            "wants_peer": "on",
            "wants_skills": "将棋",
            "refused": [supporters["nurse"].pk],
            "day0_start": "10:00",
            "day0_end": "11:00",
        },
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        asked = DispatchRequest.objects.get(case=case)
        assert asked.wants == {"skills": ["将棋"], "peer": True}
        assert list(asked.refused.all()) == [supporters["nurse"]]


def _open_request(personas: Personas, case: Case, area: str = "北部") -> DispatchRequest:
    with scope(municipality=personas.municipality):
        return services.dispatch_request_create(
            actor=personas.members["lead"],
            case=case,
            purpose="訪問",
            area=area,
            when=[WeeklySlot(0, time(10), time(11))],
            wants={"skills": ["将棋"]},
        )


def test_the_lead_reads_reasons_approves_and_the_release_is_logged(
    personas: Personas, supporters: dict[str, Supporter], case: Case
) -> None:
    asked = _open_request(personas, case)
    lead = personas.client("lead")
    page = lead.get(url(personas, "matching/")).content.decode()
    assert "佐藤 ピア" in page and "将棋" in page
    response = lead.post(
        url(personas, "matching/approve/"),
        {
            "request": asked.pk,
            "proposed": supporters["peer"].pk,
            "supporter": supporters["peer"].pk,
            "briefing": "月曜10時、玄関先で",
        },
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        dispatch = Dispatch.objects.get(request=asked)
        assert dispatch.supporter == supporters["peer"]
        assert dispatch.override_reason == ""
        bases = AccessLogObject.objects.filter(type="case", object_id=case.pk)
        assert f"dispatch:{dispatch.pk}" in bases.values_list("basis", flat=True)


def test_an_override_needs_a_reason_and_keeps_it(
    personas: Personas, supporters: dict[str, Supporter], case: Case
) -> None:
    asked = _open_request(personas, case)
    lead = personas.client("lead")
    body = {
        "request": asked.pk,
        "proposed": supporters["peer"].pk,
        "supporter": supporters["nurse"].pk,
    }
    lead.post(url(personas, "matching/approve/"), body)
    with scope(municipality=personas.municipality):
        assert not Dispatch.objects.exists()
    lead.post(url(personas, "matching/approve/"), {**body, "override_reason": "女性を希望と再確認"})
    with scope(municipality=personas.municipality):
        dispatch = Dispatch.objects.get()
        assert dispatch.supporter == supporters["nurse"]
        assert dispatch.proposed_supporter == supporters["peer"]
        assert dispatch.override_reason == "女性を希望と再確認"


def test_a_supporter_logs_an_activity_and_sees_their_hours(
    personas: Personas, supporters: dict[str, Supporter], case: Case
) -> None:
    asked = _open_request(personas, case)
    with scope(municipality=personas.municipality):
        dispatch = services.dispatch_approve(
            actor=personas.members["lead"],
            request=asked,
            supporter=supporters["peer"],
            briefing="玄関先で10分",
        )
    client = personas.client("supporter")
    mine = client.get(url(personas, "mine/")).content.decode()
    assert "玄関先で10分" in mine
    response = client.post(
        url(personas, f"dispatches/{dispatch.pk}/activity/"),
        {
            "date": date.today().isoformat(),
            "start": "10:00",
            "end": "11:30",
            "what_happened": "将棋を一局",
            "travel_yen": "300",
        },
    )
    assert response.status_code == 302
    mine = client.get(url(personas, "mine/")).content.decode()
    assert "1.5" in mine
    with scope(municipality=personas.municipality):
        assert ActivityLog.objects.get().minutes == 90


def test_another_supporters_dispatch_is_404(
    personas: Personas, supporters: dict[str, Supporter], case: Case
) -> None:
    asked = _open_request(personas, case)
    with scope(municipality=personas.municipality):
        dispatch = services.dispatch_approve(
            actor=personas.members["lead"], request=asked, supporter=supporters["nurse"]
        )
    client = personas.client("supporter")
    assert client.get(url(personas, f"dispatches/{dispatch.pk}/activity/")).status_code == 404


def test_a_supporters_login_meets_404_beyond_their_own_pages(
    personas: Personas, supporters: dict[str, Supporter], case: Case
) -> None:
    """Not 403: a supporter must not learn which pages or records exist."""
    client = personas.client("supporter")
    code = personas.municipality.code
    for path in (
        f"/m/{code}/cases/{case.pk}/",
        f"/m/{code}/persons/{case.person_id}/",
        f"/m/{code}/cases/",
        f"/m/{code}/persons/",
        f"/m/{code}/consultations/",
        f"/m/{code}/places/",
        f"/m/{code}/statistics/",
        url(personas, ""),
        url(personas, "matching/"),
        url(personas, f"case/{case.pk}/"),
        url(personas, "statistics/"),
        f"/m/{code}/no-such-page/",
    ):
        assert client.get(path).status_code == 404, path
    # Their home is their own dispatches.
    home = client.get(f"/m/{code}/")
    assert home.status_code == 302
    assert home["Location"] == url(personas, "mine/")


def test_the_payment_workbook_has_hours_and_travel_per_supporter(
    personas: Personas, supporters: dict[str, Supporter], case: Case
) -> None:
    asked = _open_request(personas, case)
    with scope(municipality=personas.municipality):
        dispatch = services.dispatch_approve(
            actor=personas.members["lead"], request=asked, supporter=supporters["peer"]
        )
        services.activity_log_create(
            actor=personas.members["supporter"],
            dispatch=dispatch,
            date=date.today(),
            start=time(10),
            end=time(12),
            what_happened="散歩",
            travel_yen=500,
            place="=HYPERLINK()",
        )
    response = export(
        personas.client("lead"),
        personas.url(f"exports/supporters/payments.xlsx?month={date.today():%Y-%m}"),
    )
    book = load_workbook(BytesIO(response.content))
    summary = list(book.worksheets[0].iter_rows(values_only=True))
    assert summary[1] == ("佐藤 ピア", 1, 2.0, 500)
    place = book.worksheets[1].cell(row=3, column=5)
    assert (place.value, place.data_type) == ("=HYPERLINK()", "s")  # text, never a formula


def test_another_municipality_gets_404_on_the_screens(
    personas: Personas, supporters: dict[str, Supporter]
) -> None:
    outsider = personas.client("lead", outsider=True)
    for path in ("", "new/", "matching/", f"{supporters['peer'].pk}/edit/"):
        assert outsider.get(url(personas, path)).status_code == 404


def test_statistics_count_hours_people_and_the_wait_before_the_first_visit(
    personas: Personas, supporters: dict[str, Supporter], case: Case
) -> None:
    from datetime import timedelta

    from django.utils import timezone

    today = timezone.localdate()
    with scope(municipality=personas.municipality):
        asked = services.dispatch_request_create(
            actor=personas.members["lead"],
            case=case,
            purpose="訪問",
            area="北部",
            when=[WeeklySlot(0, time(10), time(11))],
            at=timezone.now() - timedelta(days=6),
        )
        dispatch = services.dispatch_approve(
            actor=personas.members["lead"], request=asked, supporter=supporters["peer"]
        )
        for start, end in ((time(10), time(11)), (time(13), time(14, 30))):
            services.activity_log_create(
                actor=personas.members["lead"],
                dispatch=dispatch,
                date=today,
                start=start,
                end=end,
                what_happened="訪問",
            )
    response = personas.client("counselor").get(url(personas, "statistics/"))
    stats = response.context["stats"]
    assert (stats.activities, stats.hours, stats.people) == (2, 2.5, 1)
    assert stats.waits == [6]
    row = {"dispatches": 1, "activities": 2, "hours": 2.5, "people": 1}
    assert stats.by_background == [{"background": "ピア・元当事者", **row}]
    assert stats.by_month == [{"month": f"{today:%Y-%m}", **row}]
    assert "statistics-chart-data" in response.content.decode()


def test_the_wait_is_shown_as_median_and_90th_percentile() -> None:
    from tsunagu.supporters.selectors import SupporterStatistics

    stats = SupporterStatistics(
        start=date(2026, 4, 1),
        end=date(2027, 3, 31),
        dispatches=10,
        activities=10,
        hours=10.0,
        people=10,
        by_month=[],
        by_background=[],
        waits=[30, 1, 2, 3, 4, 5, 6, 7, 8, 9],
    )
    # Nearest rank: 90% of the requests waited 9 days or less; one waited a month.
    assert (stats.wait_median, stats.wait_p90) == (5.5, 9)


def test_the_case_page_shows_the_supporters_activity_to_staff(
    personas: Personas, supporters: dict[str, Supporter], case: Case
) -> None:
    asked = _open_request(personas, case)
    with scope(municipality=personas.municipality):
        dispatch = services.dispatch_approve(
            actor=personas.members["lead"], request=asked, supporter=supporters["peer"]
        )
        services.activity_log_create(
            actor=personas.members["supporter"],
            dispatch=dispatch,
            date=date.today(),
            start=time(10),
            end=time(11),
            what_happened="散歩に出た",
            next_step="次は図書館",
        )
    counselor = personas.client("counselor")
    page = counselor.get(personas.url(f"cases/{case.pk}/")).content.decode()
    assert f"supporters/case/{case.pk}/" in page and "サポーター派遣を申請" in page
    part = counselor.get(url(personas, f"case/{case.pk}/")).content.decode()
    assert "佐藤 ピア" in part and "散歩に出た" in part and "次は図書館" in part


def _ufe_form(person_id: int) -> dict[str, str]:
    return {
        "name": "元当事者 UFE",
        "background": "peer",
        "peer": "on",
        "gender": "male",
        "areas": "北部",
        "max_active": "1",
        "status": "paused",
        "person_id": str(person_id),
    }


def test_the_lead_links_a_supporter_to_a_person_record(personas: Personas, case: Case) -> None:
    lead = personas.client("lead")
    assert lead.post(url(personas, "new/"), _ufe_form(case.person_id)).status_code == 302
    with scope(municipality=personas.municipality):
        saved = Supporter.objects.get(name="元当事者 UFE")
        assert saved.person_id == case.person_id
    edit = lead.get(url(personas, f"{saved.pk}/edit/")).content.decode()
    assert f'value="{case.person_id}"' in edit


def test_a_person_the_lead_may_not_see_is_refused_next_to_the_field(personas: Personas) -> None:
    from tests.people.helpers import make_person

    stranger = make_person(personas.outsider, name="他市 花子")
    response = personas.client("lead").post(url(personas, "new/"), _ufe_form(stranger.pk))
    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["person_id"]
    with scope(municipality=personas.municipality):
        assert not Supporter.objects.filter(name="元当事者 UFE").exists()


def test_activity_logs_are_on_the_case_timeline_for_staff_and_the_read_is_logged(
    personas: Personas, supporters: dict[str, Supporter], case: Case
) -> None:
    asked = _open_request(personas, case)
    with scope(municipality=personas.municipality):
        dispatch = services.dispatch_approve(
            actor=personas.members["lead"], request=asked, supporter=supporters["peer"]
        )
        log = services.activity_log_create(
            actor=personas.members["supporter"],
            dispatch=dispatch,
            date=date(2026, 6, 1),
            start=time(10),
            end=time(11, 30),
            place="自宅",
            what_happened="将棋を二局指した",
            response="笑顔が見えた",
            next_step="次は公園へ",
        )
    counselor = personas.client("counselor")
    for query in ("", "?kind=activity"):
        page = counselor.get(personas.url(f"cases/{case.pk}/{query}")).content.decode()
        timeline = page[page.index('id="timeline"') :]
        assert 'data-kind="activity"' in timeline
        assert "将棋を二局指した" in timeline and "笑顔が見えた" in timeline
        assert "佐藤 ピア" in timeline and "90" in timeline
    only_consultations = counselor.get(personas.url(f"cases/{case.pk}/?kind=consultation"))
    assert "将棋を二局指した" not in only_consultations.content.decode()
    with scope(municipality=personas.municipality):
        seen = AccessLogObject.objects.filter(type="activity_log", object_id=log.pk)
        counselor_id = personas.members["counselor"].pk
        assert seen.filter(entry__membership_id_at_time=counselor_id).exists()
        assert set(seen.values_list("basis", flat=True)) == {"case"}
    # The supporter who wrote it still sees their dispatches only: the case page is 404.
    supporter = personas.client("supporter")
    assert supporter.get(personas.url(f"cases/{case.pk}/")).status_code == 404
