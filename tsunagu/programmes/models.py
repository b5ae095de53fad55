"""Programmes: courses, groups, lectures and trainings with sessions, enrolment, completion."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core.crypto import EncryptedText
from tsunagu.core.models import TenantModel
from tsunagu.programmes.codes import EnrolmentStatus, ProgrammeKind


class Programme(TenantModel):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=ProgrammeKind.choices)
    place = models.ForeignKey(
        "places.Place",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="programmes",
        verbose_name=_("held at"),
    )
    capacity = models.PositiveIntegerField(_("capacity"), null=True, blank=True)
    # Completion (修了) needs this many sessions attended; empty: the programme has none.
    min_sessions_to_complete = models.PositiveIntegerField(
        _("sessions needed to complete"), null=True, blank=True
    )
    public = models.BooleanField(_("public"), default=False)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(capacity__isnull=True) | models.Q(capacity__gt=0),
                name="programme_capacity_positive",
            ),
            models.CheckConstraint(
                condition=models.Q(min_sessions_to_complete__isnull=True)
                | models.Q(min_sessions_to_complete__gt=0),
                name="programme_min_sessions_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProgrammeSession(TenantModel):
    """A meeting of a programme (第n回); date, times and status live on its places.Session."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="meetings")
    session = models.ForeignKey(
        "places.Session", on_delete=models.CASCADE, related_name="programme_meeting"
    )
    number = models.PositiveIntegerField(_("number"))
    title = models.CharField(_("title"), max_length=100, blank=True)

    class Meta:
        ordering = ["number", "pk"]
        verbose_name = _("programme session")
        verbose_name_plural = _("programme sessions")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "programme", "number"], name="programme_session_number"
            ),
            models.UniqueConstraint(
                fields=["municipality", "session"], name="programme_session_one_meeting"
            ),
        ]


class Enrolment(TenantModel):
    """A participant: a person, a family member, or a citizen (name and contact only)."""

    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="enrolments")
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    family_member = models.ForeignKey(
        "people.FamilyMember", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    contact = EncryptedText(_("contact"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=EnrolmentStatus.choices,
        default=EnrolmentStatus.ENROLLED,
    )
    enrolled_on = models.DateField(_("enrolled on"))
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    created_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        ordering = ["enrolled_on", "pk"]
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "programme", "person"],
                condition=models.Q(person__isnull=False),
                name="enrolment_once_per_person",
            ),
            models.UniqueConstraint(
                fields=["municipality", "programme", "family_member"],
                condition=models.Q(family_member__isnull=False),
                name="enrolment_once_per_family_member",
            ),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        if self.person_id:
            return self.person.display_name  # type: ignore[union-attr]
        if self.family_member_id:
            return self.family_member.name  # type: ignore[union-attr]
        return self.name


class ProgrammeAttendance(TenantModel):
    enrolment = models.ForeignKey(Enrolment, on_delete=models.CASCADE, related_name="attended")
    meeting = models.ForeignKey(
        ProgrammeSession, on_delete=models.CASCADE, related_name="attendance"
    )
    recorded_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("programme attendance")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "enrolment", "meeting"], name="programme_attended_once"
            )
        ]
