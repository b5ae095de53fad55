"""One of everything in a municipality: the world the authorization matrix and the access-log
coverage test request every URL against, and the URLs of its objects."""

from datetime import date, time, timedelta
from typing import Any

from axes.models import AccessAttempt
from django.urls import reverse
from django.utils import timezone
from django_scopes import scope, scopes_disabled

from tsunagu.cases import services as case_services
from tsunagu.consultations.importer import import_job_path
from tsunagu.consultations.models import ImportJob
from tsunagu.consultations.services import consultation_record
from tsunagu.network import services as meeting_services
from tsunagu.network.services import referral_create
from tsunagu.people import services as people_services
from tsunagu.places import services as place_services
from tsunagu.programmes import services as programme_services
from tsunagu.public import services as public_services
from tsunagu.reports.export_jobs import export_path
from tsunagu.reports.models import ExportJob, ReportingGroup
from tsunagu.supporters import services as supporter_services
from tsunagu.surveys import services as survey_services
from tsunagu.tenancy.models import Membership, Municipality, Organization

World = dict[str, Any]
OFFICE = "203.0.113.10"


def build_world(m: Municipality, members: dict[str, Membership], surname: str = "架空") -> World:
    """One of everything in `m`, visible to `members` the way the matrix assumes.

    The persons are named after `surname` (two of them alike, for the duplicate and merge
    screens) and the consultation's summary too, so a page that shows them can be told.
    """
    lead, counselor = members["lead"], members["counselor"]
    partner_organization = members["partner"].organization
    assert partner_organization is not None
    today = timezone.localdate()
    with scope(municipality=m):
        person = people_services.person_create(actor=lead, municipality=m, name=f"{surname} 一郎")
        twin = people_services.person_create(actor=lead, municipality=m, name=f"{surname} 一郎")
        family = people_services.family_member_create(
            actor=lead, person=person, name=f"{surname} 花子", relation="mother"
        )
        case = case_services.case_open(
            actor=lead,
            person=person,
            opened_on=date(2026, 4, 1),
            referral_source="family",
            primary=counselor,
        )
        closed_case = case_services.case_open(
            actor=lead,
            person=twin,
            opened_on=date(2025, 4, 1),
            referral_source="self",
            primary=counselor,
        )
        case_services.case_close(
            actor=lead, case=closed_case, reason="employment", closed_on=date(2026, 3, 31)
        )
        item = case_services.plan_item_add(actor=lead, case=case, what="週1回の電話")
        flag = case_services.risk_raise(actor=lead, case=case, kind="self_neglect")
        consultation = consultation_record(
            actor=lead,
            municipality=m,
            occurred_at=timezone.now(),
            channel="phone",
            consulter="family",
            person=person,
            case=case,
            summary=f"{surname}さんの相談記録",
        )
        consent = people_services.consent_record(
            actor=lead,
            person=person,
            organizations=[partner_organization],
            purposes="就労支援のため",
            valid_from=today - timedelta(days=1),
            valid_until=None,
            form="written",
        )
        job = ImportJob.objects.create(
            municipality=m, uploaded_by=lead, original_name="a.csv", status="failed"
        )
        jobs = {
            name: ImportJob.objects.create(
                municipality=m,
                uploaded_by=lead,
                original_name="a.csv",
                stored_name=f"{name}.csv",
                status=status,
                interrupted=status == "failed",
            )
            for name, status in [
                ("job_checked", "checked"),
                ("job_to_cancel", "checked"),
                ("job_interrupted", "failed"),
            ]
        }
        path = import_job_path(jobs["job_interrupted"])
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("日時,相談方法,相談者\n2026-04-02,phone,self\n", encoding="utf-8")
        # The lead's exports: one ready to download (no personal data in it), one failed.
        export_done = ExportJob.objects.create(
            municipality=m,
            requested_by=lead,
            kind="statistics_csv",
            status="done",
            percent=100,
            stored_name=f"world-{m.code}.csv",
            ascii_name="statistics.csv",
            content_type="text/csv; charset=utf-8",
            expires_at=timezone.now() + timedelta(days=1),
        )
        export_path(export_done).write_text("相談方法,延べ件数\n電話,0\n", encoding="utf-8")
        export_failed = ExportJob.objects.create(
            municipality=m, requested_by=lead, kind="statistics_csv", status="failed"
        )
        group = ReportingGroup.objects.create(municipality=m, name="その他", channels=["email"])
        meeting = meeting_services.support_meeting_create(
            actor=lead, title="支援会議", legal_basis="swa_106_6", held_on=today
        )
        meeting_services.support_meeting_set_cases(actor=lead, meeting=meeting, cases=[case])
        meeting_services.support_meeting_invite(
            actor=lead, meeting=meeting, members=[members["partner"]]
        )
        organization = Organization.objects.filter(municipality=m).first()
        body = meeting_services.meeting_body_save(
            actor=lead,
            name="ひきこもり支援等検討委員会",
            kind="committee",
            organizations=[partner_organization],
        )
        network_meeting = meeting_services.meeting_create(
            actor=lead, kind="committee", title="第1回 検討委員会", held_on=today, body=body
        )
        action_item = meeting_services.action_item_add(
            actor=lead,
            meeting=network_meeting,
            what="研修計画の案を作る",
            owner=counselor,
            due_on=today + timedelta(days=14),
        )
        series = meeting_services.series_create(
            actor=lead,
            kind="huddle",
            title="打ち合わせ",
            rrule="FREQ=WEEKLY;BYDAY=TH",
            start=time(9, 0),
            end=time(9, 30),
            starts_on=today,
        )
        admin = members["admin"]
        admin.user.email = "admin@example.org"
        admin.user.save(update_fields=["email"])
        mail_server = meeting_services.mail_server_save(
            actor=admin,
            host="smtp.example.org",
            port=587,
            use_tls=True,
            username="tsunagu",
            password="secret",
            from_address="tsunagu@example.org",
        )
        referral = referral_create(
            actor=lead,
            case=case,
            destination="council",
            organization=members["partner"].organization,
            purpose="就労準備の相談",
            consent=consent,
        )
        place = place_services.place_create(
            actor=lead,
            municipality_id=m.pk,
            name="居場所",
            kind="person",
            access="reservation",
            capacity=5,
            public=True,
            rules=[place_services.RuleIn("FREQ=DAILY", time(10), time(16), "keep")],
            staff=[members["place_staff"]],
        )
        place_services.sessions_ensure(place, today + timedelta(days=7))
        session = place.sessions.filter(date__gte=today).first()
        # A consultation day (相談日) in slots of an hour: the professional sees both cases
        # by their bookings (13:00 and 14:00); 15:00 is free.
        consultation_day = place_services.place_create(
            actor=lead,
            municipality_id=m.pk,
            name="相談日",
            kind="consultation",
            rules=[place_services.RuleIn("FREQ=DAILY", time(13), time(16), "keep")],
            staff=[members["place_staff"]],
        )
        place_services.sessions_ensure(consultation_day, today + timedelta(days=7))
        consultation_session = consultation_day.sessions.filter(date__gte=today).get(
            date=today + timedelta(days=1)
        )
        booking = place_services.booking_create(
            actor=lead,
            session=consultation_session,
            start=time(13),
            case=case,
            professional=members["professional"],
        )
        place_services.booking_create(
            actor=lead,
            session=consultation_session,
            start=time(14),
            case=closed_case,
            professional=members["professional"],
        )
        programme = programme_services.programme_create(
            actor=lead,
            municipality_id=m.pk,
            name="講演会",
            kind="lecture",
            meetings=[programme_services.MeetingIn(today, time(13), time(15))],
            min_sessions_to_complete=1,
        )
        enrolment = programme_services.enrolment_create(
            actor=lead, programme=programme, name="市民 聴講"
        )
        programme_services.programme_attendance_record(
            actor=lead, enrolment=enrolment, meeting=programme.meetings.get()
        )
        supporter = supporter_services.supporter_save(
            actor=lead,
            name="架空 サポーター",
            background="peer",
            areas=["北部"],
            availability=[supporter_services.WeeklySlot(0, time(9), time(12))],
            status="active",
            pledged_on=today,
            membership=members["supporter"],
            max_active=3,
        )
        dispatch = supporter_services.dispatch_approve(
            actor=lead,
            request=supporter_services.dispatch_request_create(
                actor=lead,
                case=case,
                purpose="訪問",
                area="北部",
                when=[supporter_services.WeeklySlot(0, time(10), time(11))],
            ),
            supporter=supporter,
        )
        supporter_meeting = supporter_services.supporter_meeting_add(
            actor=lead,
            kind="supporter_meeting",
            name="定例ミーティング",
            day=today,
            start=time(14),
            end=time(15),
        )
        open_request = supporter_services.dispatch_request_create(
            actor=lead,
            case=case,
            purpose="同行",
            area="北部",
            when=[supporter_services.WeeklySlot(0, time(10), time(11))],
        )
        public_programme = programme_services.programme_create(
            actor=lead,
            municipality_id=m.pk,
            name="家族のつどい",
            kind="family_group",
            public=True,
            meetings=[programme_services.MeetingIn(today + timedelta(days=3), time(14), time(16))],
        )
        inquiry = public_services.inquiry_submit(
            municipality=m, writer="family", about="", reply_by="none", reply_to="", text="相談"
        )
        survey_services.district_save(actor=lead, name="北部")
        survey = survey_services.survey_create(actor=lead, name="実態把握", conducted_on=today)
        answer = survey.answers.get()
    with scopes_disabled():
        AccessAttempt.objects.create(
            username=counselor.user.username,
            ip_address=OFFICE,
            user_agent="",
            http_accept="",
            path_info="/accounts/login/",
            get_data="",
            post_data="",
            failures_since_start=5,
        )
    assert organization is not None
    assert session is not None
    return {
        "pk": {
            "organization_edit": organization.pk,
            "membership_edit": counselor.pk,
            "membership_password_reset": counselor.pk,
            "membership_mfa_reset": counselor.pk,
            "person_detail": person.pk,
            "person_merge": person.pk,
            "person_merge_undo": 999999,
            "person_edit": person.pk,
            "family_member_add": person.pk,
            "family_member_edit": person.pk,
            "consent_new": person.pk,
            "consent_revoke": person.pk,
            "consent_document": person.pk,
            "consultation_detail": consultation.pk,
            "consultation_follow_up_done": consultation.pk,
            "consultation_correct": consultation.pk,
            "consultation_link": consultation.pk,
            "consultation_delete": consultation.pk,
            "reporting_group_edit": group.pk,
            "reporting_group_delete": group.pk,
            "access_person": person.pk,
            "access_person_csv": person.pk,
            "meeting_detail": meeting.pk,
            "meeting_acknowledge": meeting.pk,
            "partner_edit": organization.pk,
            "referral_new": case.pk,
            "referral_detail": referral.pk,
            "network_meeting_detail": network_meeting.pk,
            "network_meeting_pdf": network_meeting.pk,
            "action_item_add": network_meeting.pk,
            "action_item_done": action_item.pk,
            "network_meeting_change": network_meeting.pk,
            "network_series_edit": series.pk,
            "place_detail": place.pk,
            "place_edit": place.pk,
            "session_detail": session.pk,
            "session_change": session.pk,
            "supporter_edit": supporter.pk,
            "dispatch_request_new": case.pk,
            "case_supporter_activity": case.pk,
            "survey_detail": survey.pk,
            "survey_answer_edit": survey.pk,
            "survey_answer_remind": survey.pk,
            "survey_xlsx": survey.pk,
            "survey_questionnaire": survey.pk,
            "activity_log_new": dispatch.pk,
            "programme_detail": programme.pk,
            "programme_meeting": programme.pk,
            "programme_certificate": enrolment.pk,
            "supporter_meeting_attendance": supporter_meeting.pk,
            "case_reopen": closed_case.pk,
            "web_inquiry_answered": inquiry.pk,
            "export_job": export_done.pk,
            "export_job_progress": export_done.pk,
            "export_job_download": export_done.pk,
            "export_job_retry": export_failed.pk,
            "web_inquiry_new_case": inquiry.pk,
        },
        "export_failed": export_failed.pk,
        **{name: job.pk for name, job in jobs.items()},
        "closed_case": closed_case.pk,
        "group": group.pk,
        "meeting": meeting.pk,
        "action_item": action_item.pk,
        "mail_server": mail_server.pk,
        "open_request": open_request.pk,
        "supporter": supporter.pk,
        "counselor": counselor.pk,
        "partner_org": members["partner"].organization_id,
        "public_programme": public_programme.pk,
        "web_inquiry": inquiry.pk,
        "case": case.pk,
        "family_pk": family.pk,
        "consent_pk": consent.pk,
        "item_pk": item.pk,
        "flag_pk": flag.pk,
        "job": job.pk,
        "person": person.pk,
        "referral": referral.pk,
        "consultation": consultation.pk,
        "twin": twin.pk,
        "place": place.pk,
        "session": session.pk,
        "consultation_session": consultation_session.pk,
        "booking": booking.pk,
        "professional": members["professional"].pk,
        "programme": programme.pk,
        "survey": survey.pk,
        "answer_pk": answer.pk,
    }


