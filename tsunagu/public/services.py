"""Writes of the public side: the page's texts, a web inquiry, an event sign-up.

A web inquiry goes through the consultations' intake path (`consultation_record`, channel
web, no person yet) in one transaction with its receipt: it is saved before anything else;
only then is the center told (the network's notices: a bell, and e-mail by the worker).
Staff later open a case from it through casework's intake (`case_intake`).
"""

import hashlib
import secrets

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from tsunagu.cases.models import Case
from tsunagu.cases.services import case_intake
from tsunagu.consultations.codes import Channel, MainConcern
from tsunagu.consultations.models import Consultation
from tsunagu.consultations.services import consultation_correct, consultation_record
from tsunagu.network.models import MailServer, MailState, NotificationKind
from tsunagu.network.notifications import notify
from tsunagu.policy import visible
from tsunagu.programmes import services as programme_services
from tsunagu.programmes.codes import EnrolmentStatus
from tsunagu.programmes.models import Enrolment, Programme
from tsunagu.public.codes import CONSULTER_OF_WRITER, REFERRAL_OF_WRITER, ReplyBy, Writer
from tsunagu.public.models import EventSignup, PublicPage, WebInquiry
from tsunagu.tenancy.models import Membership, Municipality
from tsunagu.tenancy.policy import RECORD_CONSULTATIONS, has_permission

# No 0/O, 1/I/L: a number read out on the phone.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PAGE_FIELDS = (
    "center_name",
    "introduction",
    "hours",
    "phone",
    "email",
    "address",
    "map_url",
    "access",
)


def _number(prefix: str) -> str:
    body = "".join(secrets.choice(_ALPHABET) for _ in range(8))
    return f"{prefix}-{body[:4]}-{body[4:]}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def page_save(*, actor: Membership, **fields: str) -> PublicPage:
    """Save the public page's fixed texts (plain text: templates escape them)."""
    unknown = set(fields) - set(PAGE_FIELDS)
    if unknown:
        raise ValueError(f"not a field of the page: {sorted(unknown)}")
    page, _created = PublicPage.objects.get_or_create(municipality_id=actor.municipality_id)
    for name, value in fields.items():
        setattr(page, name, (value or "").strip())
    page.full_clean(exclude=["municipality"])
    page.save()
    return page


def inquiry_submit(
    *,
    municipality: Municipality,
    writer: str,
    about: str,
    reply_by: str,
    reply_to: str,
    text: str,
) -> WebInquiry:
    """Record a web inquiry as an intake consultation (channel web) with a receipt number."""
    if writer not in Writer.values:
        raise ValidationError({"writer": _("Choose who is writing.")})
    if about and about not in MainConcern.values:
        raise ValidationError({"about": _("Choose what it is about from the list.")})
    if reply_by not in ReplyBy.values:
        raise ValidationError({"reply_by": _("Choose how we should reply.")})
    if reply_by != ReplyBy.NONE and not reply_to.strip():
        raise ValidationError({"reply_to": _("Enter where we should reply, or choose no reply.")})
    if not text.strip():
        raise ValidationError({"text": _("Write a few words about your concern.")})
    inquiry = _inquiry_save(
        municipality=municipality,
        writer=writer,
        about=about,
        reply_by=reply_by,
        reply_to=reply_to,
        text=text,
    )
    _tell_center(inquiry)
    return inquiry


def _inquiry_save(
    *,
    municipality: Municipality,
    writer: str,
    about: str,
    reply_by: str,
    reply_to: str,
    text: str,
) -> WebInquiry:
    for _attempt in range(5):
        try:
            with transaction.atomic():
                consultation = consultation_record(
                    actor=None,
                    municipality=municipality,
                    occurred_at=timezone.now(),
                    channel=Channel.WEB,
                    consulter=CONSULTER_OF_WRITER[Writer(writer)],
                    main_concern=about,
                    summary=text.strip(),
                )
                return WebInquiry.objects.create(
                    municipality=municipality,
                    consultation=consultation,
                    receipt=_number("W"),
                    writer=writer,
                    reply_by=reply_by,
                    reply_to=reply_to.strip() if reply_by != ReplyBy.NONE else "",
                )
        except IntegrityError:  # the same receipt drawn twice: draw again
            continue
    raise RuntimeError("no free receipt number")


