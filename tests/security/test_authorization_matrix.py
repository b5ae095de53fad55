"""The authorization matrix: every URL pattern and API operation, for every role, declared.

The URL conf and the OpenAPI schema are enumerated; each staff URL and API operation must have
a row in STAFF or API below, and every other URL pattern (log-in, allauth, the API's own pages,
public calendars) a line in OUTSIDE (a new endpoint without one fails
`test_every_endpoint_is_declared`). Each row is requested as anonymous, as every role of the
municipality, and as a member of another municipality, and the answers must be exactly the ones
../docs/CONTRACT.md promises: 404 for anything outside what the caller may see (another
municipality's objects, objects a supporter or partner has no basis for), 403 for a role that
may not. A write row sends a valid body and observes its effect: an allowed answer must have
written, a refused one must have left everything as it was.

Where a view answers otherwise than the contract, the row says so in `deviates` with the
reason; the test accepts that answer only while it lasts (strictly: once the view is fixed the
mark must go) and prints every deviation, so none is forgotten.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from axes.models import AccessAttempt
from django.db import transaction
from django.db.models import Model
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django_scopes import scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.security.world import OFFICE, World, api_url, build_world, staff_url
from tsunagu.api.api import api
from tsunagu.cases.models import Case, PlanItem, PlanReview, RiskFlag
from tsunagu.consultations.models import Consultation, ImportJob
from tsunagu.network.models import ActionItem, MailServer, Referral, SupportMeetingMember
from tsunagu.people.models import Consent, Person
from tsunagu.places.models import Attendance, Booking, Place, Reservation
from tsunagu.programmes.models import Enrolment, Programme
from tsunagu.public.models import WebInquiry
from tsunagu.reports.models import ExportJob, ReportingGroup
from tsunagu.supporters.models import Dispatch, DispatchRequest, MeetingAttendance, Supporter
from tsunagu.surveys.models import DistrictAnswer, Survey
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership

ROLES = [r.value for r in Role]
OK = 200
CREATED = 201
POSTED = 302  # a form accepted: the write is done and the browser is sent on

# What a write changes, observed before and after the request: a count, a field, a row's
# existence. The write happened when the two observations differ.
Observe = Callable[[World, Membership | None], object]


# A supporter is confined to their own dispatches: whatever else exists is 404 to them, never
# 403 (a refusal would say that it exists). CONTRACT.md, "Supporters and dispatch".
CONFINED = "supporter"


def only(*roles: str, status: int = OK, others: int = 403, **overrides: int) -> dict[str, int]:
    table = {role: (status if role in roles else others) for role in ROLES}
    if CONFINED not in roles:
        table[CONFINED] = 404
    table.update(overrides)
    return table


def count(model: type[Model]) -> Observe:
    def observe(world: World, member: Membership | None) -> object:
        with scopes_disabled():
            return model._default_manager.count()

    return observe


def value(model: type[Model], key: str, attribute: str) -> Observe:
    """The attribute of the world's object `key` of `model` (None once it is gone)."""

    def observe(world: World, member: Membership | None) -> object:
        with scopes_disabled():
            obj = model._default_manager.filter(pk=world[key]).first()
        return None if obj is None else getattr(obj, attribute)

    return observe


EVERYONE = only(*ROLES)
STAFF_ROLES = [r for r in ROLES if r != CONFINED]
PERSON_READERS = ("lead", "counselor", "professional", "partner")
EDITORS = ("lead", "counselor")
ADMIN_AND_LEAD = ("admin", "lead")
STATISTICS = ("admin", "lead", "counselor", "committee")
MEETING_READERS = ("lead", "counselor", "committee", "partner", "professional")
PLACE_VIEWERS = ("admin", "lead", "counselor", "place_staff")
PLACE_WORKERS = ("lead", "counselor", "place_staff")


@dataclass(frozen=True)
class Row:
    """What each role gets (`expect`, the contract's answer), and for a write what it changes.

    `data` is the body (or a function of the world giving it); `wrote` observes the write;
    `writers` are the allowed roles whose request must change it (default: every allowed
    role); `deviates` maps a role to (the status the view answers today, why) where that is
    not the contract's.
    """

    expect: dict[str, int]
    method: str = "get"
    data: dict[str, object] | Callable[[World], dict[str, object]] = field(default_factory=dict)
    wrote: Observe | None = None
    writers: tuple[str, ...] | None = None
    deviates: dict[str, tuple[int, str]] = field(default_factory=dict)

    def body(self, world: World) -> dict[str, object]:
        return self.data(world) if callable(self.data) else self.data


def posted(*roles: str, **overrides: int) -> dict[str, int]:
    return only(*roles, status=POSTED, **overrides)


