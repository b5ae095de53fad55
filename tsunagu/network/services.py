"""Writes of the network: 支援会議, the partner directory, referrals (つなぎ), and meetings.

Meetings of a series are rows made from its rule for a rolling window (`SERIES_WINDOW_DAYS`
ahead, extended by the daily sweep); a change of the rule applies from today on, so a
meeting already held never changes, and a meeting someone prepared, moved or cancelled keeps
what was done to it.
"""

from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.audit.services import Seen
from tsunagu.cases.models import Case
from tsunagu.core import schedules
from tsunagu.network import notifications
from tsunagu.network.codes import REFERRAL_MOVES, Destination, ReferralStatus
from tsunagu.network.models import (
    ActionItem,
    MailServer,
    MailState,
    Meeting,
    MeetingAttendance,
    MeetingBody,
    MeetingSeries,
    PartnerProfile,
    Referral,
    ReferralEvent,
    SupportMeeting,
    SupportMeetingMember,
)
from tsunagu.people.models import Consent
from tsunagu.policy import record_seen
from tsunagu.policy.casework import consent_in_force
from tsunagu.tenancy.models import Membership, Organization


@transaction.atomic
def support_meeting_create(
    *,
    actor: Membership,
    title: str,
    legal_basis: str,
    held_on: date,
    ends_on: date | None = None,
) -> SupportMeeting:
    meeting = SupportMeeting(
        municipality_id=actor.municipality_id,
        title=title,
        legal_basis=legal_basis,
        held_on=held_on,
        ends_on=ends_on,
        created_by=actor,
    )
    meeting.full_clean(exclude=["municipality"])
    meeting.save()
    return meeting


@transaction.atomic
def support_meeting_set_cases(
    *, actor: Membership, meeting: SupportMeeting, cases: list[Case]
) -> SupportMeeting:
    if any(c.municipality_id != meeting.municipality_id for c in cases):
        raise ValueError("case of another municipality")
    meeting.cases.set(cases)
    return meeting


@transaction.atomic
def support_meeting_invite(
    *, actor: Membership, meeting: SupportMeeting, members: list[Membership]
) -> None:
    if any(m.municipality_id != meeting.municipality_id for m in members):
        raise ValueError("member of another municipality")
    for member in members:
        SupportMeetingMember.objects.get_or_create(
            meeting=meeting,
            membership=member,
            defaults={"municipality_id": meeting.municipality_id},
        )


@transaction.atomic
def support_meeting_update(
    *,
    actor: Membership,
    meeting: SupportMeeting,
    cases: list[Case],
    members: list[Membership],
) -> SupportMeeting:
    """Set the cases shared at a meeting and its members (removed members lose their seat)."""
    support_meeting_set_cases(actor=actor, meeting=meeting, cases=cases)
    SupportMeetingMember.objects.filter(meeting=meeting).exclude(membership__in=members).delete()
    support_meeting_invite(actor=actor, meeting=meeting, members=members)
    return meeting


@transaction.atomic
def support_meeting_acknowledge(*, actor: Membership, meeting: SupportMeeting) -> None:
    """The member (the actor) acknowledges the duty of secrecy; sharing starts now."""
    SupportMeetingMember.objects.filter(
        meeting=meeting, membership=actor, acknowledged_at__isnull=True
    ).update(acknowledged_at=timezone.now())


# --- partner directory -------------------------------------------------------------------


@transaction.atomic
def partner_profile_save(
    *,
    actor: Membership,
    organization: Organization,
    destination: str,
    contact: str = "",
    address: str = "",
    offers: str = "",
    opening_hours: str = "",
) -> PartnerProfile:
    """Create or update the directory entry of one of the municipality's organizations."""
    if organization.municipality_id != actor.municipality_id:
        raise ValueError("organization of another municipality")
    profile = PartnerProfile.objects.filter(organization=organization).first() or PartnerProfile(
        municipality_id=organization.municipality_id, organization=organization
    )
    profile.destination = destination
    profile.contact = contact
    profile.address = address
    profile.offers = offers
    profile.opening_hours = opening_hours
    profile.full_clean(exclude=["municipality", "organization"])
    profile.save()
    return profile


# --- referrals (つなぎ) ---------------------------------------------------------------------


