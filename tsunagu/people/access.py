"""The only doors to one person or family member: 403 for a role that may not, else 404.

Each door is `tsunagu.policy.one`, so opening a person (a page or an edit form) is written to
the access log.
"""

from django.shortcuts import get_object_or_404

from tsunagu.audit.models import AccessAction
from tsunagu.audit.services import Seen
from tsunagu.people.models import FamilyMember, Person
from tsunagu.policy import bases_of, one, record_seen
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import EDIT_PERSONS, VIEW_PERSONS


def person_for_viewer(
    *, membership: Membership, pk: int, action: str = AccessAction.VIEW
) -> Person:
    return one(membership, Person, pk, permission=VIEW_PERSONS, action=action)


def person_for_editor(
    *, membership: Membership, pk: int, action: str = AccessAction.VIEW
) -> Person:
    return one(membership, Person, pk, permission=EDIT_PERSONS, action=action)


def family_member_for_editor(*, membership: Membership, person_pk: int, pk: int) -> FamilyMember:
    """The family member of a person the member may edit; logged with the person's basis."""
    person = person_for_editor(membership=membership, pk=person_pk)
    family: FamilyMember = get_object_or_404(FamilyMember.objects.filter(person=person), pk=pk)
    basis = bases_of(membership, Person, [person.pk]).get(person.pk, "none")
    record_seen(membership, [Seen("family_member", family.pk, basis)], action=AccessAction.VIEW)
    return family