# Staff screens: URL name → expected status per role (GET unless the row says otherwise).
# A POST row sends a valid form: the allowed answer is the redirect of a done write (302).
STAFF: dict[str, Row] = {
    # A supporter's home is their own dispatches (a redirect there).
    "staff:home": Row(only(*ROLES, supporter=302)),
    "staff:organization_list": Row(only("admin")),
    "staff:organization_edit": Row(only("admin")),
    "staff:membership_list": Row(only("admin")),
    "staff:membership_edit": Row(only("admin")),
    # Resetting a member's password or second factor: the admin confirms on these pages
    # first (the reset itself is a POST, tests/tenancy/test_password_reset.py).
    "staff:membership_password_reset": Row(only("admin")),
    "staff:membership_mfa_reset": Row(only("admin")),
    "staff:retention": Row(only("admin")),
    "staff:person_list": Row(only(*PERSON_READERS)),
    "staff:person_create": Row(only(*EDITORS)),
    "staff:person_duplicates": Row(only("lead")),
    "staff:person_merge": Row(only("lead")),
    # The world holds no merge: past the permission check, the lead meets 404.
    "staff:person_merge_undo": Row(only("lead", status=404), "post"),
    "staff:person_detail": Row(only(*PERSON_READERS)),
    "staff:person_edit": Row(only(*EDITORS)),
    "staff:family_member_add": Row(only(*EDITORS)),
    "staff:family_member_edit": Row(only(*EDITORS)),
    "staff:consent_new": Row(only(*EDITORS)),
    "staff:consent_revoke": Row(
        posted(*EDITORS), "post", wrote=value(Consent, "consent_pk", "revoked_at")
    ),
    # Only those who record consents read the scan; the world's consent has none (404).
    "staff:consent_document": Row(only(*EDITORS, status=404)),
    "staff:case_list": Row(only(*PERSON_READERS)),
    "staff:case_open": Row(only(*EDITORS)),
    "staff:case_detail": Row(only(*PERSON_READERS)),
    # Every export is queued (a job and its page): the button's POST writes an ExportJob.
    "staff:case_record_pdf": Row(posted(*PERSON_READERS), "post", wrote=count(ExportJob)),
    "staff:case_edit": Row(only(*EDITORS)),
    "staff:case_assign": Row(only("lead")),
    "staff:case_change_stage": Row(
        posted(*EDITORS),
        "post",
        {"stage-to_stage": "individual", "stage-reason": "面談開始"},
        wrote=value(Case, "case", "stage"),
    ),
    "staff:case_close": Row(
        posted(*EDITORS),
        "post",
        {"close-reason": "employment", "close-closed_on": "2026-04-30"},
        wrote=value(Case, "case", "closed_on"),
    ),
    "staff:case_reopen": Row(
        posted(*EDITORS),
        "post",
        {"reopen-stage": "individual", "reopen-reason": "再び相談があった"},
        wrote=value(Case, "closed_case", "closed_on"),
    ),
    "staff:plan_item_add": Row(
        posted(*EDITORS), "post", {"plan-what": "家族面談"}, wrote=count(PlanItem)
    ),
    "staff:plan_item_review": Row(
        posted(*EDITORS),
        "post",
        lambda w: {f"review-{w['item_pk']}-note": "継続"},
        wrote=count(PlanReview),
    ),
    "staff:risk_raise": Row(
        posted(*EDITORS), "post", {"risk-kind": "violence"}, wrote=count(RiskFlag)
    ),
    "staff:risk_clear": Row(
        posted(*EDITORS),
        "post",
        lambda w: {f"clear-{w['flag_pk']}-note": "落ち着いた"},
        wrote=value(RiskFlag, "flag_pk", "cleared_at"),
    ),
    # A partner sees a consented person, not the desk's consultations about them.
    "staff:consultation_list": Row(only(*PERSON_READERS)),
    "staff:consultation_new": Row(only(*EDITORS)),
    "staff:consultation_person_search": Row(only(*EDITORS)),
    "staff:consultation_person_cases": Row(only(*EDITORS)),
    "staff:consultation_detail": Row(only(*PERSON_READERS, partner=404)),
    "staff:consultation_follow_up_done": Row(
        posted(*EDITORS),
        "post",
        wrote=value(Consultation, "consultation", "next_action_done_at"),
    ),
    # The world's consultation was recorded by the lead: its author or a lead corrects it;
    # a counselor links only a call with no person yet; deleting is a lead's act.
    "staff:consultation_correct": Row(only("lead")),
    "staff:consultation_link": Row(only("lead")),
    "staff:consultation_delete": Row(only("lead")),
    "staff:consultation_import": Row(only(*ADMIN_AND_LEAD)),
    "staff:consultation_import_template": Row(only(*ADMIN_AND_LEAD)),
    # An import job is its uploader's (the lead's) alone: the admin may import, but another
    # member's job is outside what they may see (404).
    "staff:consultation_import_job": Row(only(*ADMIN_AND_LEAD, admin=404)),
    "staff:consultation_import_progress": Row(only(*ADMIN_AND_LEAD, admin=404)),
    "staff:consultation_import_confirm": Row(
        posted(*ADMIN_AND_LEAD, admin=404),
        "post",
        wrote=value(ImportJob, "job_checked", "status"),
    ),
    "staff:consultation_import_cancel": Row(
        posted(*ADMIN_AND_LEAD, admin=404),
        "post",
        wrote=value(ImportJob, "job_to_cancel", "status"),
    ),
    "staff:consultation_import_retry": Row(
        posted(*ADMIN_AND_LEAD, admin=404),
        "post",
        wrote=value(ImportJob, "job_interrupted", "status"),
    ),
    "staff:statistics": Row(only(*STATISTICS)),
    "staff:statistics_csv": Row(posted(*STATISTICS), "post", wrote=count(ExportJob)),
    "staff:statistics_xlsx": Row(posted(*STATISTICS), "post", wrote=count(ExportJob)),
    "staff:statistics_pdf": Row(posted(*STATISTICS), "post", wrote=count(ExportJob)),
    "staff:statistics_dashboard": Row(only(*STATISTICS)),
    "staff:statistics_dashboard_xlsx": Row(posted(*STATISTICS), "post", wrote=count(ExportJob)),
    "staff:consultation_list_csv": Row(posted(*PERSON_READERS), "post", wrote=count(ExportJob)),
    "staff:consultation_list_xlsx": Row(posted(*PERSON_READERS), "post", wrote=count(ExportJob)),
    # An export job and its file are the requester's (the lead's) alone: 404 to anyone else.
    "staff:export_job": Row(only("lead", others=404)),
    "staff:export_job_progress": Row(only("lead", others=404)),
    "staff:export_job_download": Row(only("lead", others=404)),
    "staff:export_job_retry": Row(
        posted("lead", others=404), "post", wrote=value(ExportJob, "export_failed", "status")
    ),
    "staff:reporting_groups": Row(only(*ADMIN_AND_LEAD)),
    "staff:reporting_group_edit": Row(only(*ADMIN_AND_LEAD)),
    "staff:reporting_group_delete": Row(
        posted(*ADMIN_AND_LEAD), "post", wrote=value(ReportingGroup, "group", "pk")
    ),
    "staff:audit_index": Row(only(*ADMIN_AND_LEAD)),
    "staff:case_history": Row(only("lead")),
    "staff:access_person": Row(only(*ADMIN_AND_LEAD)),
    "staff:access_person_csv": Row(only(*ADMIN_AND_LEAD)),
    "staff:access_user": Row(only(*ADMIN_AND_LEAD)),
    # Without a member and a period the export sends the reader back to the form.
    "staff:access_user_csv": Row(only(*ADMIN_AND_LEAD, status=302)),
    "staff:lockout_list": Row(only(*ADMIN_AND_LEAD)),
    # The counselor is locked out at the office's address; the admin or the lead lifts it.
    "staff:lockout_unlock": Row(
        posted(*ADMIN_AND_LEAD),
        "post",
        {"username": "toyoake-counselor", "ip_address": OFFICE},
        wrote=count(AccessAttempt),
    ),
    # Only the lead and the invited partner have a seat at the meeting; only the partner
    # is a member who acknowledges (the lead's acknowledgement changes nothing).
    "staff:meeting_list": Row(only(*PERSON_READERS)),
    "staff:meeting_detail": Row(only(*PERSON_READERS, counselor=404, professional=404)),
    "staff:meeting_acknowledge": Row(
        posted(*PERSON_READERS, counselor=404, professional=404),
        "post",
        wrote=lambda w, m: SupportMeetingMember.objects.filter(
            meeting_id=w["meeting"], membership=m, acknowledged_at__isnull=False
        ).exists(),
        writers=("partner",),
    ),
    "staff:partner_list": Row(only("admin", "lead", "counselor", "partner")),
    "staff:partner_edit": Row(only(*ADMIN_AND_LEAD)),
    # A professional reads persons but no referral; the partner receives this one.
    "staff:referral_list": Row(only(*PERSON_READERS)),
    "staff:referral_new": Row(only(*EDITORS)),
    "staff:referral_detail": Row(only(*PERSON_READERS, professional=404)),
    # Meetings: the center's staff see all; the committee, partners and professionals those
    # of the bodies their organization sits on (this one). Only the lead runs them; an
    # action item is done by its owner (the counselor) or the lead; others learn nothing.
    # Every member's own notices; a supporter's world is their dispatches (404 elsewhere).
    "staff:notification_list": Row(only(*STAFF_ROLES)),
    "staff:notification_read": Row(posted(*STAFF_ROLES), "post"),
    "staff:network_meeting_list": Row(only(*MEETING_READERS)),
    "staff:network_meeting_detail": Row(only(*MEETING_READERS)),
    "staff:network_meeting_pdf": Row(only(*MEETING_READERS)),
    "staff:action_item_add": Row(
        posted("lead"),
        "post",
        lambda w: {
            "action-what": "議事録を回す",
            "action-owner": w["counselor"],
            "action-due_on": "2027-01-15",
        },
        wrote=count(ActionItem),
    ),
    "staff:action_item_done": Row(
        posted("lead", "counselor", others=404),
        "post",
        wrote=value(ActionItem, "action_item", "done_at"),
    ),
    # Series and one meeting's change: only the lead runs meetings.
    "staff:network_series_list": Row(only("lead")),
    "staff:network_series_edit": Row(only("lead")),
    "staff:network_meeting_change": Row(only("lead")),
    # The mail server of the municipality: its administrator's settings.
    "staff:mail_server_edit": Row(only("admin")),
    "staff:mail_server_test": Row(
        posted("admin"), "post", wrote=value(MailServer, "mail_server", "test_state")
    ),
    "staff:place_list": Row(only(*PLACE_VIEWERS)),
    "staff:place_new": Row(only(*ADMIN_AND_LEAD)),
    "staff:place_detail": Row(only(*PLACE_VIEWERS)),
    "staff:place_edit": Row(only(*ADMIN_AND_LEAD)),
    "staff:session_detail": Row(only(*PLACE_VIEWERS)),
    "staff:session_change": Row(only(*PLACE_WORKERS)),
    # Programmes: the world's lecture is held at no place, so place staff do not see it.
    "staff:places_calendar": Row(only(*PLACE_VIEWERS)),
    "staff:my_feed": Row(only(*PLACE_VIEWERS)),
    "staff:places_statistics": Row(only(*STATISTICS)),
    "staff:places_statistics_csv": Row(posted(*STATISTICS), "post", wrote=count(ExportJob)),
    "staff:places_statistics_xlsx": Row(posted(*STATISTICS), "post", wrote=count(ExportJob)),
    "staff:programme_list": Row(only(*PLACE_VIEWERS)),
    "staff:programme_new": Row(only(*ADMIN_AND_LEAD)),
    "staff:programme_detail": Row(only(*PLACE_VIEWERS, place_staff=404)),
    "staff:programme_meeting": Row(only(*PLACE_VIEWERS, place_staff=404)),
    # The 修了証 names a participant: only those who enrol and see the enrolment.
    "staff:programme_certificate": Row(only(*EDITORS, place_staff=404)),
    # Supporters: staff read the registry and ask for supporters; the lead matches and pays;
    # a supporter sees their own dispatches and logs activities on them.
    "staff:supporter_list": Row(only(*EDITORS)),
    "staff:supporter_create": Row(only("lead")),
    "staff:supporter_edit": Row(only("lead")),
    "staff:dispatch_request_new": Row(only(*EDITORS)),
    "staff:matching": Row(only("lead")),
    "staff:dispatch_approve": Row(
        posted("lead"),
        "post",
        lambda w: {"request": w["open_request"], "supporter": w["supporter"]},
        wrote=count(Dispatch),
    ),
    "staff:my_dispatches": Row(only("supporter")),
    "staff:activity_log_new": Row(only(*EDITORS, "supporter")),
    "staff:supporter_payments_xlsx": Row(posted("lead"), "post", wrote=count(ExportJob)),
    "staff:supporter_statistics": Row(only(*EDITORS)),
    "staff:supporter_meetings": Row(only("lead")),
    "staff:supporter_meeting_attendance": Row(
        posted("lead"),
        "post",
        lambda w: {"present": [w["supporter"]]},
        wrote=count(MeetingAttendance),
    ),
    "staff:case_supporter_activity": Row(only(*EDITORS)),
    # Needs surveys: counts by district; admin and lead run them, counselors read them.
    "staff:survey_list": Row(only(*ADMIN_AND_LEAD, "counselor")),
    "staff:district_list": Row(only(*ADMIN_AND_LEAD)),
    "staff:survey_detail": Row(only(*ADMIN_AND_LEAD, "counselor")),
    "staff:survey_answer_edit": Row(only(*ADMIN_AND_LEAD)),
    "staff:survey_answer_remind": Row(
        posted(*ADMIN_AND_LEAD), "post", wrote=value(DistrictAnswer, "answer_pk", "reminded_on")
    ),
    "staff:survey_xlsx": Row(posted(*ADMIN_AND_LEAD, "counselor"), "post", wrote=count(ExportJob)),
    "staff:survey_questionnaire": Row(only(*ADMIN_AND_LEAD)),
    # Web inquiries are intake consultations: those who record consultations answer them.
    "staff:web_inquiry_list": Row(only(*EDITORS)),
    "staff:web_inquiry_answered": Row(
        posted(*EDITORS), "post", wrote=value(WebInquiry, "web_inquiry", "answered_at")
    ),
    "staff:public_page_edit": Row(only(*ADMIN_AND_LEAD)),
    # Opening a case from an inquiry is casework's intake: those who open cases.
    "staff:web_inquiry_new_case": Row(posted(*EDITORS), "post", wrote=count(Case)),
}


