"""Places (居場所, 相談日), their calendar rules, sessions, reservations and attendance."""

from datetime import date

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core import schedules
from tsunagu.core.models import TenantModel
from tsunagu.places.codes import Access, PlaceKind, ReservationStatus, SessionStatus


class Place(TenantModel):
    name = models.CharField(_("name"), max_length=100)
    organization = models.CharField(_("operated by"), max_length=100, blank=True)
    address = models.CharField(_("address or room"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=PlaceKind.choices)
    access = models.CharField(
        _("access"), max_length=20, choices=Access.choices, default=Access.FREE
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    # A consultation day (相談日) is booked in slots of this length from each session's start.
    slot_minutes = models.PositiveSmallIntegerField(_("minutes per consultation slot"), default=60)
    activities = models.TextField(_("activities offered"), blank=True)
    public = models.BooleanField(
        _("public"), default=False, help_text=_("Its calendar is published without login.")
    )
    # ISO dates; a short list per place, read whole with the place.
    closed_dates = models.JSONField(_("closed dates"), default=list, blank=True)
    staff = models.ManyToManyField(
        "tenancy.Membership", blank=True, related_name="places_run", verbose_name=_("staff")
    )
    # Sessions exist as rows up to this day; later ones are made when first asked for.
    sessions_until = models.DateField(null=True, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("place")
        verbose_name_plural = _("places")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gt=0),
                name="place_capacity_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(slot_minutes__gte=10), name="place_slot_minutes_at_least_10"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def closed(self) -> list[date]:
        return [date.fromisoformat(d) for d in self.closed_dates]


class ScheduleRule(TenantModel):
    """One calendar rule of a place, in force from `starts_on` to `ends_on` (inclusive).

    Editing a rule ends it yesterday and starts a new one today, so past sessions keep the
    rule they were held under.
    """

    place = models.ForeignKey(Place, on_delete=models.CASCADE, related_name="rules")
    rrule = models.CharField(_("rule (RRULE)"), max_length=300)
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    holidays = models.CharField(
        _("holidays"), max_length=10, choices=schedules.Holidays.choices, default=schedules.SKIP
    )
    starts_on = models.DateField(_("in force from"))
    ends_on = models.DateField(_("in force until"), null=True, blank=True)

    class Meta:
        ordering = ["starts_on", "start", "pk"]
        verbose_name = _("schedule")
        verbose_name_plural = _("schedules")

    def __str__(self) -> str:
        return schedules.describe(self.as_schedule())

    def as_schedule(self) -> schedules.Schedule:
        return schedules.Schedule(
            rrule=self.rrule,
            start=self.start,
            end=self.end,
            holidays=self.holidays,
            starts_on=self.starts_on,
            ends_on=self.ends_on,
        )


class Session(TenantModel):
    """One day a place is open (or a programme meets): materialized from a rule or added."""

    place = models.ForeignKey(
        Place, on_delete=models.CASCADE, null=True, blank=True, related_name="sessions"
    )
    rule = models.ForeignKey(
        ScheduleRule, on_delete=models.SET_NULL, null=True, blank=True, related_name="sessions"
    )
    # The day the rule gave; `date` differs when the session was moved.
    origin_date = models.DateField(null=True, blank=True)
    date = models.DateField(_("date"))
    start = models.TimeField(_("start"))
    end = models.TimeField(_("end"))
    status = models.CharField(
        _("status"), max_length=20, choices=SessionStatus.choices, default=SessionStatus.SCHEDULED
    )
    reason = models.CharField(_("reason for the change"), max_length=200, blank=True)
    staff_present = models.ManyToManyField(
        "tenancy.Membership", blank=True, related_name="+", verbose_name=_("staff present")
    )
    supporters_present = models.PositiveIntegerField(_("supporters present"), default=0)

    class Meta:
        ordering = ["date", "start", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "rule", "origin_date"], name="session_once_per_rule"
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="session_end_after_start"
            ),
        ]
        indexes = [models.Index(fields=["municipality", "place", "date"], name="session_calendar")]

    def __str__(self) -> str:
        return f"{self.place} {self.date} {self.start:%H:%M}"

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED


class Reservation(TenantModel):
    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="reservations")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ReservationStatus.choices,
        default=ReservationStatus.RESERVED,
    )
    created_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at", "pk"]
        verbose_name = _("reservation")
        verbose_name_plural = _("reservations")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "session", "person"],
                condition=~models.Q(status=ReservationStatus.CANCELLED),
                name="reservation_once_per_session",
            )
        ]


class Attendance(TenantModel):
    """A named person present at a session, or an anonymous head count (person empty)."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    count = models.PositiveIntegerField(_("people"), default=1)
    first_visit = models.BooleanField(_("first visit"), default=False)
    recorded_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["recorded_at", "pk"]
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "session", "person"],
                condition=models.Q(person__isnull=False),
                name="attendance_once_per_session",
            ),
            models.CheckConstraint(
                condition=models.Q(count__gt=0), name="attendance_count_positive"
            ),
        ]


class CalendarFeed(TenantModel):
    """A member's own iCalendar feed behind a secret URL; only a digest of the secret is kept,
    so the URL is shown once; revoking deletes the row and the URL answers 404."""

    # One feed per member; unique with the municipality (the distribution column).
    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="calendar_feeds"
    )
    token_digest = models.CharField(max_length=64, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "membership"], name="calendar_feed_one_per_member"
            ),
            models.UniqueConstraint(
                fields=["municipality", "token_digest"], name="calendar_feed_digest"
            ),
        ]


class Booking(TenantModel):
    """A time slot of a consultation day (相談日) booked for a case with a visiting professional.

    A slot is `slot_minutes` of the place from the session's start; the database keeps one
    booking per slot that is not cancelled, so of two requests for a slot exactly one wins.
    """

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="bookings")
    start = models.TimeField(_("slot"))
    end = models.TimeField(_("until"))
    # Deleted with its case (retention deletes casework whole).
    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    professional = models.ForeignKey(
        "tenancy.Membership",
        on_delete=models.PROTECT,
        related_name="consultation_bookings",
        verbose_name=_("visiting professional"),
    )
    created_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["start", "pk"]
        verbose_name = _("consultation booking")
        verbose_name_plural = _("consultation bookings")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "session", "start"],
                condition=models.Q(cancelled_at__isnull=True),
                name="booking_once_per_slot",
            ),
            models.CheckConstraint(
                condition=models.Q(end__gt=models.F("start")), name="booking_end_after_start"
            ),
        ]

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None
