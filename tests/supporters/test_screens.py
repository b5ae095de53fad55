"""The supporters screens: registry, asking from a case, matching with approval and override,
a supporter's own dispatches and activity log, and the 謝金 workbook."""

from datetime import date, time
from io import BytesIO

from django_scopes import scope
from openpyxl import load_workbook

from tsunagu.audit.models import AccessLogObject
from tsunagu.supporters import services
from tsunagu.supporters.models import ActivityLog, Dispatch, DispatchRequest, Supporter
from tsunagu.supporters.services import WeeklySlot


def url(personas, path: str) -> str:
    return personas.url(f"supporters/{path}")


def test_the_lead_registers_a_supporter_with_weekly_availability(personas):
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


def test_a_bad_supporter_form_keeps_what_was_typed_and_says_why(personas):
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


def test_without_a_pledge_a_supporter_cannot_be_active(personas):
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


def test_a_counselor_asks_for_a_supporter_from_the_case(personas, supporters, case):
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


def _open_request(personas, case, area="北部"):
    with scope(municipality=personas.municipality):
        return services.dispatch_request_create(
            actor=personas.members["lead"],
            case=case,
            purpose="訪問",
            area=area,
            when=[WeeklySlot(0, time(10), time(11))],
            wants={"skills": ["将棋"]},
        )


def test_the_lead_reads_reasons_approves_and_the_release_is_logged(personas, supporters, case):
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


def test_an_override_needs_a_reason_and_keeps_it(personas, supporters, case):
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


def test_a_supporter_logs_an_activity_and_sees_their_hours(personas, supporters, case):
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


def test_another_supporters_dispatch_is_404(personas, supporters, case):
    asked = _open_request(personas, case)
    with scope(municipality=personas.municipality):
        dispatch = services.dispatch_approve(
            actor=personas.members["lead"], request=asked, supporter=supporters["nurse"]
        )
    client = personas.client("supporter")
    assert client.get(url(personas, f"dispatches/{dispatch.pk}/activity/")).status_code == 404


def test_the_payment_workbook_has_hours_and_travel_per_supporter(personas, supporters, case):
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
    response = personas.client("lead").get(
        url(personas, f"payments.xlsx?month={date.today():%Y-%m}")
    )
    book = load_workbook(BytesIO(response.content))
    summary = list(book.worksheets[0].iter_rows(values_only=True))
    assert summary[1] == ("佐藤 ピア", 1, 2.0, 500)
    place = book.worksheets[1].cell(row=3, column=5)
    assert (place.value, place.data_type) == ("=HYPERLINK()", "s")  # text, never a formula


def test_another_municipality_gets_404_on_the_screens(personas, supporters):
    outsider = personas.client("lead", outsider=True)
    for path in ("", "new/", "matching/", f"{supporters['peer'].pk}/edit/"):
        assert outsider.get(url(personas, path)).status_code == 404


def test_statistics_count_hours_people_and_the_wait_before_the_first_visit(
    personas, supporters, case
):
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
    assert stats.by_background == [
        {"background": "ピア・元当事者", "activities": 2, "hours": 2.5, "people": 1}
    ]
    assert "statistics-chart-data" in response.content.decode()


def test_the_case_page_shows_the_supporters_activity_to_staff(personas, supporters, case):
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