# API operations: (method, OpenAPI path) → expected status per role. Writes send a valid
# body: an allowed POST is 201 with a new row, an allowed PATCH 200 with the change saved.
API: dict[tuple[str, str], Row] = {
    ("get", "/api/v1/m/{code}/persons"): Row(only(*PERSON_READERS)),
    ("post", "/api/v1/m/{code}/persons"): Row(
        only(*EDITORS, status=CREATED), "post", {"name": "行列 次郎"}, wrote=count(Person)
    ),
    ("get", "/api/v1/m/{code}/persons/{person_id}"): Row(only(*PERSON_READERS)),
    ("patch", "/api/v1/m/{code}/persons/{person_id}"): Row(
        only(*EDITORS),
        "patch",
        {"name_kana": "カクウ イチロウ"},
        wrote=value(Person, "person", "name_kana"),
    ),
    ("get", "/api/v1/m/{code}/cases"): Row(only(*PERSON_READERS)),
    ("post", "/api/v1/m/{code}/cases"): Row(
        only(*EDITORS, status=CREATED),
        "post",
        {"new_person": True, "referral_source": "family"},
        wrote=count(Case),
    ),
    ("get", "/api/v1/m/{code}/cases/{case_id}"): Row(only(*PERSON_READERS)),
    ("patch", "/api/v1/m/{code}/cases/{case_id}"): Row(
        only(*EDITORS),
        "patch",
        {"goal": "週に一度外出する"},
        wrote=value(Case, "case", "goal"),
    ),
    ("get", "/api/v1/m/{code}/consultations"): Row(only(*PERSON_READERS)),
    ("post", "/api/v1/m/{code}/consultations"): Row(
        only(*EDITORS, status=CREATED),
        "post",
        {"occurred_at": "2026-11-30T10:00:00+09:00", "channel": "phone", "consulter": "self"},
        wrote=count(Consultation),
    ),
    ("get", "/api/v1/m/{code}/consultations/{consultation_id}"): Row(
        only(*PERSON_READERS, partner=404)
    ),
    # The lead corrects any record; the counselor is not the author, a partner's role never
    # corrects (403).
    ("patch", "/api/v1/m/{code}/consultations/{consultation_id}"): Row(
        only("lead"),
        "patch",
        {"reason": "相談方法の誤入力", "channel": "email"},
        wrote=value(Consultation, "consultation", "channel"),
    ),
    ("get", "/api/v1/m/{code}/stats/consultations"): Row(only(*STATISTICS)),
    # A professional reads persons but no referral; the partner receives this one.
    ("get", "/api/v1/m/{code}/referrals"): Row(only(*PERSON_READERS)),
    ("post", "/api/v1/m/{code}/referrals"): Row(
        only(*EDITORS, status=CREATED),
        "post",
        lambda w: {
            "case_id": w["case"],
            "destination": "council",
            "organization_id": w["partner_org"],
            "purpose": "就労準備の相談につなぐ",
        },
        wrote=count(Referral),
    ),
    ("get", "/api/v1/m/{code}/referrals/{referral_id}"): Row(
        only(*PERSON_READERS, professional=404)
    ),
    # The receiving partner moves it on; the sender's staff see it but do not accept it.
    ("patch", "/api/v1/m/{code}/referrals/{referral_id}"): Row(
        only(*PERSON_READERS, professional=404),
        "patch",
        {"status": "accepted"},
        wrote=value(Referral, "referral", "status"),
    ),
    ("get", "/api/v1/m/{code}/stats/referrals"): Row(only(*STATISTICS)),
    ("get", "/api/v1/m/{code}/places"): Row(only(*PLACE_VIEWERS)),
    ("post", "/api/v1/m/{code}/places"): Row(
        only(*ADMIN_AND_LEAD, status=CREATED),
        "post",
        {
            "name": "フリースペース",
            "kind": "person",
            "access": "free",
            "capacity": None,
            "public": False,
            "schedules": [{"rrule": "FREQ=WEEKLY;BYDAY=WE", "start": "10:00", "end": "16:00"}],
            "closed_dates": [],
        },
        wrote=count(Place),
    ),
    ("get", "/api/v1/m/{code}/places/{place_id}"): Row(only(*PLACE_VIEWERS)),
    ("patch", "/api/v1/m/{code}/places/{place_id}"): Row(
        only(*ADMIN_AND_LEAD),
        "patch",
        {"name": "居場所 みなみ"},
        wrote=value(Place, "place", "name"),
    ),
    ("get", "/api/v1/m/{code}/places/{place_id}/sessions"): Row(only(*PLACE_VIEWERS)),
    # Place staff book only persons they can see (their places' attendees); the world's person
    # is not one, so the body names an unknown person (422) and nothing is booked.
    ("post", "/api/v1/m/{code}/sessions/{session_id}/reservations"): Row(
        only(*PLACE_WORKERS, status=CREATED, place_staff=422),
        "post",
        lambda w: {"person_id": w["person"]},
        wrote=count(Reservation),
    ),
    ("post", "/api/v1/m/{code}/sessions/{session_id}/attendance"): Row(
        only(*PLACE_WORKERS, status=CREATED), "post", {"anonymous": 2}, wrote=count(Attendance)
    ),
    ("get", "/api/v1/m/{code}/stats/places"): Row(only(*STATISTICS)),
    # Consultation days: the slots of a day (place staff run the world's); a booking names a
    # case, so place staff, who see none, name an unknown case (422) and nothing is booked.
    ("get", "/api/v1/m/{code}/sessions/{session_id}/slots"): Row(only(*PLACE_VIEWERS)),
    ("post", "/api/v1/m/{code}/sessions/{session_id}/bookings"): Row(
        only(*PLACE_WORKERS, status=CREATED, place_staff=422),
        "post",
        lambda w: {"start": "15:00", "case_id": w["case"], "professional_id": w["professional"]},
        wrote=count(Booking),
    ),
    # Bookings follow their case; a professional sees those made with them (booking:<id>).
    ("get", "/api/v1/m/{code}/bookings"): Row(only(*PERSON_READERS)),
    ("get", "/api/v1/m/{code}/bookings/{booking_id}"): Row(only(*PERSON_READERS)),
    ("post", "/api/v1/m/{code}/bookings/{booking_id}/cancel"): Row(
        only(*EDITORS, place_staff=404),
        "post",
        wrote=value(Booking, "booking", "cancelled_at"),
    ),
    ("get", "/api/v1/m/{code}/programmes"): Row(only(*PLACE_VIEWERS)),
    ("post", "/api/v1/m/{code}/programmes"): Row(
        only(*ADMIN_AND_LEAD, status=CREATED),
        "post",
        {"name": "家族教室", "kind": "family_group"},
        wrote=count(Programme),
    ),
    ("get", "/api/v1/m/{code}/programmes/{programme_id}"): Row(
        only(*PLACE_VIEWERS, place_staff=404)
    ),
    ("post", "/api/v1/m/{code}/programmes/{programme_id}/enrolments"): Row(
        only(*PLACE_WORKERS, status=CREATED, place_staff=404),
        "post",
        lambda w: {"person_id": w["person"]},
        wrote=count(Enrolment),
    ),
    # Supporters: staff read the registry, a supporter only their own record and dispatches.
    ("get", "/api/v1/m/{code}/supporters"): Row(only(*EDITORS, "supporter")),
    ("post", "/api/v1/m/{code}/supporters"): Row(
        only("lead", status=CREATED),
        "post",
        {
            "name": "高橋 ボランティア",
            "background": "volunteer",
            "areas": ["南部"],
            "skills": ["料理"],
            "availability": [{"weekday": 2, "start": "13:00", "end": "16:00"}],
            "max_active": 2,
            "status": "active",
            "peer": False,
            "pledged_on": "2026-04-01",
        },
        wrote=count(Supporter),
    ),
    ("get", "/api/v1/m/{code}/dispatch-requests"): Row(only(*EDITORS)),
    ("post", "/api/v1/m/{code}/dispatch-requests"): Row(
        only(*EDITORS, status=CREATED),
        "post",
        lambda w: {
            "case_id": w["case"],
            "purpose": "訪問",
            "area": "北部",
            "when": [{"weekday": 0, "start": "10:00", "end": "11:00"}],
        },
        wrote=count(DispatchRequest),
    ),
    # Matching proposes; nothing is written until the lead approves on the screen.
    ("post", "/api/v1/m/{code}/matching"): Row(only("lead"), "post", {}),
    ("get", "/api/v1/m/{code}/dispatches"): Row(only(*EDITORS, "supporter")),
    ("get", "/api/v1/m/{code}/surveys"): Row(only(*ADMIN_AND_LEAD, "counselor")),
    ("post", "/api/v1/m/{code}/surveys"): Row(
        only(*ADMIN_AND_LEAD, status=CREATED),
        "post",
        {"name": "第2回", "conducted_on": "2026-10-01"},
        wrote=count(Survey),
    ),
    ("get", "/api/v1/m/{code}/surveys/{survey_id}"): Row(only(*ADMIN_AND_LEAD, "counselor")),
}
# Outside any municipality: anyone with a token.
API_GLOBAL = {("get", "/api/v1/municipalities")}

