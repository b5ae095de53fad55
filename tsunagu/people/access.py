"""The only doors to one person or family member: 403 for a role that may not, else 404."""

from django.shortcuts import get_object_or_404

from tsunagu.cases.policy import visible_persons
from tsunagu.people.models import FamilyMember, Person
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import EDIT_PERSONS, VIEW_PERSONS, require_permission


def person_for_viewer(*, membership: Membership, pk: int) -> Person:
    require_permission(membership, VIEW_PERSONS)
    return get_object_or_404(visible_persons(membership), pk=pk)


def person_for_editor(*, membership: Membership, pk: int) -> Person:
    require_permission(membership, EDIT_PERSONS)
    return get_object_or_404(visible_persons(membership), pk=pk)


def family_member_for_editor(*, membership: Membership, person_pk: int, pk: int) -> FamilyMember:
    person = person_for_editor(membership=membership, pk=person_pk)
    return get_object_or_404(FamilyMember.objects.filter(person=person), pk=pk)
