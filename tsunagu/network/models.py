"""The partner network: 支援会議, the partner directory and referrals (つなぎ)."""

from django.core.validators import MaxLengthValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tsunagu.core import schedules
from tsunagu.core.crypto import EncryptedText
from tsunagu.core.models import TenantModel
from tsunagu.network.codes import Destination, MeetingKind, ReferralStatus


class LegalBasis(models.TextChoices):
    SOCIAL_WELFARE_ACT = "swa_106_6", _("Social Welfare Act art. 106-6")
    SELF_RELIANCE_ACT = "ssa_9", _("Act on Self-Reliance Support for the Needy art. 9")


class SupportMeeting(TenantModel):
    """A 支援会議; its acknowledged members see the cases listed for it while it is in force."""

    # Free text that often names a person or their situation: encrypted.
    title = EncryptedText(
        _("title"), max_length=100, blank=False, validators=[MaxLengthValidator(100)]
    )
    legal_basis = models.CharField(_("legal basis"), max_length=20, choices=LegalBasis.choices)
    held_on = models.DateField(_("held on"))
    ends_on = models.DateField(
        _("sharing ends on"),
        null=True,
        blank=True,
        help_text=_("After this day members no longer see the listed cases."),
    )
    cases = models.ManyToManyField("cases.Case", blank=True, related_name="support_meetings")
    created_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("support meeting")
        verbose_name_plural = _("support meetings")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("held_on")),
                name="meeting_ends_not_before_held",
                violation_error_message=_("Sharing cannot end before the meeting is held."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on})"


class SupportMeetingMember(TenantModel):
    meeting = models.ForeignKey(SupportMeeting, on_delete=models.CASCADE, related_name="members")
    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="support_meetings"
    )
    # Sharing starts only once the member acknowledged the statutory duty of secrecy.
    acknowledged_at = models.DateTimeField(_("acknowledged the duty of secrecy"), null=True)

    class Meta:
        verbose_name = _("support meeting member")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "meeting", "membership"], name="meeting_member_unique"
            )
        ]


class PartnerProfile(TenantModel):
    """A partner organization's entry in the municipality's directory (つなぎ先一覧)."""

    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.CASCADE,
        related_name="partner_profile",
        verbose_name=_("organization"),
    )
    destination = models.CharField(
        _("kind of destination"), max_length=30, choices=Destination.choices
    )
    contact = models.CharField(_("contact"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    offers = models.TextField(_("what they offer"), blank=True)
    opening_hours = models.CharField(_("opening hours"), max_length=200, blank=True)

    class Meta:
        ordering = ["destination", "organization__name"]
        verbose_name = _("partner")
        verbose_name_plural = _("partners")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "organization"], name="partner_profile_one_per_org"
            )
        ]

    def __str__(self) -> str:
        return str(self.organization)


class Referral(TenantModel):
    """つなぎ: a case handed to a destination, with what may be shared and on which basis.

    The basis is a consent in force naming the receiving organization, or a 支援会議 in force
    that lists the case; without either the receiver learns only that a referral was made.
    """

    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="referrals")
    destination = models.CharField(_("destination"), max_length=30, choices=Destination.choices)
    organization = models.ForeignKey(
        "tenancy.Organization",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals_received",
        verbose_name=_("receiving organization"),
    )
    purpose = EncryptedText(_("purpose"))
    shared = EncryptedText(
        _("what is shared"), help_text=_("What the receiving organization may read.")
    )
    consent = models.ForeignKey(
        "people.Consent",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("consent"),
    )
    meeting = models.ForeignKey(
        SupportMeeting,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="referrals",
        verbose_name=_("support meeting"),
    )
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReferralStatus.choices,
        default=ReferralStatus.REQUESTED,
    )
    requested_on = models.DateField(_("requested on"))
    status_changed_at = models.DateTimeField(_("status changed at"))
    answered_at = models.DateTimeField(_("answered at"), null=True, blank=True)
    created_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-requested_on", "-pk"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [models.Index(fields=["municipality", "requested_on"])]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_destination_display()}"


class ReferralEvent(TenantModel):
    """One step of a referral: a status move, feedback from the receiver, or both."""

    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status = models.CharField(max_length=20, choices=ReferralStatus.choices, blank=True)
    to_status = models.CharField(max_length=20, choices=ReferralStatus.choices, blank=True)
    note = EncryptedText(_("feedback"))
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    # Staff wrote down what the receiving organization answered (by phone, on paper).
    on_behalf = models.BooleanField(_("recorded for the receiver"), default=False)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("referral event")


class MeetingBody(TenantModel):
    """A standing body that meets: the review committee with its member bodies, a working
    group under it, the monthly meeting of all agencies."""

    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    parent = models.ForeignKey(
        "self",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="working_groups",
        verbose_name=_("part of"),
    )
    organizations = models.ManyToManyField(
        "tenancy.Organization",
        blank=True,
        related_name="meeting_bodies",
        verbose_name=_("member bodies"),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("meeting body")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="meeting_body_unique")
        ]

    def __str__(self) -> str:
        return self.name