# Every URL pattern outside the staff screens and the API operations, with what an anonymous
# visitor gets (GET, or POST where the page only takes that). Staff have no e-mail here: sign-up,
# e-mail and reset-by-e-mail pages answer 404; the signed-in user's own account pages (second
# factor, password) send a visitor to log in and never show another person's data.
LOGIN = 302
OUTSIDE: dict[str, int] = {
    "home": 302,
    "login": 200,
    "account_login": 200,
    "logout": 302,
    "account_logout": 302,
    "accounts/signup/": 404,
    "accounts/email/": 404,
    "accounts/password/reset/": 404,
    "account_inactive": 200,
    "account_signup": 404,
    "account_reauthenticate": LOGIN,
    "account_request_reauthentication_code": LOGIN,
    "account_confirm_reauthentication_code": LOGIN,
    "account_email": 404,
    "account_email_verification_sent": 200,
    "account_change_password": LOGIN,
    "account_set_password": LOGIN,
    "account_reset_password": 404,
    "account_confirm_login_code": LOGIN,
    # allauth's page for an unknown key says the link is invalid (no e-mail is kept here).
    "account_confirm_email": 200,
    "account_reset_password_from_key_done": 200,
    "account_reset_password_from_key": 200,
    "account_reset_password_done": 200,
    "mfa_index": LOGIN,
    "mfa_authenticate": LOGIN,
    "mfa_reauthenticate": LOGIN,
    "mfa_activate_totp": LOGIN,
    "mfa_deactivate_totp": LOGIN,
    "mfa_view_recovery_codes": LOGIN,
    "mfa_generate_recovery_codes": LOGIN,
    "mfa_download_recovery_codes": LOGIN,
    "mfa_list_webauthn": LOGIN,
    "mfa_add_webauthn": LOGIN,
    "mfa_reauthenticate_webauthn": LOGIN,
    "mfa_remove_webauthn": LOGIN,
    # A member's own calendar feed is reached by its secret token; an unknown one is 404.
    "own_calendar": 404,
    "mfa_edit_webauthn": LOGIN,
    "mfa_login_webauthn": LOGIN,
    "set_language": 302,
    "api:openapi-json": 200,
    "api:openapi-view": 200,
    "api:api-root": 404,
}
# Values for the path parameters of OUTSIDE's patterns (none of them names a real object but
# the calendar's place, filled in from the world).
OUTSIDE_KWARGS: dict[str, dict[str, Any]] = {
    "account_confirm_email": {"key": "abc"},
    "account_reset_password_from_key": {"uidb36": "1", "key": "set-password"},
    "mfa_remove_webauthn": {"pk": 1},
    "mfa_edit_webauthn": {"pk": 1},
    "own_calendar": {"token": "x" * 43},
}
# Pages that act on POST only; GET would only say "method not allowed".
OUTSIDE_POST = {"set_language", "logout", "account_logout"}