IMPORT_JOBS = {
    "consultation_import_confirm": "job_checked",
    "consultation_import_cancel": "job_to_cancel",
    "consultation_import_retry": "job_interrupted",
}


def staff_url(name: str, code: str, world: World) -> str:
    short = name.split(":", 1)[1]
    kwargs: dict[str, object] = {"code": code}
    if short in IMPORT_JOBS:
        kwargs["pk"] = world[IMPORT_JOBS[short]]
    elif short.startswith("consultation_import_") and short != "consultation_import_template":
        kwargs["pk"] = world["job"]
    elif short in world["pk"]:
        kwargs["pk"] = world["pk"][short]
    elif short.startswith(("case_", "plan_item_", "risk_")) and short not in (
        "case_list",
        "case_open",
    ):
        kwargs["pk"] = world["case"]
    if short == "family_member_edit":
        kwargs["family_pk"] = world["family_pk"]
    if short in ("consent_revoke", "consent_document"):
        kwargs["consent_pk"] = world["consent_pk"]
    if short == "plan_item_review":
        kwargs["item_pk"] = world["item_pk"]
    if short == "risk_clear":
        kwargs["flag_pk"] = world["flag_pk"]
    if short.startswith("survey_answer_") or short == "survey_questionnaire":
        kwargs["answer_pk"] = world["answer_pk"]
    if short == "programme_meeting":
        kwargs["number"] = 1
    url = reverse(name, kwargs=kwargs)
    if short == "consultation_person_cases":
        url += f"?person={world['person']}"
    if short == "person_merge":
        url += f"?with={world['twin']}"
    return url


def api_url(path: str, code: str, world: World) -> str:
    """An operation's OpenAPI path with the world's objects in it (a consultation day's session
    for its slots and bookings)."""
    consultation = path.endswith(("/slots", "/bookings"))
    return path.format(
        code=code,
        person_id=world["person"],
        case_id=world["case"],
        referral_id=world["referral"],
        consultation_id=world["consultation"],
        place_id=world["place"],
        session_id=world["consultation_session" if consultation else "session"],
        booking_id=world["booking"],
        programme_id=world["programme"],
        survey_id=world["survey"],
    )