def _check_basis(
    *,
    case: Case,
    organization: Organization | None,
    consent: Consent | None,
    meeting: SupportMeeting | None,
    shared: str,
    today: date,
) -> dict[str, str]:
    problems: dict[str, str] = {}
    if consent is not None and meeting is not None:
        problems["meeting"] = _("Give one basis for sharing: a consent or a support meeting.")
    if consent is not None:
        in_force = Consent.objects.filter(consent_in_force(today=today), pk=consent.pk).exists()
        if consent.person_id != case.person_id:
            problems["consent_id"] = _("This consent is not the person's of this case.")
        elif not in_force:
            problems["consent_id"] = _("This consent is not in force.")
        elif organization is None:
            problems["organization_id"] = _(
                "Name the receiving organization: a consent names whom it allows to share with."
            )
        elif not consent.organizations.filter(pk=organization.pk).exists():
            problems["consent_id"] = _("This consent does not name the receiving organization.")
    if meeting is not None:
        in_force = meeting.held_on <= today and (
            meeting.ends_on is None or meeting.ends_on >= today
        )
        if not meeting.cases.filter(pk=case.pk).exists():
            problems["meeting_id"] = _("This support meeting does not list the case.")
        elif not in_force:
            problems["meeting_id"] = _("This support meeting is not in force.")
        elif organization is None:
            problems["organization_id"] = _("Name the receiving organization.")
    if shared.strip() and consent is None and meeting is None:
        problems["shared"] = _(
            "Nothing may be shared without a consent in force or a support meeting."
        )
    return problems


@transaction.atomic
def referral_create(
    *,
    actor: Membership,
    case: Case,
    destination: str,
    purpose: str,
    organization: Organization | None = None,
    shared: str = "",
    consent: Consent | None = None,
    meeting: SupportMeeting | None = None,
    requested_on: date | None = None,
) -> Referral:
    """Refer a case (つなぎ). Only a consent in force naming the receiver or a 支援会議 in force
    listing the case lets anything beyond the fact of the referral reach the receiver."""
    today = timezone.localdate()
    requested_on = requested_on or today
    problems: dict[str, str] = {}
    if destination not in Destination.values:
        problems["destination"] = _("Choose a destination from the list.")
    if not purpose.strip():
        problems["purpose"] = _("Say what the referral is for.")
    if requested_on > today:
        problems["requested_on"] = _("A referral cannot be made in the future.")
    for name, row in (("organization_id", organization), ("consent_id", consent)):
        if row is not None and row.municipality_id != case.municipality_id:
            problems[name] = _("Not found.")
    if meeting is not None and meeting.municipality_id != case.municipality_id:
        problems["meeting_id"] = _("Not found.")
    if not problems:
        problems.update(
            _check_basis(
                case=case,
                organization=organization,
                consent=consent,
                meeting=meeting,
                shared=shared,
                today=today,
            )
        )
    if problems:
        raise ValidationError(problems)
    now = timezone.now()
    referral = Referral.objects.create(
        municipality_id=case.municipality_id,
        case=case,
        destination=destination,
        organization=organization,
        purpose=purpose.strip(),
        shared=shared.strip(),
        consent=consent,
        meeting=meeting,
        status=ReferralStatus.REQUESTED,
        requested_on=requested_on,
        status_changed_at=now,
        created_by=actor,
    )
    ReferralEvent.objects.create(
        municipality_id=case.municipality_id,
        referral=referral,
        to_status=ReferralStatus.REQUESTED,
        at=now,
        by=actor,
    )
    record_seen(actor, [Seen("referral", referral.pk, "role")], action="create")
    notifications.referral_received(referral)
    return referral


