"""The bases of referrals (つなぎ): who sees which referral, and on which basis.

- role: a member who sees every case (the lead) sees every referral of the municipality;
- case: the center's staff who may edit cases see the referrals of the cases they see;
- referral: a partner's staff (`RECEIVE_REFERRALS`) see the referrals made to their
  organization while what allowed the sharing is in force — the consent naming their
  organization (logged as consent:<id>), or the 支援会議 listing the case whose secrecy they
  acknowledged (meeting:<id>). A referral made with neither shares only the fact that it was
  made (referral:<id>). Revoking the consent or the meeting's end closes the view at once.

Meetings (huddles to the review committee): the center's staff see all (role); members of
other bodies see those of the bodies their organization sits on (body).
"""

from django.db.models import Exists, OuterRef, Q

from tsunagu.cases.models import Case
from tsunagu.network.models import Meeting, Referral
from tsunagu.policy.casework import consents_for, meeting_seats, sees_every_case
from tsunagu.policy.registry import EVERY_ROW, Grant, register, subject, visible_through
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import (
    ATTEND_MEETINGS,
    EDIT_CASES,
    RECEIVE_REFERRALS,
    VIEW_ALL_MEETINGS,
    VIEW_PERSONS,
    has_permission,
)

subject(Referral, "referral")


def _staff(member: Membership) -> bool:
    return has_permission(member, VIEW_PERSONS) and has_permission(member, EDIT_CASES)


def receives(member: Membership) -> bool:
    """A partner's staff member who receives referrals for their organization."""
    return has_permission(member, RECEIVE_REFERRALS) and member.organization_id is not None


@register(Referral, "role")
def _referral_role(member: Membership) -> Grant:
    return EVERY_ROW if _staff(member) and sees_every_case(member) else None


@register(Referral, "case")
def _referral_case(member: Membership) -> Grant:
    if not _staff(member):
        return None
    return visible_through(member, Case, "case")


def basis_in_force(member: Membership) -> Q:
    """Referrals whose sharing basis is in force for this member (or that share nothing)."""
    consent = Exists(consents_for(member).filter(pk=OuterRef("consent")))
    meeting = Exists(
        meeting_seats(member).filter(meeting=OuterRef("meeting"), meeting__cases=OuterRef("case"))
    )
    no_basis = Q(consent__isnull=True, meeting__isnull=True)
    return no_basis | Q(consent__isnull=False) & Q(consent) | Q(meeting__isnull=False) & Q(meeting)


def _referral_receiver_labels(member: Membership, ids: list[int]) -> dict[int, str]:
    if not receives(member) or member.organization_id is None:
        return {}
    rows = Referral.objects.filter(
        basis_in_force(member),
        pk__in=ids,
        municipality_id=member.municipality_id,
        organization_id=member.organization_id,
    ).values_list("pk", "consent_id", "meeting_id")
    labels = {}
    for pk, consent_id, meeting_id in rows:
        if consent_id is not None:
            labels[pk] = f"consent:{consent_id}"
        elif meeting_id is not None:
            labels[pk] = f"meeting:{meeting_id}"
        else:
            labels[pk] = f"referral:{pk}"
    return labels


@register(Referral, "referral", label=_referral_receiver_labels)
def _referral_receiver(member: Membership) -> Grant:
    if not receives(member):
        return None
    return Q(organization_id=member.organization_id) & basis_in_force(member)


def sees_shared(member: Membership, referral: Referral) -> bool:
    """Whether the member may read what the referral shares (its purpose and notes).

    The center's staff always may; the receiver only when a consent or a 支援会議 allowed
    sharing (the referral is out of their sight altogether once that basis lapses).
    """
    if _staff(member):
        return True
    return referral.consent_id is not None or referral.meeting_id is not None


# --- meetings ----------------------------------------------------------------------------
# Not personal data (no subject): nobody's case is on these agendas; a case is discussed by
# name only at a 支援会議, whose own basis (casework.py) gates it.


@register(Meeting, "role")
def _meeting_role(member: Membership) -> Grant:
    return EVERY_ROW if has_permission(member, VIEW_ALL_MEETINGS) else None


@register(Meeting, "body")
def _meeting_body(member: Membership) -> Grant:
    """Members of other bodies see the meetings of the bodies their organization sits on
    (a working group's meetings too when the organization sits on the committee above)."""
    if not has_permission(member, ATTEND_MEETINGS) or member.organization_id is None:
        return None
    org = member.organization_id
    return Q(body__organizations=org) | Q(body__parent__organizations=org)
