"""Staff screens of consents: record one (with its scan), revoke one, download the scan."""

import io
from datetime import date
from pathlib import PurePath

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from tsunagu.audit.models import AccessAction
from tsunagu.audit.services import Seen, access_record
from tsunagu.cases.policy import person_basis
from tsunagu.people import services
from tsunagu.people.access import person_for_editor
from tsunagu.people.forms import ConsentForm
from tsunagu.people.models import Consent, Person
from tsunagu.people.scans import SCAN_CONTENT_TYPE, scan_read
from tsunagu.tenancy.forms import validation_error_to_form

# Where a consent stands on a given day, for the person's page.
CONSENT_STATUS = {
    "in_force": gettext_lazy("In force"),
    "future": gettext_lazy("Not yet in force"),
    "expired": gettext_lazy("Expired"),
    "revoked": gettext_lazy("Revoked"),
}


def consent_status(consent: Consent, today: date) -> str:
    if consent.revoked_at is not None:
        return "revoked"
    if consent.valid_from > today:
        return "future"
    if consent.valid_until is not None and consent.valid_until < today:
        return "expired"
    return "in_force"


def consents_of(person: Person, today: date) -> list[Consent]:
    """Every consent of the person, newest first, each with `status` and `status_label`."""
    consents = list(
        Consent.objects.filter(person=person)
        .select_related("recorded_by__user")
        .prefetch_related("organizations")
    )
    for consent in consents:
        consent.status = consent_status(consent, today)  # type: ignore[attr-defined]
        consent.status_label = CONSENT_STATUS[consent.status]  # type: ignore[attr-defined]
    return consents


def _consent_for_editor(request: HttpRequest, pk: int, consent_pk: int) -> tuple[Person, Consent]:
    """403 for a role that may not edit persons, 404 for an unseen person or another's consent."""
    person = person_for_editor(membership=request.membership, pk=pk)  # type: ignore[attr-defined]
    consent: Consent = get_object_or_404(Consent.objects.filter(person=person), pk=consent_pk)
    return person, consent


def consent_new(request: HttpRequest, code: str, pk: int) -> HttpResponse:
    member = request.membership  # type: ignore[attr-defined]
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


def consent_revoke(request: HttpRequest, code: str, pk: int, consent_pk: int) -> HttpResponse:
    """GET asks for confirmation; POST revokes from this moment."""
    person, consent = _consent_for_editor(request, pk, consent_pk)
    if request.method == "POST":
        try:
            services.consent_revoke(actor=request.membership, consent=consent)  # type: ignore[attr-defined]
        except ValidationError:
            messages.warning(request, _("This consent was already revoked."))
        else:
            messages.success(request, _("Revoked the consent."))
        return redirect("staff:person_detail", code=code, pk=person.pk)
    today = timezone.localdate()
    consent.status_label = CONSENT_STATUS[consent_status(consent, today)]  # type: ignore[attr-defined]
    return render(request, "people/consent_revoke.html", {"person": person, "consent": consent})


def consent_document(request: HttpRequest, code: str, pk: int, consent_pk: int) -> FileResponse:
    """The scan, as an attachment, to the staff who record consents; every download is logged."""
    member = request.membership  # type: ignore[attr-defined]
    person, consent = _consent_for_editor(request, pk, consent_pk)
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
    basis = person_basis(member, person)
    access_record(
        membership=member,
        action=AccessAction.EXPORT,
        seen=[Seen("person", person.pk, basis), Seen("consent", consent.pk, basis)],
        request=request,
    )
    # An ASCII name made of numbers only: nothing of the uploaded name or the person leaks.
    filename = f"consent-{person.number}-{consent.pk}{suffix}"
    response = FileResponse(
        io.BytesIO(content), as_attachment=True, filename=filename, content_type=content_type
    )
    # A signed form about a person's health and family must not linger in shared caches.
    response["Cache-Control"] = "private, no-store"
    return response
