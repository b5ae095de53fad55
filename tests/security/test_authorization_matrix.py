"""The authorization matrix: every URL pattern and API operation, for every role, declared.

The URL conf and the OpenAPI schema are enumerated; each staff URL and API operation must have
a row in STAFF or API below (a new endpoint without one fails `test_every_endpoint_is_declared`).
Each row is requested as anonymous, as every role of the municipality, and as a member of another
municipality, and the answers must be the declared ones: the matrix is printed on failure.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, time, timedelta

import pytest
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone
from django_scopes import scope

from tsunagu.api.api import api
from tsunagu.cases import services as case_services
from tsunagu.consultations.models import ImportJob
from tsunagu.consultations.services import consultation_record
from tsunagu.network import services as meeting_services
from tsunagu.network.services import referral_create
from tsunagu.people import services as people_services
from tsunagu.places import services as place_services
from tsunagu.programmes import services as programme_services
from tsunagu.reports.models import ReportingGroup
from tsunagu.supporters import services as supporter_services
from tsunagu.surveys import services as survey_services
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Organization

ROLES = [r.value for r in Role]
OK = 200
POSTED = 302  # a write that was accepted (or a form re-shown is 200; both mean "allowed")


def only(*roles: str, status: int = OK, others: int = 403, **overrides: int) -> dict[str, int]:
    table = {role: (status if role in roles else others) for role in ROLES}
    table.update(overrides)
    return table


EVERYONE = only(*ROLES)
PERSON_READERS = ("lead", "counselor", "professional", "partner")
EDITORS = ("lead", "counselor")
ADMIN_AND_LEAD = ("admin", "lead")
STATISTICS = ("admin", "lead", "counselor", "committee")
MEETING_READERS = ("lead", "counselor", "committee", "partner", "professional")
PLACE_VIEWERS = ("admin", "lead", "counselor", "place_staff")
PLACE_WORKERS = ("lead", "counselor", "place_staff")


@dataclass(frozen=True)
class Row:
    expect: dict[str, int]
    method: str = "get"
    data: dict[str, object] = field(default_factory=dict)


# Staff screens: URL name → expected status per role (GET unless the row says otherwise).
# A POST row's "allowed" answer is 200 (form shown again with errors) or 302 (done).
STAFF: dict[str, Row] = {
    "staff:home": Row(EVERYONE),
    "staff:organization_list": Row(only("admin")),
    "staff:organization_edit": Row(only("admin")),
    "staff:membership_list": Row(only("admin")),
    "staff:membership_edit": Row(only("admin")),
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
    "staff:consent_revoke": Row(only(*EDITORS), "post"),
    # Only those who record consents read the scan; the world's consent has none (404).
    "staff:consent_document": Row(only(*EDITORS, status=404)),
    "staff:case_list": Row(only(*PERSON_READERS)),
    "staff:case_open": Row(only(*EDITORS)),
    "staff:case_detail": Row(only(*PERSON_READERS)),
    "staff:case_edit": Row(only(*EDITORS)),
    "staff:case_assign": Row(only("lead")),
    "staff:case_change_stage": Row(only(*EDITORS), "post"),
    "staff:case_close": Row(only(*EDITORS), "post"),
    "staff:case_reopen": Row(only(*EDITORS), "post"),
    "staff:plan_item_add": Row(only(*EDITORS), "post"),
    "staff:plan_item_review": Row(only(*EDITORS), "post"),
    "staff:risk_raise": Row(only(*EDITORS), "post"),
    "staff:risk_clear": Row(only(*EDITORS), "post"),
    # A partner sees a consented person, not the desk's consultations about them.
    "staff:consultation_list": Row(only(*PERSON_READERS)),
    "staff:consultation_new": Row(only(*EDITORS)),
    "staff:consultation_person_search": Row(only(*EDITORS)),
    "staff:consultation_person_cases": Row(only(*EDITORS)),
    "staff:consultation_detail": Row(only(*PERSON_READERS, partner=404)),
    "staff:consultation_follow_up_done": Row(only(*EDITORS), "post"),
    # The world's consultation was recorded by the lead: its author or a lead corrects it;
    # a counselor links only a call with no person yet; deleting is a lead's act.
    "staff:consultation_correct": Row(only("lead")),
    "staff:consultation_link": Row(only("lead")),
    "staff:consultation_delete": Row(only("lead")),
    "staff:consultation_import": Row(only(*ADMIN_AND_LEAD)),
    # An import job is its uploader's (the lead's) alone.
    "staff:consultation_import_job": Row(only(*ADMIN_AND_LEAD, admin=404)),
    "staff:consultation_import_progress": Row(only(*ADMIN_AND_LEAD, admin=404)),
    "staff:consultation_import_confirm": Row(only(*ADMIN_AND_LEAD, admin=404), "post"),
    "staff:consultation_import_cancel": Row(only(*ADMIN_AND_LEAD, admin=404), "post"),
    "staff:consultation_import_retry": Row(only(*ADMIN_AND_LEAD, admin=404), "post"),
    "staff:statistics": Row(only(*STATISTICS)),
    "staff:statistics_csv": Row(only(*STATISTICS)),
    "staff:statistics_xlsx": Row(only(*STATISTICS)),
    "staff:reporting_groups": Row(only(*ADMIN_AND_LEAD)),
    "staff:reporting_group_edit": Row(only(*ADMIN_AND_LEAD)),
    "staff:reporting_group_delete": Row(only(*ADMIN_AND_LEAD), "post"),
    "staff:audit_index": Row(only(*ADMIN_AND_LEAD)),
    "staff:case_history": Row(only("lead")),
    "staff:access_person": Row(only(*ADMIN_AND_LEAD)),
    "staff:access_person_csv": Row(only(*ADMIN_AND_LEAD)),
    "staff:access_user": Row(only(*ADMIN_AND_LEAD)),
    # Without a member and a period the export sends the reader back to the form.
    "staff:access_user_csv": Row(only(*ADMIN_AND_LEAD, status=302)),
    "staff:lockout_list": Row(only(*ADMIN_AND_LEAD)),
    # No such lockout: allowed roles learn nothing (404), others are refused (403).
    "staff:lockout_unlock": Row(only(*ADMIN_AND_LEAD, status=404), "post"),
    # Only the lead and the invited partner have a seat at the meeting.
    "staff:meeting_list": Row(only(*PERSON_READERS)),
    "staff:meeting_detail": Row(only(*PERSON_READERS, counselor=404, professional=404)),
    "staff:meeting_acknowledge": Row(
        only(*PERSON_READERS, counselor=404, professional=404), "post"
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
    "staff:network_meeting_list": Row(only(*MEETING_READERS)),
    "staff:network_meeting_detail": Row(only(*MEETING_READERS)),
    "staff:action_item_add": Row(only("lead"), "post"),
    "staff:action_item_done": Row(only("lead", "counselor", others=404), "post"),
    "staff:place_list": Row(only(*PLACE_VIEWERS)),
    "staff:place_new": Row(only(*ADMIN_AND_LEAD)),
    "staff:place_detail": Row(only(*PLACE_VIEWERS)),
    "staff:place_edit": Row(only(*ADMIN_AND_LEAD)),
    "staff:session_detail": Row(only(*PLACE_VIEWERS)),
    "staff:session_change": Row(only(*PLACE_WORKERS)),
    # Supporters: staff read the registry and ask for supporters; the lead matches and pays;
    # a supporter sees their own dispatches and logs activities on them.
    "staff:supporter_list": Row(only(*EDITORS)),
    "staff:supporter_create": Row(only("lead")),
    "staff:supporter_edit": Row(only("lead")),
    "staff:dispatch_request_new": Row(only(*EDITORS)),
    "staff:matching": Row(only("lead")),
    "staff:dispatch_approve": Row(only("lead"), "post"),
    "staff:my_dispatches": Row(only("supporter")),
    "staff:activity_log_new": Row(only(*EDITORS, "supporter")),
    "staff:supporter_payments_xlsx": Row(only("lead")),
    "staff:supporter_statistics": Row(only(*EDITORS)),
    "staff:case_supporter_activity": Row(only(*EDITORS)),
    # Needs surveys: counts by district; admin and lead run them, counselors read them.
    "staff:survey_list": Row(only(*ADMIN_AND_LEAD, "counselor")),
    "staff:district_list": Row(only(*ADMIN_AND_LEAD)),
    "staff:survey_detail": Row(only(*ADMIN_AND_LEAD, "counselor")),
    "staff:survey_answer_edit": Row(only(*ADMIN_AND_LEAD)),
    "staff:survey_answer_remind": Row(only(*ADMIN_AND_LEAD), "post"),
    "staff:survey_xlsx": Row(only(*ADMIN_AND_LEAD, "counselor")),
}

# API operations: (method, OpenAPI path) → expected status per role.
API: dict[tuple[str, str], Row] = {
    ("get", "/api/v1/m/{code}/persons"): Row(only(*PERSON_READERS)),
    ("post", "/api/v1/m/{code}/persons"): Row(only(*EDITORS, status=201), data={}),
    ("get", "/api/v1/m/{code}/persons/{person_id}"): Row(only(*PERSON_READERS)),
    ("patch", "/api/v1/m/{code}/persons/{person_id}"): Row(only(*EDITORS), data={}),
    ("get", "/api/v1/m/{code}/cases"): Row(only(*PERSON_READERS)),
    ("post", "/api/v1/m/{code}/cases"): Row(only(*EDITORS, status=422), data={}),
    ("get", "/api/v1/m/{code}/cases/{case_id}"): Row(only(*PERSON_READERS)),
    ("patch", "/api/v1/m/{code}/cases/{case_id}"): Row(only(*EDITORS), data={}),
    ("get", "/api/v1/m/{code}/consultations"): Row(only(*PERSON_READERS)),
    ("post", "/api/v1/m/{code}/consultations"): Row(only(*EDITORS, status=422), data={}),
    ("get", "/api/v1/m/{code}/consultations/{consultation_id}"): Row(
        only(*PERSON_READERS, partner=404)
    ),
    # No reason: 422 for the lead; the counselor is not the author (403).
    ("patch", "/api/v1/m/{code}/consultations/{consultation_id}"): Row(
        only("lead", status=422), data={}
    ),
    ("get", "/api/v1/m/{code}/stats/consultations"): Row(only(*STATISTICS)),
    # A professional reads persons but no referral; the partner receives this one.
    ("get", "/api/v1/m/{code}/referrals"): Row(only(*PERSON_READERS)),
    ("post", "/api/v1/m/{code}/referrals"): Row(only(*EDITORS, status=422), data={}),
    ("get", "/api/v1/m/{code}/referrals/{referral_id}"): Row(
        only(*PERSON_READERS, professional=404)
    ),
    ("patch", "/api/v1/m/{code}/referrals/{referral_id}"): Row(
        only(*PERSON_READERS, status=422, professional=404), data={}
    ),
    ("get", "/api/v1/m/{code}/stats/referrals"): Row(only(*STATISTICS)),
    ("get", "/api/v1/m/{code}/places"): Row(only(*PLACE_VIEWERS)),
    ("post", "/api/v1/m/{code}/places"): Row(only(*ADMIN_AND_LEAD, status=422), data={}),
    ("get", "/api/v1/m/{code}/places/{place_id}"): Row(only(*PLACE_VIEWERS)),
    ("patch", "/api/v1/m/{code}/places/{place_id}"): Row(only(*ADMIN_AND_LEAD), data={}),
    ("get", "/api/v1/m/{code}/places/{place_id}/sessions"): Row(only(*PLACE_VIEWERS)),
    ("post", "/api/v1/m/{code}/sessions/{session_id}/reservations"): Row(
        only(*PLACE_WORKERS, status=422), data={}
    ),
    ("post", "/api/v1/m/{code}/sessions/{session_id}/attendance"): Row(
        only(*PLACE_WORKERS, status=422), data={}
    ),
    ("get", "/api/v1/m/{code}/stats/places"): Row(only(*STATISTICS)),
    ("get", "/api/v1/m/{code}/programmes"): Row(only(*PLACE_VIEWERS)),
    ("post", "/api/v1/m/{code}/programmes"): Row(only(*ADMIN_AND_LEAD, status=422), data={}),
    ("get", "/api/v1/m/{code}/programmes/{programme_id}"): Row(
        only(*PLACE_VIEWERS, place_staff=404)
    ),
    ("post", "/api/v1/m/{code}/programmes/{programme_id}/enrolments"): Row(
        only(*PLACE_WORKERS, status=422, place_staff=404), data={}
    ),
    # Supporters: staff read the registry, a supporter only their own record and dispatches.
    ("get", "/api/v1/m/{code}/supporters"): Row(only(*EDITORS, "supporter")),
    ("post", "/api/v1/m/{code}/supporters"): Row(only("lead", status=422), data={}),
    ("get", "/api/v1/m/{code}/dispatch-requests"): Row(only(*EDITORS)),
    ("post", "/api/v1/m/{code}/dispatch-requests"): Row(only(*EDITORS, status=422), data={}),
    ("post", "/api/v1/m/{code}/matching"): Row(only("lead"), data={}),
    ("get", "/api/v1/m/{code}/dispatches"): Row(only(*EDITORS, "supporter")),
    ("get", "/api/v1/m/{code}/surveys"): Row(only(*ADMIN_AND_LEAD, "counselor")),
    ("post", "/api/v1/m/{code}/surveys"): Row(only(*ADMIN_AND_LEAD, status=422), data={}),
    ("get", "/api/v1/m/{code}/surveys/{survey_id}"): Row(only(*ADMIN_AND_LEAD, "counselor")),
}
# Outside any municipality: anyone with a token.
API_GLOBAL = {("get", "/api/v1/municipalities")}

# Pages outside /m/<code>/: what an anonymous visitor gets. The rest of allauth's pages are for
# the signed-in user's own account and never show another person's data.
PUBLIC = {
    "home": 302,
    "login": 200,
    "account_login": 200,
    "set_language": 302,
    "api:openapi-json": 200,
    "api:openapi-view": 200,
}


def staff_patterns() -> Iterator[tuple[str, str]]:
    def walk(resolver: URLResolver, prefix: str, namespace: str) -> Iterator[tuple[str, str]]:
        for pattern in resolver.url_patterns:
            if isinstance(pattern, URLResolver):
                ns = ":".join(filter(None, [namespace, pattern.namespace]))
                yield from walk(pattern, prefix + str(pattern.pattern), ns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                yield (f"{namespace}:{pattern.name}" if namespace else pattern.name, prefix)

    for name, prefix in walk(get_resolver(), "", ""):
        if name.startswith("staff:"):
            yield name, prefix


def api_operations() -> set[tuple[str, str]]:
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    return {(method, path) for path, ops in schema["paths"].items() for method in ops}


def test_every_endpoint_is_declared():
    staff = {name for name, _ in staff_patterns()}
    assert staff - set(STAFF) == set(), "declare these staff URLs in STAFF"
    assert set(STAFF) - staff == set(), "these STAFF rows name no URL"
    operations = api_operations()
    assert operations - set(API) - API_GLOBAL == set(), "declare these API operations in API"
    assert set(API) - operations == set(), "these API rows name no operation"


@pytest.fixture
def world(personas):
    """One of everything in 豊明市, visible the way the declared table assumes."""
    m = personas.municipality
    members = personas.members
    lead, counselor = members["lead"], members["counselor"]
    today = timezone.localdate()
    with scope(municipality=m):
        person = people_services.person_create(actor=lead, municipality=m, name="架空 一郎")
        twin = people_services.person_create(actor=lead, municipality=m, name="架空 一郎")
        family = people_services.family_member_create(
            actor=lead, person=person, name="架空 花子", relation="mother"
        )
        case = case_services.case_open(
            actor=lead,
            person=person,
            opened_on=date(2026, 4, 1),
            referral_source="family",
            primary=counselor,
            others=[members["professional"]],
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
        )
        consent = people_services.consent_record(
            actor=lead,
            person=person,
            organizations=[members["partner"].organization],
            purposes="就労支援のため",
            valid_from=today - timedelta(days=1),
            valid_until=None,
            form="written",
        )
        job = ImportJob.objects.create(
            municipality=m, uploaded_by=lead, original_name="a.csv", status="failed"
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
            organizations=[members["partner"].organization],
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
        programme = programme_services.programme_create(
            actor=lead, municipality_id=m.pk, name="講演会", kind="lecture"
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
        survey_services.district_save(actor=lead, name="北部")
        survey = survey_services.survey_create(actor=lead, name="実態把握", conducted_on=today)
        answer = survey.answers.get()
    assert organization is not None
    assert session is not None
    return {
        "pk": {
            "organization_edit": organization.pk,
            "membership_edit": counselor.pk,
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
            "action_item_add": network_meeting.pk,
            "action_item_done": action_item.pk,
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
            "activity_log_new": dispatch.pk,
        },
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
        "programme": programme.pk,
        "survey": survey.pk,
        "answer_pk": answer.pk,
    }


def staff_url(name: str, code: str, world: dict) -> str:
    from django.urls import reverse

    short = name.split(":", 1)[1]
    kwargs: dict[str, object] = {"code": code}
    if short.startswith("consultation_import_") and short != "consultation_import":
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
    if short.startswith("survey_answer_"):
        kwargs["answer_pk"] = world["answer_pk"]
    url = reverse(name, kwargs=kwargs)
    if short == "consultation_person_cases":
        url += f"?person={world['person']}"
    if short == "person_merge":
        url += f"?with={world['twin']}"
    return url


def api_url(path: str, code: str, world: dict) -> str:
    """An operation's OpenAPI path with the world's objects in it."""
    return path.format(
        code=code,
        person_id=world["person"],
        case_id=world["case"],
        referral_id=world["referral"],
        consultation_id=world["consultation"],
        place_id=world["place"],
        session_id=world["session"],
        programme_id=world["programme"],
        survey_id=world["survey"],
    )


def request(client: Client, row: Row, url: str) -> int:
    """One request whose writes are rolled back, so every role meets the same world."""
    with transaction.atomic():
        if row.method == "post":
            status = client.post(url, row.data).status_code
        else:
            status = client.get(url).status_code
        transaction.set_rollback(True)
    return status


def allowed(expected: int, actual: int, method: str) -> bool:
    if method == "post" and expected == OK:
        return actual in (OK, POSTED)
    return actual == expected


def test_staff_screens_answer_each_role_as_declared(personas, world):
    wrong = []
    clients = {role: personas.client(role) for role in ROLES}
    outsider = personas.client("lead", outsider=True)
    anonymous = Client()
    for name, row in sorted(STAFF.items()):
        url = staff_url(name, personas.municipality.code, world)
        for role in ROLES:
            status = request(clients[role], row, url)
            if not allowed(row.expect[role], status, row.method):
                wrong.append(f"{name} as {role}: {status}, declared {row.expect[role]}")
        if (status := request(outsider, row, url)) != 404:
            wrong.append(f"{name} as another municipality's lead: {status}, declared 404")
        status = request(anonymous, row, url)
        if status != 302:
            wrong.append(f"{name} anonymous: {status}, declared 302 to the login page")
    assert not wrong, "\n".join(wrong)


def test_api_operations_answer_each_role_as_declared(personas, world):
    wrong = []
    tokens = {role: personas.token(role) for role in ROLES}
    outsider = personas.token("lead", outsider=True)
    code = personas.municipality.code
    for (method, path), row in sorted(API.items()):
        url = api_url(path, code, world)
        if "stats" in path:
            url += "?fiscal_year=2026"
        for who, token, expected in [
            *((role, tokens[role], row.expect[role]) for role in ROLES),
            ("another municipality's lead", outsider, 404),
            ("anonymous", None, 401),
        ]:
            headers = {"Authorization": f"Bearer {token}"} if token else {}
            call = getattr(Client(headers=headers), method)
            kwargs = {"content_type": "application/json"} if method != "get" else {}
            with transaction.atomic():
                status = call(url, row.data if method != "get" else None, **kwargs).status_code
                transaction.set_rollback(True)
            if status != expected and not (
                method in ("post", "patch")
                and expected in (OK, 201, 422)
                and status < 500
                and status not in (401, 403, 404)
            ):
                wrong.append(f"{method.upper()} {path} as {who}: {status}, declared {expected}")
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize(("name", "status"), sorted(PUBLIC.items()))
def test_pages_outside_a_municipality_answer_anonymous_visitors_as_declared(db, name, status):
    from django.urls import reverse

    response = (
        Client().post(reverse(name), {"language": "en", "next": "/"})
        if name == "set_language"
        else Client().get(reverse(name))
    )
    assert response.status_code == status