# Public pages of a municipality (/p/<code>/, namespace "public"): no login, no personal data.
# What an anonymous visitor gets for the world's municipality; an unknown code is always 404.
PUBLIC_MUNICIPALITY: dict[str, Row] = {
    "public:index": Row({"anonymous": 200}),
    "public:inquiry": Row({"anonymous": 200}),
    "public:statistics": Row({"anonymous": 200}),
    "public:event": Row({"anonymous": 200}),
    # A cancellation link with a secret nobody was given: nothing to find.
    "public:event_cancel": Row({"anonymous": 404}),
    "place_ics": Row({"anonymous": 200}),
}


def url_patterns() -> Iterator[tuple[str, str]]:
    """(name, route) of every URL pattern; an unnamed one is known by its route."""

    def walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                ns = ":".join(filter(None, [namespace, pattern.namespace]))
                yield from walk(pattern, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern):
                route = prefix + str(pattern.pattern)
                if pattern.name is None:
                    yield route, route
                else:
                    yield (f"{namespace}:{pattern.name}" if namespace else pattern.name), route

    yield from walk(get_resolver(), "", "")


def staff_patterns() -> Iterator[tuple[str, str]]:
    for name, route in url_patterns():
        if name.startswith("staff:"):
            yield name, route


def public_patterns() -> set[str]:
    """Named URLs under /p/<code>/: the public side of a municipality."""
    found = set()
    for name, pattern in get_resolver().reverse_dict.items():
        # (possibilities, pattern, defaults, converters); the stubs say only `Any | object`
        assert isinstance(pattern, tuple)
        if isinstance(name, str) and pattern[1].startswith("p/"):
            found.add(name)
    for namespace, (prefix, resolver) in get_resolver().namespace_dict.items():
        if prefix.startswith("p/"):
            found |= {f"{namespace}:{n}" for n in resolver.reverse_dict if isinstance(n, str)}
    return found


