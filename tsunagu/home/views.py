"""The staff home page: what a member's morning needs from every domain, on one page.

It sits above the domain apps (cases, consultations, network, and later places), so that
tenancy, below them, imports none of them.
"""

from datetime import date

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tsunagu.audit.models import AccessAction
from tsunagu.cases.models import Case
from tsunagu.cases.selectors import home_caseload, home_follow_ups, home_risk_flags
from tsunagu.consultations.models import Consultation
from tsunagu.core import eras
from tsunagu.network.selectors import home_referrals_awaiting_answer, my_action_items
from tsunagu.people.models import Person
from tsunagu.places.selectors import my_bookings, today_schedule
from tsunagu.policy import can, record, shown
from tsunagu.public.selectors import unanswered_count
from tsunagu.reports.disclosure import consultation_statistics_for
from tsunagu.reports.selectors import ConsultationStatistics
from tsunagu.tenancy.codes import Role
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import (
    BOOKED_CASES_ONLY,
    CONFINED_HOME,
    RECORD_CONSULTATIONS,
    VIEW_PERSONS,
    VIEW_STATISTICS,
    confined,
)
from tsunagu.tenancy.requests import StaffRequest

# What each role finds on its home page and where the rest is (a supporter's home is their
# dispatches). Where a feature has not arrived yet, the sentence says so.
ROLE_GUIDE: dict[str, Promise] = {
    Role.ADMIN: _(
        "Here: the latest consultation figures. Under Administration: members, organizations,"
        " data retention, import and the audit log."
    ),
    Role.LEAD: _(
        "Here: your team's caseload by member, every open risk and the follow-ups due."
        " Assigning staff, likely duplicates, import and the audit log are in the menu."
    ),
    Role.COUNSELOR: _(
        "Here: open risks of your cases, follow-ups due today and overdue, and today's"
        " sessions. New consultation (Alt+N) records a call from any page."
    ),
    Role.PROFESSIONAL: _(
        "Here: the consultation-day bookings made with you. You see the cases booked with you,"
        " and no other; the consultation days are on the calendar."
    ),
    Role.PLACE_STAFF: _(
        "Here: today's sessions at the places you run. The month calendar, reservations and"
        " each session's attendance are under Places and Calendar."
    ),
    Role.PARTNER: _(
        "Here: the cases shared with your organization (under consent or through a support"
        " meeting) and the referrals waiting for your answer."
    ),
    Role.COMMITTEE: _(
        "Here: the latest consultation figures, with small counts withheld (shown as X)."
        " The full statistics and the committee's dashboard are under Statistics."
    ),
}


def latest_figures(member: Membership, today: date) -> list[tuple[str, ConsultationStatistics]]:
    """This fiscal year so far and the last one, as the disclosure module gives them."""
    this_year = eras.fiscal_year(today)
    return [
        (eras.fiscal_year_label(year), consultation_statistics_for(member, start=start, end=end))
        for year in (this_year, this_year - 1)
        for start, end in [eras.fiscal_year_dates(year)]
    ]


def home(request: StaffRequest, code: str) -> HttpResponse:
    """A member's morning: open risks on their cases, then follow-ups due; nothing else."""
    member = request.membership
    if confined(member):  # a supporter's morning is their own dispatches
        return redirect(f"staff:{CONFINED_HOME}", code=code)
    context: dict[str, object] = {
        "works_cases": can(member, VIEW_PERSONS),
        # Any member may own an action item of a meeting (a committee member too).
        "action_items": my_action_items(member),
        "today": timezone.localdate(),
        "today_sessions": today_schedule(member),
        "role_guide": ROLE_GUIDE.get(member.role),
    }
    if can(member, BOOKED_CASES_ONLY):  # a visiting professional: the cases booked with them
        context["my_bookings"] = my_bookings(member, today=timezone.localdate())
    if can(member, RECORD_CONSULTATIONS):
        context["web_inquiries"] = unanswered_count(member)
    if can(member, VIEW_STATISTICS) and not context["works_cases"]:
        # The committee's and the admin's day: the figures, never a person.
        context["figures"] = latest_figures(member, timezone.localdate())
    if context["works_cases"]:
        today = timezone.localdate()
        flags = home_risk_flags(viewer=member)
        follow_ups = home_follow_ups(viewer=member, today=today)
        context.update(
            today=today,
            risk_flags=flags,
            follow_ups=follow_ups,
            waiting_referrals=home_referrals_awaiting_answer(member),
            caseload=home_caseload(viewer=member),
        )
        # The home page names persons and their risks: a read like any list.
        cases = list({f.case_id: f.case for f in flags}.values())
        persons = [c.person_id for c in cases] + [c.person_id for c in follow_ups if c.person_id]
        if cases:
            shown(member, Case, cases, action=AccessAction.LIST)
        if follow_ups:
            shown(member, Consultation, follow_ups, action=AccessAction.LIST)
        if persons:
            record(member, Person, persons, action=AccessAction.LIST)
    return render(request, "home/home.html", context)