@transaction.atomic
def referral_answer(
    *,
    actor: Membership,
    referral: Referral,
    status: str = "",
    note: str = "",
    on_behalf: bool = False,
    at: datetime | None = None,
) -> ReferralEvent:
    """Move a referral along its states and/or record feedback from the receiver.

    The receiver's staff answer themselves; the center's staff record an answer given by
    phone or on paper (`on_behalf`). A move the states do not allow is refused naming status.
    """
    referral = Referral.objects.select_for_update().get(pk=referral.pk)
    if status and status not in ReferralStatus.values:
        raise ValidationError({"status": _("Choose a status from the list.")})
    if status and status == referral.status:
        raise ValidationError({"status": _("The referral already has this status.")})
    if status and status not in REFERRAL_MOVES[referral.status]:
        raise ValidationError(
            {
                "status": _("A referral cannot move from %(from)s to %(to)s.")
                % {
                    "from": ReferralStatus(referral.status).label,
                    "to": ReferralStatus(status).label,
                }
            }
        )
    if not status and not note.strip():
        raise ValidationError({"note": _("Give a new status or write the feedback.")})
    now = at or timezone.now()
    event = ReferralEvent.objects.create(
        municipality_id=referral.municipality_id,
        referral=referral,
        from_status=referral.status if status else "",
        to_status=status,
        note=note.strip(),
        at=now,
        by=actor,
        on_behalf=on_behalf,
    )
    if status:
        referral.status = status
        referral.status_changed_at = now
    if referral.answered_at is None:
        referral.answered_at = now
    referral.save(update_fields=["status", "status_changed_at", "answered_at"])
    record_seen(actor, [Seen("referral", referral.pk, "role")], action="update")
    notifications.referral_answered(referral, event_id=event.pk, by=actor)
    return event


# --- meetings (huddles to the review committee) ------------------------------------------


@transaction.atomic
def meeting_body_save(
    *,
    actor: Membership,
    name: str,
    kind: str,
    organizations: list[Organization],
    parent: MeetingBody | None = None,
) -> MeetingBody:
    """Create or update a standing body by name, with its member organizations."""
    if any(o.municipality_id != actor.municipality_id for o in organizations):
        raise ValueError("organization of another municipality")
    body, _created = MeetingBody.objects.update_or_create(
        municipality_id=actor.municipality_id,
        name=name,
        defaults={"kind": kind, "parent": parent},
    )
    body.full_clean(exclude=["municipality"])
    body.organizations.set(organizations)
    return body


@transaction.atomic
def meeting_create(
    *,
    actor: Membership,
    kind: str,
    title: str,
    held_on: date,
    body: MeetingBody | None = None,
    place: str = "",
    agenda: str = "",
) -> Meeting:
    if body is not None and body.municipality_id != actor.municipality_id:
        raise ValueError("body of another municipality")
    meeting = Meeting(
        municipality_id=actor.municipality_id,
        kind=kind,
        body=body,
        title=title,
        held_on=held_on,
        place=place,
        agenda=agenda,
        created_by=actor,
    )
    meeting.full_clean(exclude=["municipality"])
    meeting.save()
    return meeting


@transaction.atomic
def meeting_record(
    *,
    actor: Membership,
    meeting: Meeting,
    agenda: str,
    minutes: str,
    decisions: str,
    present: list[Organization],
) -> Meeting:
    """Write the agenda, minutes and decisions, and which member bodies attended."""
    meeting.agenda = agenda
    meeting.minutes = minutes
    meeting.decisions = decisions
    meeting.save(update_fields=["agenda", "minutes", "decisions"])
    if any(o.municipality_id != meeting.municipality_id for o in present):
        raise ValueError("organization of another municipality")
    MeetingAttendance.objects.filter(meeting=meeting).exclude(organization__in=present).delete()
    for organization in present:
        MeetingAttendance.objects.get_or_create(
            meeting=meeting,
            organization=organization,
            defaults={"municipality_id": meeting.municipality_id},
        )
    return meeting


@transaction.atomic
def action_item_add(
    *, actor: Membership, meeting: Meeting, what: str, owner: Membership, due_on: date
) -> ActionItem:
    problems = {}
    if not what.strip():
        problems["what"] = _("Say what is to be done.")
    if owner.municipality_id != meeting.municipality_id or not owner.is_active:
        problems["owner"] = _("Choose an active member of the municipality.")
    if due_on < meeting.held_on:
        problems["due_on"] = _("The due date must not be before the meeting.")
    if problems:
        raise ValidationError(problems)
    return ActionItem.objects.create(
        municipality_id=meeting.municipality_id,
        meeting=meeting,
        what=what.strip(),
        owner=owner,
        due_on=due_on,
    )


@transaction.atomic
def action_item_done(
    *, actor: Membership, item: ActionItem, at: datetime | None = None
) -> ActionItem:
    if item.done_at is not None:
        raise ValidationError(_("This action item is already done."))
    item.done_at = at or timezone.now()
    item.done_by = actor
    item.save(update_fields=["done_at", "done_by"])
    return item


# --- meeting series ------------------------------------------------------------------------