def api_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return {(method, path) for path, ops in schema["paths"].items() for method in ops}


def _openapi_path(route: str) -> str:
    """`api/v1/m/<code>/persons/<int:person_id>` → `/api/v1/m/{code}/persons/{person_id}`."""
    import re

    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route)


def test_every_endpoint_is_declared() -> None:
    staff = {name for name, _ in staff_patterns()}
    assert staff - set(STAFF) == set(), "declare these staff URLs in STAFF"
    assert set(STAFF) - staff == set(), "these STAFF rows name no URL"
    operations = api_operations()
    assert operations - set(API) - API_GLOBAL == set(), "declare these API operations in API"
    assert set(API) - operations == set(), "these API rows name no operation"
    # Every other pattern: an API operation's (by its path), or a line of OUTSIDE.
    declared_paths = {path for _, path in set(API) | API_GLOBAL}
    others = {
        name
        for name, route in url_patterns()
        if not name.startswith("staff:")
        and name not in PUBLIC_MUNICIPALITY
        and not (name.startswith("api:") and _openapi_path(route) in declared_paths)
    }
    assert others - set(OUTSIDE) == set(), "declare these URL patterns in OUTSIDE"
    assert set(OUTSIDE) - others == set(), "these OUTSIDE lines name no URL pattern"


