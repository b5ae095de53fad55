"""What each role may do: the one place that answers "may this membership do that?".

Permissions are plain strings so a view, a template and the API ask the same question.
Object rules (assignment, consent, 支援会議) build on these in the apps that own the objects.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership

MANAGE_MUNICIPALITY = "municipality.manage"
VIEW_STATISTICS = "statistics.view"
# Name the rows the municipality reports to its committee (reporting groups).
MANAGE_REPORTING_GROUPS = "reporting_group.manage"
VIEW_PERSONS = "person.view"
EDIT_PERSONS = "person.edit"
VIEW_ALL_CASES = "case.view_all"
EDIT_CASES = "case.edit"
RECORD_CONSULTATIONS = "consultation.record"
IMPORT_CONSULTATIONS = "consultation.import"
UNLOCK_ACCOUNTS = "account.unlock"
# Access-log screens (who saw a person, what a member saw) serve a leak report.
VIEW_ACCESS_LOG = "audit.access_log"
# A case's change history (django-auditlog) with encrypted values masked.
VIEW_CHANGE_HISTORY = "audit.change_history"
# Visibility bases (tsunagu/policy): which rows beyond the member's own assignments.
VIEW_SHARED_CASES = "case.view_shared"  # cases the center shares among its counselors
VIEW_INTAKE = "person.view_intake"  # persons with no case yet, anonymous consultations
VIEW_UNDER_CONSENT = "person.view_under_consent"  # persons whose consent names the member's org
VIEW_CONSULTATIONS = "consultation.view"
# The partner network: the directory of partner organizations, and referrals (つなぎ) a
# partner's staff receive for their organization (tsunagu/policy/network.py).
VIEW_PARTNERS = "partner.view"
MANAGE_PARTNERS = "partner.manage"
RECEIVE_REFERRALS = "referral.receive"
# Meetings of the network (huddles to the review committee): the center's staff see all of
# them, a lead runs them, members of other bodies see the meetings of bodies they sit on.
VIEW_ALL_MEETINGS = "meeting.view_all"
MANAGE_MEETINGS = "meeting.manage"
ATTEND_MEETINGS = "meeting.attend"
# Exact counts, small ones included; everyone else gets them through tsunagu/reports/disclosure.
VIEW_EXACT_STATISTICS = "statistics.view_exact"
# Corrections: an author corrects their own record (RECORD_CONSULTATIONS); these go further.
CORRECT_ANY_CONSULTATION = "consultation.correct_any"
DELETE_CONSULTATIONS = "consultation.delete"
MERGE_PERSONS = "person.merge"
# Places (居場所, 相談日) and their sessions (tsunagu/policy/places.py).
VIEW_PLACES = "place.view"  # open a place and its calendar at all
VIEW_ALL_PLACES = "place.view_all"  # every place of the municipality (else those one runs)
RUN_PLACES = "place.run"  # the places one is staff of: their attendees by name
MANAGE_PLACES = "place.manage"  # create places, change their rules
BOOK_SESSIONS = "session.book"  # reserve seats on behalf of a person
TAKE_ATTENDANCE = "session.attendance"  # record who came, cancel or move a session
MANAGE_PROGRAMMES = "programme.manage"  # create courses, groups, lectures and their sessions
ENROL = "programme.enrol"  # enrol participants in programmes
# Supporters: the registry and dispatch requests (staff), matching and approval (lead), and a
# supporter's own dispatches and activity logs.
VIEW_SUPPORTERS = "supporter.view"
REQUEST_DISPATCH = "dispatch.request"
MANAGE_SUPPORTERS = "supporter.manage"
OWN_DISPATCHES = "dispatch.own"
# A role confined to its own objects (the supporter: their own dispatches and meetings). It is
# never told that anything else exists: every other page, operation or object answers 404, not
# 403 (`refuse`), and the staff area lets it open only `CONFINED_PAGES` (the gate in
# tenancy/middleware.py).
OWN_OBJECTS_ONLY = "scope.own_objects_only"
CONFINED_PAGES = frozenset({"home", "my_dispatches", "activity_log_new"})
CONFINED_HOME = "my_dispatches"  # where their home page sends them
# A role that sees cases only as consultation-day bookings made with it (the visiting
# professional): no casework basis (assignment, 支援会議, ...) applies to it; the basis
# booking:<id> of tsunagu/policy/places.py opens each case booked with it, while booked.
BOOKED_CASES_ONLY = "scope.booked_cases_only"
# District needs surveys (実態把握): counts by district, never names.
VIEW_SURVEYS = "survey.view"
MANAGE_SURVEYS = "survey.manage"
EDIT_PUBLIC_PAGE = "public_page.edit"  # the fixed texts of the municipality's public page

PERMISSIONS: dict[str, frozenset[str]] = {
    Role.ADMIN: frozenset(
        {
            VIEW_PARTNERS,
            MANAGE_PARTNERS,
            VIEW_EXACT_STATISTICS,
            VIEW_SURVEYS,
            MANAGE_SURVEYS,
            EDIT_PUBLIC_PAGE,
            MANAGE_MUNICIPALITY,
            VIEW_STATISTICS,
            MANAGE_REPORTING_GROUPS,
            IMPORT_CONSULTATIONS,
            UNLOCK_ACCOUNTS,
            VIEW_ACCESS_LOG,
            VIEW_PLACES,
            VIEW_ALL_PLACES,
            MANAGE_PLACES,
            MANAGE_PROGRAMMES,
        }
    ),
    Role.LEAD: frozenset(
        {
            VIEW_PARTNERS,
            MANAGE_PARTNERS,
            VIEW_ALL_MEETINGS,
            MANAGE_MEETINGS,
            VIEW_EXACT_STATISTICS,
            VIEW_STATISTICS,
            MANAGE_REPORTING_GROUPS,
            VIEW_PERSONS,
            EDIT_PERSONS,
            VIEW_ALL_CASES,
            EDIT_CASES,
            VIEW_CONSULTATIONS,
            RECORD_CONSULTATIONS,
            CORRECT_ANY_CONSULTATION,
            DELETE_CONSULTATIONS,
            MERGE_PERSONS,
            IMPORT_CONSULTATIONS,
            VIEW_SUPPORTERS,
            REQUEST_DISPATCH,
            MANAGE_SUPPORTERS,
            VIEW_SURVEYS,
            MANAGE_SURVEYS,
            EDIT_PUBLIC_PAGE,
            UNLOCK_ACCOUNTS,
            VIEW_ACCESS_LOG,
            VIEW_CHANGE_HISTORY,
            VIEW_PLACES,
            VIEW_ALL_PLACES,
            MANAGE_PLACES,
            BOOK_SESSIONS,
            TAKE_ATTENDANCE,
            MANAGE_PROGRAMMES,
            ENROL,
        }
    ),
    Role.COUNSELOR: frozenset(
        {
            VIEW_PARTNERS,
            VIEW_ALL_MEETINGS,
            VIEW_EXACT_STATISTICS,
            VIEW_STATISTICS,
            VIEW_PERSONS,
            EDIT_PERSONS,
            EDIT_CASES,
            VIEW_SHARED_CASES,
            VIEW_INTAKE,
            VIEW_CONSULTATIONS,
            RECORD_CONSULTATIONS,
            VIEW_PLACES,
            VIEW_ALL_PLACES,
            BOOK_SESSIONS,
            TAKE_ATTENDANCE,
            ENROL,
            VIEW_SUPPORTERS,
            REQUEST_DISPATCH,
            VIEW_SURVEYS,
        }
    ),
    Role.PROFESSIONAL: frozenset(
        {VIEW_PERSONS, VIEW_CONSULTATIONS, ATTEND_MEETINGS, BOOKED_CASES_ONLY}
    ),
    Role.PLACE_STAFF: frozenset({VIEW_PLACES, RUN_PLACES, BOOK_SESSIONS, TAKE_ATTENDANCE, ENROL}),
    Role.SUPPORTER: frozenset({OWN_DISPATCHES, OWN_OBJECTS_ONLY}),
    Role.PARTNER: frozenset(
        {VIEW_PERSONS, VIEW_UNDER_CONSENT, VIEW_PARTNERS, RECEIVE_REFERRALS, ATTEND_MEETINGS}
    ),
    Role.COMMITTEE: frozenset({VIEW_STATISTICS, ATTEND_MEETINGS}),
}


def has_permission(membership: Membership | None, permission: str) -> bool:
    if membership is None or not membership.is_active:
        return False
    return permission in PERMISSIONS.get(membership.role, frozenset())


def roles_with(permission: str) -> list[str]:
    """The roles granted `permission` (to list, say, the visiting professionals)."""
    return [role for role, granted in PERMISSIONS.items() if permission in granted]


def confined(membership: Membership | None) -> bool:
    """Is this member confined to their own objects (refusals are 404 to them)?"""
    return has_permission(membership, OWN_OBJECTS_ONLY)


def refuse(membership: Membership | None, permission: str) -> None:
    """Refuse: 403 (logged by Django) for a role that may not; 404 for a confined member, who
    must not learn that the page or object exists."""
    if confined(membership):
        raise Http404
    raise PermissionDenied(permission)


def page_open(membership: Membership | None, url_name: str | None) -> bool:
    """May this member open the staff page `url_name` at all? (Everyone but a confined member;
    the page itself still asks for its permission and objects.)"""
    return not confined(membership) or url_name in CONFINED_PAGES


def require_permission(membership: Membership | None, permission: str) -> None:
    """Refuse (403, or 404 to a confined member) when the role may not do this."""
    if not has_permission(membership, permission):
        refuse(membership, permission)