def _tell_center(inquiry: WebInquiry) -> None:
    """Each member who answers inquiries and sees this one: a notice naming the receipt
    number only, and e-mail through the worker where a mail server is configured."""
    inbox = reverse("staff:web_inquiry_list", kwargs={"code": inquiry.municipality.code})
    link = f"{inbox}#{inquiry.receipt}"
    members = Membership.objects.filter(
        municipality_id=inquiry.municipality_id, is_active=True
    ).select_related("user", "municipality")
    for member in members:
        if (
            has_permission(member, RECORD_CONSULTATIONS)
            and visible(member, Consultation).filter(pk=inquiry.consultation_id).exists()
        ):
            notify(
                recipient=member,
                kind=NotificationKind.WEB_INQUIRY,
                link=link,
                key=f"web_inquiry:{inquiry.pk}",
                reference=inquiry.receipt,
            )


@transaction.atomic
def inquiry_open_case(*, actor: Membership, inquiry: WebInquiry, name: str = "") -> Case:
    """Open a new case for a new person from the inquiry, in one step: casework's intake
    (its rules, unchanged) and the inquiry's consultation linked to that case."""
    case = case_intake(
        actor=actor,
        person=None,
        new_person=True,
        new_person_name=name.strip(),
        referral_source=REFERRAL_OF_WRITER[Writer(inquiry.writer)],
    )
    consultation_correct(
        actor=actor,
        consultation=inquiry.consultation,
        reason=_("Web inquiry %(receipt)s opened as a new case.") % {"receipt": inquiry.receipt},
        person=case.person,
        case=case,
    )
    return case


@transaction.atomic
def inquiry_mark_answered(*, actor: Membership, inquiry: WebInquiry) -> WebInquiry:
    if inquiry.municipality_id != actor.municipality_id:
        raise ValueError("inquiry of another municipality")
    if inquiry.answered_at is None:
        inquiry.answered_at = timezone.now()
        inquiry.answered_by = actor
        inquiry.save(update_fields=["answered_at", "answered_by"])
    return inquiry


def signup_create(
    *, programme: Programme, name: str, contact: str, waiting: bool = False
) -> tuple[EventSignup, str]:
    """Sign a citizen up (name and contact only): their enrolment, a confirmation number and
    the secret of their cancellation link. `programme_services.Full` when no seat is left,
    unless `waiting`: then a place on the waiting list."""
    if not programme.public:
        raise ValueError("not a public programme")
    if not name.strip():
        raise ValidationError({"name": _("Enter your name.")})
    if not contact.strip():
        raise ValidationError({"contact": _("Enter a phone number or e-mail address.")})
    with transaction.atomic():
        enrolment = programme_services.enrolment_create(
            actor=None,
            programme=programme,
            name=name.strip(),
            contact=contact.strip(),
            waiting=waiting,
        )
        token = secrets.token_urlsafe(24)
        for _attempt in range(5):
            try:
                with transaction.atomic():
                    signup = EventSignup.objects.create(
                        municipality_id=programme.municipality_id,
                        enrolment=enrolment,
                        receipt=_number("E"),
                        token_hash=token_hash(token),
                    )
                return signup, token
            except IntegrityError:
                continue
    raise RuntimeError("no free confirmation number")


@transaction.atomic
def signup_cancel(*, signup: EventSignup) -> EventSignup:
    """Cancel through the link: the seat is free again (and goes to the first waiting)."""
    if signup.cancelled_at is None:
        programme_services.enrolment_withdraw(actor=None, enrolment=signup.enrolment)
        signup.cancelled_at = timezone.now()
        signup.save(update_fields=["cancelled_at"])
    return signup


def seats_taken(programme: Programme) -> int:
    return programme.enrolments.filter(status=EnrolmentStatus.ENROLLED).count()


def _is_email(contact: str) -> bool:
    try:
        validate_email(contact)
    except ValidationError:
        return False
    return True


def on_moved_up(sender: object, *, enrolment: Enrolment, **kwargs: object) -> None:
    """Programmes' `moved_up` signal: one who signed up on the web for the waiting list and
    gave an e-mail address is told by the worker (after the commit; retried while the mail
    server is down)."""
    from tsunagu.public.tasks import enqueue_moved_up_mail

    signup = EventSignup.objects.filter(
        municipality_id=enrolment.municipality_id, enrolment=enrolment
    ).first()
    if signup is None or not _is_email(enrolment.contact or ""):
        return
    if not MailServer.objects.filter(municipality_id=enrolment.municipality_id).exists():
        return
    signup.mail_state = MailState.PENDING
    signup.save(update_fields=["mail_state"])
    transaction.on_commit(lambda: enqueue_moved_up_mail(signup.pk))