def test_the_declaration_check_sees_patterns_outside_the_staff_namespace() -> None:
    names = {name for name, _ in url_patterns()}
    assert {"login", "mfa_index", "place_ics", "api:openapi-json", "accounts/signup/"} <= names
    assert "api:person_detail" in names


def test_no_row_tells_a_supporter_that_something_exists() -> None:
    """Every page and operation a supporter may not use is declared 404 for them, not 403
    (the tests below then hold every answer to its declaration)."""
    refused = [
        str(key)
        for key, row in [*STAFF.items(), *API.items()]
        if row.expect[CONFINED] in (401, 403)
    ]
    assert refused == []
    public = public_patterns()
    assert public - set(PUBLIC_MUNICIPALITY) == set(), "declare these in PUBLIC_MUNICIPALITY"
    assert set(PUBLIC_MUNICIPALITY) - public == set(), "these rows name no public URL"


@pytest.fixture
def world(personas: Personas, settings: SettingsWrapper) -> World:
    """One of everything in 豊明市, visible the way the declared table assumes."""
    return build_world(personas.municipality, personas.members)


def observe(row: Row, world: World, member: Membership | None) -> object:
    if row.wrote is None:
        return None
    with scopes_disabled():
        return row.wrote(world, member)


def request(
    client: Client, row: Row, url: str, world: World, member: Membership | None, *, json: bool
) -> tuple[int, bool]:
    """(status, whether the row's write happened) of one request, rolled back afterwards so
    every role meets the same world."""
    body = row.body(world)
    with transaction.atomic():
        before = observe(row, world, member)
        if row.method == "get":
            status = client.get(url).status_code
        elif json:
            send = getattr(client, row.method)
            status = send(url, body, content_type="application/json").status_code
        else:
            status = client.post(url, body).status_code
        changed = observe(row, world, member) != before
        transaction.set_rollback(True)
    return status, changed


@dataclass
class Verdicts:
    """The answers that differ from the declared ones, and the deviations still in force."""

    wrong: list[str] = field(default_factory=list)
    deviations: list[str] = field(default_factory=list)

    def check(
        self, label: str, row: Row, who: str, expected: int, status: int, changed: bool
    ) -> None:
        deviation = row.deviates.get(who)
        if deviation is not None:
            if status == expected:
                self.wrong.append(
                    f"{label} as {who}: now {status} as the contract says; drop its mark"
                )
            elif status != deviation[0]:
                self.wrong.append(f"{label} as {who}: {status}, marked {deviation[0]}")
            else:
                self.deviations.append(
                    f"{label} as {who}: {status}, not {expected}: {deviation[1]}"
                )
            expected = deviation[0]
        elif status != expected:
            self.wrong.append(f"{label} as {who}: {status}, declared {expected}")
        if row.wrote is None:
            return
        # Only a member's allowed request writes (an anonymous visitor's 302 is the log-in page).
        must_write = who in ROLES and status == expected and expected in (OK, CREATED, POSTED)
        if must_write and row.writers is not None and who not in row.writers:
            must_write = False
            if changed:
                self.wrong.append(f"{label} as {who}: wrote, though only {row.writers} do")
        elif must_write and not changed:
            self.wrong.append(f"{label} as {who}: answered {status} but wrote nothing")
        elif not must_write and changed:
            self.wrong.append(f"{label} as {who}: refused with {status} yet it wrote")

    def report(self) -> None:
        if self.deviations:
            print("\nKnown deviations from CONTRACT.md:\n" + "\n".join(self.deviations))
        assert not self.wrong, "\n".join(self.wrong)