# Half a year ahead: the next meeting of a quarterly series always exists.
SERIES_WINDOW_DAYS = 183
_FIRST_YEAR, _LAST_YEAR = 1873, 2999


def _series_check(actor: Membership, series: MeetingSeries, body: MeetingBody | None) -> None:
    if body is not None and body.municipality_id != actor.municipality_id:
        raise ValueError("body of another municipality")
    problems = schedules.validate(series.as_schedule())
    if problems:
        raise ValidationError(problems)
    series.full_clean(exclude=["municipality"])


@transaction.atomic
def series_create(
    *,
    actor: Membership,
    kind: str,
    title: str,
    rrule: str,
    start: time,
    end: time,
    starts_on: date,
    holidays: str = schedules.SKIP,
    ends_on: date | None = None,
    body: MeetingBody | None = None,
    place: str = "",
    today: date | None = None,
) -> MeetingSeries:
    """A series and its meetings from `starts_on` to the end of the window."""
    series = MeetingSeries(
        municipality_id=actor.municipality_id,
        kind=kind,
        body=body,
        title=title,
        place=place,
        rrule=rrule.strip(),
        start=start,
        end=end,
        holidays=holidays,
        starts_on=starts_on,
        ends_on=ends_on,
    )
    _series_check(actor, series, body)
    series.save()
    today = today or timezone.localdate()
    series_ensure(series, today + timedelta(days=SERIES_WINDOW_DAYS))
    return series


def _untouched(meeting: Meeting) -> bool:
    """Nobody prepared, moved, cancelled or held it yet: the rule may change it. The meeting
    comes annotated with `has_action_items` and `has_attendance` (one query for them all)."""
    return (
        not meeting.cancelled
        and meeting.held_on == meeting.origin_date
        and not (meeting.agenda or meeting.minutes or meeting.decisions)
        and not meeting.has_action_items  # type: ignore[attr-defined]
        and not meeting.has_attendance  # type: ignore[attr-defined]
    )


@transaction.atomic
def series_update(
    *,
    actor: Membership,
    series: MeetingSeries,
    kind: str,
    title: str,
    rrule: str,
    start: time,
    end: time,
    starts_on: date,
    holidays: str = schedules.SKIP,
    ends_on: date | None = None,
    body: MeetingBody | None = None,
    place: str = "",
    today: date | None = None,
) -> MeetingSeries:
    """Change a series from today on: meetings before today stay as they were held.

    From today, a meeting the new rule still gives follows the new title, place and times
    unless someone prepared it; one it no longer gives is removed, or cancelled with the
    reason when someone prepared it.
    """
    today = today or timezone.localdate()
    series = MeetingSeries.objects.select_for_update().get(pk=series.pk)
    series.kind, series.body, series.title, series.place = kind, body, title, place
    series.rrule, series.start, series.end = rrule.strip(), start, end
    series.holidays, series.starts_on, series.ends_on = holidays, starts_on, ends_on
    _series_check(actor, series, body)
    series.save()
    until = max(series.meetings_until or today, today + timedelta(days=SERIES_WINDOW_DAYS))
    wanted = {occ.date: occ for occ in schedules.occurrences([series.as_schedule()], today, until)}
    future = Meeting.objects.filter(
        municipality_id=series.municipality_id,
        series=series,
        origin_date__gte=today,
        held_on__gte=today,
    ).annotate(
        has_action_items=Exists(ActionItem.objects.filter(meeting=OuterRef("pk"))),
        has_attendance=Exists(MeetingAttendance.objects.filter(meeting=OuterRef("pk"))),
    )
    for meeting in future:
        occ = wanted.get(meeting.origin_date) if meeting.origin_date else None
        if _untouched(meeting):
            if occ is None:
                meeting.delete()
                continue
            meeting.kind, meeting.body, meeting.title = kind, body, title
            meeting.place, meeting.start, meeting.end = place, occ.start, occ.end
            meeting.save(update_fields=["kind", "body", "title", "place", "start", "end"])
        elif occ is None and not meeting.cancelled:
            meeting.cancelled = True
            meeting.change_reason = _("The schedule changed.")
            meeting.save(update_fields=["cancelled", "change_reason"])
    _series_materialize(series, today, until)
    MeetingSeries.objects.filter(pk=series.pk).update(meetings_until=until)
    series.meetings_until = until
    return series