class MeetingSeries(TenantModel):
    """Meetings held by a calendar rule (tsunagu.core.schedules): 毎週木曜, 隔月第3水曜.

    Its meetings are rows made for a rolling window (`meetings_until`); `starts_on` anchors
    the rule (every two months counts from it). A change of the rule applies from the day it
    is made: meetings already held never change.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    body = models.ForeignKey(
        MeetingBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="series",
        verbose_name=_("body"),
    )
    # Free text that may name a person, like a meeting's title: encrypted.
    title = EncryptedText(
        _("title"), max_length=100, blank=False, validators=[MaxLengthValidator(100)]
    )
    place = models.CharField(_("place"), max_length=100, blank=True)
    rrule = models.CharField(_("rule (RRULE)"), max_length=300)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    holidays = models.CharField(
        _("holidays"), max_length=10, choices=schedules.Holidays.choices, default=schedules.SKIP
    )
    starts_on = models.DateField(_("in force from"))
    ends_on = models.DateField(_("in force until"), null=True, blank=True)
    meetings_until = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["starts_on", "pk"]
        verbose_name = _("meeting series")
        verbose_name_plural = _("meeting series")
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="meeting_series_end_after_start"
            ),
        ]

    def __str__(self) -> str:
        return str(self.title)

    def as_schedule(self) -> schedules.Schedule:
        return schedules.Schedule(
            rrule=self.rrule,
            start=self.start,
            end=self.end,
            holidays=self.holidays,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
        )

    def describe(self) -> str:
        """The rule in words: 隔月第3水曜 14:00〜16:00、祝日は休み."""
        return schedules.describe(self.as_schedule())


class Meeting(TenantModel):
    """One meeting, from a weekly huddle to the review committee; minutes are encrypted.

    The 支援会議 (SupportMeeting) stays separate: it is the legal basis for sharing cases
    without consent, which no other meeting is.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=MeetingKind.choices)
    body = models.ForeignKey(
        MeetingBody,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("body"),
    )
    # Free text that often names a person or their situation: encrypted.
    title = EncryptedText(
        _("title"), max_length=100, blank=False, validators=[MaxLengthValidator(100)]
    )
    held_on = models.DateField(_("held on"))
    start = models.TimeField(_("start"), null=True, blank=True)
    end = models.TimeField(_("end"), null=True, blank=True)
    series = models.ForeignKey(
        MeetingSeries,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meetings",
        verbose_name=_("series"),
    )
    # The day the series' rule gave; `held_on` differs when the meeting was moved.
    origin_date = models.DateField(null=True, blank=True, editable=False)
    cancelled = models.BooleanField(_("cancelled"), default=False)
    change_reason = models.CharField(_("reason for the change"), max_length=200, blank=True)
    place = models.CharField(_("place"), max_length=100, blank=True)
    agenda = EncryptedText(_("agenda"))
    minutes = EncryptedText(_("minutes of the meeting"))
    decisions = EncryptedText(_("decisions"))
    created_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-held_on", "-pk"]
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        indexes = [models.Index(fields=["municipality", "held_on"])]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "series", "origin_date"], name="meeting_once_per_series"
            )
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.held_on})"


class MeetingAttendance(TenantModel):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="attendance")
    organization = models.ForeignKey(
        "tenancy.Organization", on_delete=models.PROTECT, related_name="+"
    )
    present = models.BooleanField(_("present"), default=True)

    class Meta:
        verbose_name = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "meeting", "organization"],
                name="meeting_attendance_unique",
            )
        ]


class ActionItem(TenantModel):
    """Something a meeting decided someone does by a date; it comes back until done."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="action_items")
    what = EncryptedText(_("what"))
    owner = models.ForeignKey(
        "tenancy.Membership",
        on_delete=models.PROTECT,
        related_name="action_items",
        verbose_name=_("owner"),
    )
    due_on = models.DateField(_("due on"))
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["due_on", "pk"]
        verbose_name = _("action item")


class NotificationKind(models.TextChoices):
    REFERRAL_RECEIVED = "referral_received", _("A referral was received")
    REFERRAL_ANSWERED = "referral_answered", _("A referral was answered")
    ACTION_DUE = "action_due", _("An action item is due")
    MEETING_TOMORROW = "meeting_tomorrow", _("A meeting is tomorrow")
    RISK_FLAG = "risk_flag", _("A risk was flagged on your case")
    WEB_INQUIRY = "web_inquiry", _("A web inquiry was received")


class MailState(models.TextChoices):
    NONE = "", _("No e-mail")
    PENDING = "pending", _("E-mail pending")
    SENT = "sent", _("E-mail sent")


class Notification(TenantModel):
    """One notice for one member: what happened (a kind, never personal data) and a link."""

    recipient = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(_("kind"), max_length=30, choices=NotificationKind.choices)
    link = models.CharField(_("link"), max_length=200)
    # Sent once per (recipient, kind, key): a daily sweep never repeats a notice.
    key = models.CharField(max_length=100)
    # A number that names the matter to staff (a receipt number), never personal data.
    reference = models.CharField(_("reference"), max_length=30, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    mail_state = models.CharField(
        _("e-mail"), max_length=10, choices=MailState.choices, blank=True, default=""
    )
    mail_attempts = models.PositiveSmallIntegerField(default=0)
    mail_error = models.CharField(max_length=100, blank=True)  # an exception class, no data

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "recipient", "kind", "key"],
                name="notification_once_per_key",
            )
        ]
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread")]


class MailServer(TenantModel):
    """The municipality's own mail server; without one, notices stay in the app."""

    host = models.CharField(_("host"), max_length=200)
    port = models.PositiveIntegerField(_("port"), default=587)
    username = models.CharField(_("user name"), max_length=200, blank=True)
    password = EncryptedText(_("password"), blank=True)
    use_tls = models.BooleanField(_("use STARTTLS"), default=True)
    from_address = models.EmailField(_("from address"))
    # The last test mail: pending or sent, when the worker tried, the exception class if it
    # failed.
    test_state = models.CharField(
        _("test mail"), max_length=10, choices=MailState.choices, blank=True, default=""
    )
    tested_at = models.DateTimeField(_("tested at"), null=True, blank=True)
    test_error = models.CharField(_("test result"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("mail server")
        verbose_name_plural = _("mail servers")
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="mail_server_one_per_city")
        ]