def test_staff_screens_answer_each_role_as_declared(personas: Personas, world: World) -> None:
    verdicts = Verdicts()
    clients = {role: personas.client(role) for role in ROLES}
    outsider = personas.client("lead", outsider=True)
    for name, row in sorted(STAFF.items()):
        url = staff_url(name, personas.municipality.code, world)
        for who, client, member, expected in [
            *((r, clients[r], personas.members[r], row.expect[r]) for r in ROLES),
            ("another municipality's lead", outsider, personas.outsiders["lead"], 404),
            ("anonymous (sent to log in)", Client(), None, 302),
        ]:
            status, changed = request(client, row, url, world, member, json=False)
            verdicts.check(name, row, who, expected, status, changed)
    verdicts.report()


def test_api_operations_answer_each_role_as_declared(personas: Personas, world: World) -> None:
    verdicts = Verdicts()
    tokens = {role: personas.token(role) for role in ROLES}
    outsider = personas.token("lead", outsider=True)
    code = personas.municipality.code
    for (method, path), row in sorted(API.items()):
        assert row.method == method, f"{method} {path}: the row says {row.method}"
        url = api_url(path, code, world)
        if "stats" in path:
            url += "?fiscal_year=2026"
        for who, token, member, expected in [
            *((r, tokens[r], personas.members[r], row.expect[r]) for r in ROLES),
            ("another municipality's lead", outsider, personas.outsiders["lead"], 404),
            ("anonymous", None, None, 401),
        ]:
            client = Client(headers={"Authorization": f"Bearer {token}"} if token else {})
            status, changed = request(client, row, url, world, member, json=True)
            verdicts.check(f"{method.upper()} {path}", row, who, expected, status, changed)
    verdicts.report()


def test_a_write_that_is_answered_but_not_done_is_caught() -> None:
    # The check behind every write row: an allowed answer without the write fails, and so
    # does a refusal that wrote.
    row = Row(posted("lead"), "post", wrote=count(Person))
    verdicts = Verdicts()
    verdicts.check("x", row, "lead", POSTED, POSTED, changed=False)
    verdicts.check("x", row, "counselor", 403, 403, changed=True)
    verdicts.check("x", row, "admin", 403, 403, changed=False)
    assert len(verdicts.wrong) == 2


def public_url(name: str, code: str, world: World) -> str:
    from django.urls import reverse

    kwargs: dict[str, object] = {"code": code}
    if name == "public:event":
        kwargs["pk"] = world["public_programme"]
    elif name == "place_ics":
        kwargs["pk"] = world["place"]
    elif name == "public:event_cancel":
        kwargs["token"] = "not-a-token"
    return reverse(name, kwargs=kwargs)


def test_public_pages_answer_anyone_as_declared_and_unknown_codes_404(
    personas: Personas, world: World
) -> None:
    wrong = []
    staff = personas.client("lead")
    for name, row in sorted(PUBLIC_MUNICIPALITY.items()):
        url = public_url(name, personas.municipality.code, world)
        for who, client in (("anonymous", Client()), ("a signed-in lead", staff)):
            if (status := request(client, row, url, world, None, json=False)[0]) != row.expect[
                "anonymous"
            ]:
                wrong.append(f"{name} as {who}: {status}, declared {row.expect['anonymous']}")
        unknown = public_url(name, "999999", world)
        if (status := request(Client(), row, unknown, world, None, json=False)[0]) != 404:
            wrong.append(f"{name} for an unknown municipality: {status}, declared 404")
        # The world's event and place are 豊明市's: under another code they do not exist.
        if name in ("public:event", "place_ics"):
            other = public_url(name, personas.outsider.code, world)
            if (status := request(Client(), row, other, world, None, json=False)[0]) != 404:
                wrong.append(f"{name} under another municipality's code: {status}")
    assert not wrong, "\n".join(wrong)


def test_pages_outside_a_municipality_answer_anonymous_visitors_as_declared(
    personas: Personas, world: World
) -> None:
    wrong = []
    routes = dict(url_patterns())
    for name, expected in sorted(OUTSIDE.items()):
        if name in routes and name == routes[name]:  # unnamed: its route is its URL
            url = "/" + name
        else:
            url = reverse(name, kwargs=OUTSIDE_KWARGS.get(name))
        client = Client()
        if name in OUTSIDE_POST:
            status = client.post(url, {"language": "en", "next": "/"}).status_code
        else:
            status = client.get(url).status_code
        if status != expected:
            wrong.append(f"{name} ({url}): {status}, declared {expected}")
    assert not wrong, "\n".join(wrong)
