"""The one door to a web inquiry for staff: 403 for the wrong role, 404 outside sight."""

from django.http import Http404

from tsunagu.consultations.models import Consultation
from tsunagu.policy import one, require
from tsunagu.public.models import WebInquiry
from tsunagu.tenancy.models import Membership


def inquiry_for(member: Membership, pk: int, permission: str) -> WebInquiry:
    require(member, permission)
    inquiry = (
        WebInquiry.objects.filter(municipality_id=member.municipality_id, pk=pk)
        .select_related("consultation")
        .first()
    )
    if inquiry is None:
        raise Http404
    # Seen through its consultation: the same bases, and the read is logged.
    one(member, Consultation, inquiry.consultation_id, permission=permission)
    return inquiry
