"""Supporters (サポーター), dispatch requests (派遣申請), dispatches and activity logs."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tsunagu.core.crypto import EncryptedText
from tsunagu.core.models import TenantModel
from tsunagu.people.codes import AgeBand, Gender
from tsunagu.supporters.codes import (
    Accompaniment,
    DispatchStatus,
    RequestStatus,
    SupporterBackground,
    SupporterStatus,
    Weekday,
)


class Supporter(TenantModel):
    """A trained supporter; may be a former client or family member (UFE, linked person)."""

    name = models.CharField(_("name"), max_length=100)
    person = models.ForeignKey(
        "people.Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("person record (former client or family)"),
    )
    membership = models.ForeignKey(
        "tenancy.Membership",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supporter",
        verbose_name=_("log-in"),
    )
    # A supporter's background (a former client, a family member) is 要配慮: encrypted; the
    # statistics group by it after reading.
    background = EncryptedText(_("background"), choices=SupporterBackground.choices, blank=False)
    qualification = models.CharField(_("qualification"), max_length=100, blank=True)
    gender = models.CharField(
        _("gender"), max_length=10, choices=Gender.choices, default=Gender.UNKNOWN
    )
    age_band = models.CharField(_("age"), max_length=10, choices=AgeBand.choices, blank=True)
    peer = models.BooleanField(_("lived experience"), default=False)
    areas = models.JSONField(_("areas they can reach"), default=list)
    skills = models.JSONField(_("interests and skills"), default=list, blank=True)
    activities = models.JSONField(_("what they will do"), default=list, blank=True)
    # Training history: the supporter course they completed here (修了, from programmes), and
    # any course elsewhere recorded by hand (e.g. the prefecture's).
    course = models.ForeignKey(
        "programmes.Enrolment",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("supporter course completed"),
    )
    external_training = models.CharField(_("training elsewhere"), max_length=200, blank=True)
    max_active = models.PositiveSmallIntegerField(_("dispatches at a time"), default=1)
    status = models.CharField(
        _("status"), max_length=10, choices=SupporterStatus.choices, default=SupporterStatus.PAUSED
    )
    pledged_on = models.DateField(_("confidentiality pledge signed on"), null=True, blank=True)
    contact = EncryptedText(_("contact"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("supporter")
        verbose_name_plural = _("supporters")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status=SupporterStatus.ACTIVE) | Q(pledged_on__isnull=False),
                name="supporter_active_needs_pledge",
            ),
            # One supporter record per log-in.
            models.UniqueConstraint(
                fields=["municipality", "membership"], name="supporter_one_per_login"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Availability(TenantModel):
    """A weekly slot in which the supporter can go (weekday 0 = Monday)."""

    supporter = models.ForeignKey(Supporter, on_delete=models.CASCADE, related_name="availability")
    weekday = models.PositiveSmallIntegerField(_("weekday"), choices=Weekday.choices)
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))

    class Meta:
        ordering = ["weekday", "start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=models.F("start")), name="availability_order"
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="availability_weekday"),
        ]


class DispatchRequest(TenantModel):
    """サポーター派遣申請: a case asks for a supporter for a purpose, in an area, at times."""

    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, related_name="dispatch_requests"
    )
    purpose = EncryptedText(_("purpose"))
    area = models.CharField(_("area"), max_length=50)
    when = models.JSONField(_("time slots"), default=list)
    wants = models.JSONField(_("wishes"), default=dict, blank=True)
    refused = models.ManyToManyField(
        Supporter, blank=True, related_name="+", verbose_name=_("supporters the person refused")
    )
    accompaniment = models.CharField(
        _("staff going along"), max_length=20, choices=Accompaniment.choices, blank=True
    )
    status = models.CharField(
        _("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.OPEN
    )
    requested_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"))

    class Meta:
        ordering = ["-requested_at", "-pk"]
        verbose_name = _("dispatch request")
        verbose_name_plural = _("dispatch requests")


class Dispatch(TenantModel):
    """A supporter assigned to a request by the lead; the briefing is what they may read."""

    request = models.ForeignKey(
        DispatchRequest, on_delete=models.CASCADE, related_name="dispatches"
    )
    supporter = models.ForeignKey(Supporter, on_delete=models.PROTECT, related_name="dispatches")
    status = models.CharField(
        _("status"), max_length=10, choices=DispatchStatus.choices, default=DispatchStatus.ACTIVE
    )
    score = models.SmallIntegerField(_("matching score"), null=True, blank=True)
    reasons = models.JSONField(_("why this supporter"), default=list, blank=True)
    proposed_supporter = models.ForeignKey(
        Supporter, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    override_reason = models.CharField(_("reason for overriding"), max_length=300, blank=True)
    briefing = EncryptedText(_("briefing released to the supporter"))
    approved_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="+"
    )
    approved_at = models.DateTimeField(_("approved at"))

    class Meta:
        ordering = ["-approved_at", "-pk"]
        verbose_name = _("dispatch")
        verbose_name_plural = _("dispatches")


class ActivityLog(TenantModel):
    """One visit or contact by a supporter: what happened, and hours and travel for 謝金."""

    dispatch = models.ForeignKey(Dispatch, on_delete=models.CASCADE, related_name="activities")
    date = models.DateField(_("date"))
    start = models.TimeField(_("from"))
    end = models.TimeField(_("until"))
    place = models.CharField(_("place"), max_length=100, blank=True)
    went_with = models.CharField(_("who went"), max_length=100, blank=True)
    what_happened = EncryptedText(_("what happened"))
    response = EncryptedText(_("the person's response"))
    next_step = EncryptedText(_("next step"))
    travel_yen = models.PositiveIntegerField(_("travel costs (yen)"), default=0)
    recorded_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-date", "-start", "-pk"]
        verbose_name = _("activity log")
        verbose_name_plural = _("activity logs")
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=models.F("start")), name="activity_order")
        ]

    @property
    def minutes(self) -> int:
        return (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)


class MeetingAttendance(TenantModel):
    """A supporter present at a session of a supporter meeting or follow-up training (a
    programme of a kind `FOR_SUPPORTERS`)."""

    supporter = models.ForeignKey(Supporter, on_delete=models.CASCADE, related_name="meetings")
    meeting = models.ForeignKey(
        "programmes.ProgrammeSession", on_delete=models.CASCADE, related_name="supporter_attendance"
    )
    recorded_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("supporter attendance")
        verbose_name_plural = _("supporter attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "supporter", "meeting"], name="supporter_attended_once"
            )
        ]
