"""Staff screens of consents: record one (with its scan), revoke one, download the scan."""

import io
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from tsunagu.audit.models import AccessAction
from tsunagu.audit.services import Seen
from tsunagu.people import selectors, services
from tsunagu.people.access import person_for_editor
from tsunagu.people.forms import ConsentForm
from tsunagu.people.models import Consent, Person
from tsunagu.people.scans import SCAN_CONTENT_TYPE, scan_read
from tsunagu.policy import bases_of, record_seen, require, visible
from tsunagu.tenancy.forms import validation_error_to_form
from tsunagu.tenancy.models import Membership
from tsunagu.tenancy.policy import EDIT_PERSONS
from tsunagu.tenancy.requests import StaffRequest


def _record_consent(member: Membership, person: Person, consent: Consent, action: str) -> None:
    """The person and their consent were handed out, both on the person's basis."""
    basis = bases_of(member, Person, [person.pk]).get(person.pk, "none")
    record_seen(
        member,
        [Seen("person", person.pk, basis), Seen("consent", consent.pk, basis)],
        action=action,
    )


def _consent_for_editor(
    request: StaffRequest, pk: int, consent_pk: int, *, record: bool = True
) -> tuple[Person, Consent]:
    """403 for a role that may not edit persons, 404 for an unseen person or another's consent.

    The person is recorded as seen unless `record` is false (the download records itself
    once it knows there is a scan to hand out).
    """
    member = request.membership
    require(member, EDIT_PERSONS)
    if record:
        person = person_for_editor(membership=member, pk=pk)
    else:
        person = get_object_or_404(visible(member, Person), pk=pk)
    consent = selectors.consent_of(person, consent_pk)
    if consent is None:
        raise Http404
    return person, consent


def consent_new(request: StaffRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership
    person = person_for_editor(membership=member, pk=pk)
    form = ConsentForm(
        request.POST or None, request.FILES or None, municipality=member.municipality
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.consent_record(actor=member, person=person, **form.consent_fields())
        except ValidationError as exc:
            validation_error_to_form(form, exc)
        else:
            messages.success(request, _("Recorded the consent."))
            return redirect("staff:person_detail", code=code, pk=person.pk)
    return render(request, "people/consent_form.html", {"form": form, "person": person})


def consent_revoke(request: StaffRequest, code: str, pk: int, consent_pk: int) -> HttpResponse:
    """GET asks for confirmation; POST revokes from this moment."""
    # The confirmation shows the person and the consent: recorded like any page of them.
    person, consent = _consent_for_editor(request, pk, consent_pk)
    if request.method == "POST":
        try:
            services.consent_revoke(actor=request.membership, consent=consent)
        except ValidationError:
            messages.warning(request, _("This consent was already revoked."))
        else:
            messages.success(request, _("Revoked the consent."))
        return redirect("staff:person_detail", code=code, pk=person.pk)
    _record_consent(request.membership, person, consent, AccessAction.VIEW)
    return render(request, "people/consent_revoke.html", {"person": person, "consent": consent})


def consent_document(request: StaffRequest, code: str, pk: int, consent_pk: int) -> FileResponse:
    """The scan, as an attachment, to the staff who record consents; every download is logged."""
    member = request.membership
    person, consent = _consent_for_editor(request, pk, consent_pk, record=False)
    if not consent.document:
        raise Http404
    suffix = PurePath(consent.document.name or "").suffix.lower()
    content_type = SCAN_CONTENT_TYPE.get(suffix)
    if content_type is None:
        raise Http404
    try:
        content = scan_read(consent)
    except FileNotFoundError as exc:
        raise Http404 from exc
    _record_consent(member, person, consent, AccessAction.EXPORT)
    # An ASCII name made of numbers only: nothing of the uploaded name or the person leaks.
    filename = f"consent-{person.number}-{consent.pk}{suffix}"
    response = FileResponse(
        io.BytesIO(content), as_attachment=True, filename=filename, content_type=content_type
    )
    # A signed form about a person's health and family must not linger in shared caches.
    response["Cache-Control"] = "private, no-store"
    return response