def _series_materialize(series: MeetingSeries, first: date, last: date) -> None:
    rows = [
        Meeting(
            municipality_id=series.municipality_id,
            kind=series.kind,
            body_id=series.body_id,
            series=series,
            title=series.title,
            place=series.place,
            origin_date=occ.date,
            held_on=occ.date,
            start=occ.start,
            end=occ.end,
            created_by=None,
        )
        for occ in schedules.occurrences([series.as_schedule()], first, last)
    ]
    # The unique (series, origin_date) keeps each occurrence once (a cancelled one stays
    # cancelled), also when two requests race.
    Meeting.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)


def series_ensure(series: MeetingSeries, until: date) -> None:
    """Make the meetings of `series` up to `until` exist (idempotent)."""
    if series.meetings_until is not None and series.meetings_until >= until:
        return
    with transaction.atomic():
        locked = MeetingSeries.objects.select_for_update().get(pk=series.pk)
        done = locked.meetings_until
        if done is None or done < until:
            first = locked.starts_on if done is None else done + timedelta(days=1)
            if first <= until:
                _series_materialize(locked, first, until)
            MeetingSeries.objects.filter(pk=series.pk).update(meetings_until=until)
            done = until
        series.meetings_until = done


def series_roll(*, today: date | None = None, days: int = SERIES_WINDOW_DAYS) -> int:
    """Extend every series to `days` ahead (the daily sweep's rolling window)."""
    until = (today or timezone.localdate()) + timedelta(days=days)
    count = 0
    for series in MeetingSeries.objects.filter(
        Q(meetings_until__isnull=True) | Q(meetings_until__lt=until)
    ):
        series_ensure(series, until)
        count += 1
    return count


def _reason(reason: str) -> str:
    if not reason.strip():
        raise ValidationError({"reason": _("Enter the reason.")})
    return reason.strip()


@transaction.atomic
def meeting_cancel(*, actor: Membership, meeting: Meeting, reason: str) -> Meeting:
    """Call off one meeting (of a series or not); the series makes it no more."""
    meeting.change_reason = _reason(reason)
    meeting.cancelled = True
    meeting.save(update_fields=["cancelled", "change_reason"])
    return meeting


@transaction.atomic
def meeting_move(
    *,
    actor: Membership,
    meeting: Meeting,
    date: date,
    start: time,
    end: time,
    reason: str,
) -> Meeting:
    """Hold one meeting on another day or at other times."""
    change_reason = _reason(reason)
    if not _FIRST_YEAR <= date.year <= _LAST_YEAR:
        raise ValidationError({"date": _("Enter a date between 1873 and 2999.")})
    if end <= start:
        raise ValidationError({"end": _("The end must be after the start.")})
    meeting.held_on, meeting.start, meeting.end = date, start, end
    meeting.change_reason = change_reason
    meeting.cancelled = False
    meeting.save(update_fields=["held_on", "start", "end", "change_reason", "cancelled"])
    return meeting


# --- the municipality's mail server ---------------------------------------------------------


@transaction.atomic
def mail_server_save(
    *,
    actor: Membership,
    host: str,
    port: int,
    use_tls: bool,
    username: str,
    from_address: str,
    password: str = "",
    forget_password: bool = False,
) -> MailServer:
    """The municipality's mail server; a blank password keeps the one stored (it is never
    shown back), `forget_password` removes it."""
    server = MailServer.objects.filter(municipality_id=actor.municipality_id).first()
    if server is None:
        server = MailServer(municipality_id=actor.municipality_id)
    server.host, server.port, server.use_tls = host.strip(), port, use_tls
    server.username, server.from_address = username.strip(), from_address.strip()
    if forget_password:
        server.password = ""
    elif password:
        server.password = password
    server.full_clean(exclude=["municipality"])
    server.save()
    return server


def mail_server_test(*, actor: Membership, server: MailServer) -> None:
    """Queue a test mail to the actor; the worker notes the result on the server."""
    from tsunagu.network.tasks import send_test_mail

    if not actor.user.email:
        raise ValidationError(_("Your account has no e-mail address to send the test to."))
    MailServer.objects.filter(pk=server.pk).update(
        test_state=MailState.PENDING, tested_at=None, test_error=""
    )
    to = actor.user.email
    transaction.on_commit(lambda: send_test_mail.enqueue(server_id=server.pk, to=to))
