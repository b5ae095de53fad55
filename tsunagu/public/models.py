"""The public side: the page's fixed texts, web inquiries and citizens' event sign-ups."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core.crypto import EncryptedText
from tsunagu.core.models import TenantModel
from tsunagu.network.models import MailState
from tsunagu.public.codes import ReplyBy, Writer


class PublicPage(TenantModel):
    """What the center is and how to reach it: plain text staff edit, shown escaped."""

    center_name = models.CharField(_("name of the center"), max_length=100, blank=True)
    introduction = models.TextField(_("introduction"), max_length=2000, blank=True)
    hours = models.CharField(_("opening hours"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    email = models.EmailField(_("e-mail"), blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    map_url = models.URLField(_("map link"), blank=True)
    access = models.TextField(_("access"), max_length=1000, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("public page")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality"], name="public_page_one_per_municipality"
            )
        ]

    def __str__(self) -> str:
        return self.center_name or str(self.municipality_id)


class WebInquiry(TenantModel):
    """A web inquiry: its consultation (channel web) holds what was written."""

    # One inquiry per consultation; unique with the municipality (the distribution column).
    consultation = models.ForeignKey(
        "consultations.Consultation", on_delete=models.PROTECT, related_name="web_inquiries"
    )
    receipt = models.CharField(_("receipt number"), max_length=20)
    writer = models.CharField(_("who is writing"), max_length=10, choices=Writer.choices)
    reply_by = models.CharField(_("how to reply"), max_length=10, choices=ReplyBy.choices)
    reply_to = EncryptedText(_("reply to"))
    received_at = models.DateTimeField(_("received at"), auto_now_add=True)
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    answered_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-received_at", "-pk"]
        verbose_name = _("web inquiry")
        verbose_name_plural = _("web inquiries")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "receipt"], name="web_inquiry_receipt_unique"
            ),
            models.UniqueConstraint(
                fields=["municipality", "consultation"], name="web_inquiry_consultation_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.receipt


class EventSignup(TenantModel):
    """A citizen's sign-up for a public programme: its enrolment, a number and a cancel key."""

    # One sign-up per enrolment; unique with the municipality (the distribution column).
    enrolment = models.ForeignKey(
        "programmes.Enrolment", on_delete=models.CASCADE, related_name="public_signups"
    )
    receipt = models.CharField(_("confirmation number"), max_length=20)
    # SHA-256 of the secret in the cancellation link; the secret itself is never stored.
    token_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    # The mail that tells one on the waiting list they moved up (sent by the worker).
    mail_state = models.CharField(
        _("e-mail"), max_length=10, choices=MailState.choices, blank=True, default=""
    )
    mail_attempts = models.PositiveSmallIntegerField(default=0)
    mail_error = models.CharField(max_length=100, blank=True)  # an exception class, no data

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("event sign-up")
        verbose_name_plural = _("event sign-ups")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "receipt"], name="event_signup_receipt_unique"
            ),
            models.UniqueConstraint(
                fields=["municipality", "enrolment"], name="event_signup_enrolment_unique"
            ),
            models.UniqueConstraint(
                fields=["municipality", "token_hash"], name="event_signup_token_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.receipt
