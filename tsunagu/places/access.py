"""The only doors to one place or session: 403 for a role that may not, 404 outside sight."""

from tsunagu.places.models import Place, Session
from tsunagu.policy import one
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import VIEW_PLACES


def place_for(member: Membership, pk: int, permission: str = VIEW_PLACES) -> Place:
    return one(member, Place, pk, permission=VIEW_PLACES if permission is None else permission)


def session_for(member: Membership, pk: int, permission: str = VIEW_PLACES) -> Session:
    queryset = Session.objects.select_related("place")
    return one(member, Session, pk, permission=permission, queryset=queryset)
