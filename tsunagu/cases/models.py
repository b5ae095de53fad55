"""Cases: support for a person and family through the stages, with plan, risks and closure."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tsunagu.cases.codes import ClosureReason, ReferralSource, RiskKind, Stage
from tsunagu.core.crypto import EncryptedText
from tsunagu.core.models import TenantModel


class Case(TenantModel):
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="cases", verbose_name=_("person")
    )
    family_members = models.ManyToManyField(
        "people.FamilyMember", blank=True, related_name="cases", verbose_name=_("family members")
    )
    opened_on = models.DateField(_("opened on"))
    referral_source = models.CharField(
        _("referral source"), max_length=20, choices=ReferralSource.choices
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.ENCOUNTER
    )
    # Counselors see shared cases of their center; a lead may restrict a sensitive one.
    is_shared = models.BooleanField(_("shared with the center's counselors"), default=True)
    goal = EncryptedText(_("goal in the person's or family's own words"))
    note = EncryptedText(_("case notes"))
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    closure_reason = models.CharField(
        _("closure reason"), max_length=20, choices=ClosureReason.choices, blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Optimistic locking of the edit form: a save names the version it started from, and is
    # refused when someone else saved in between (cases.services.case_update).
    version = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["-opened_on", "-pk"]
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        indexes = [
            models.Index(fields=["municipality", "stage"], name="case_stage"),
            # The case list's order: a page of 50 is read from the index, not sorted.
            models.Index(fields=["municipality", "-opened_on", "-id"], name="case_list_order"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(closed_on__isnull=True) | Q(closed_on__gte=F("opened_on")),
                name="case_closed_not_before_opened",
                violation_error_message=_("A case cannot close before the day it was opened."),
            ),
            # Closed means a closing date and a reason; an open case has neither.
            models.CheckConstraint(
                condition=(Q(stage=Stage.CLOSED, closed_on__isnull=False) & ~Q(closure_reason=""))
                | (~Q(stage=Stage.CLOSED) & Q(closed_on__isnull=True, closure_reason="")),
                name="case_closed_has_date_and_reason",
                violation_error_message=_("A closed case needs a closing date and a reason."),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.person}"

    @property
    def is_closed(self) -> bool:
        return self.stage == Stage.CLOSED


class CaseAssignment(TenantModel):
    """Staff assigned to a case; exactly one assignment of an open case is the primary."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="assignments")
    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, related_name="case_assignments"
    )
    is_primary = models.BooleanField(_("primary"), default=False)
    assigned_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("case assignment")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "case", "membership"], name="assignment_unique"
            ),
            models.UniqueConstraint(
                fields=["municipality", "case"],
                condition=Q(is_primary=True),
                name="assignment_one_primary",
                violation_error_message=_("A case has one primary staff member."),
            ),
        ]


class StageTransition(TenantModel):
    """One move of a case between stages: who, when, why. Opening and reopening are moves too."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transitions")
    from_stage = models.CharField(max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(max_length=20, choices=Stage.choices)
    at = models.DateTimeField()
    by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reason = EncryptedText(_("reason"))

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("stage change")
        verbose_name_plural = _("stage changes")


class PlanItem(TenantModel):
    """One item of a support plan: what, who, by when, and when to review it."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="plan_items")
    what = EncryptedText(_("what"))
    who = models.CharField(_("who"), max_length=100, blank=True)
    due_on = models.DateField(_("by when"), null=True, blank=True)
    review_on = models.DateField(_("review on"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["done_on", "review_on", "pk"]
        verbose_name = _("plan item")
        verbose_name_plural = _("plan items")


class PlanReview(TenantModel):
    plan_item = models.ForeignKey(PlanItem, on_delete=models.CASCADE, related_name="reviews")
    reviewed_at = models.DateTimeField()
    by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    note = EncryptedText(_("review note"))
    next_review_on = models.DateField(_("next review on"), null=True, blank=True)

    class Meta:
        ordering = ["-reviewed_at"]
        verbose_name = _("plan review")
        verbose_name_plural = _("plan reviews")


class RiskFlag(TenantModel):
    """A risk that puts the case on every assigned person's home page until cleared."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="risk_flags")
    # Which risk (suicidal ideation, violence...) is itself 要配慮: encrypted like the details;
    # no query filters on it.
    kind = EncryptedText(_("risk"), choices=RiskKind.choices, blank=False)
    detail = EncryptedText(_("details"))
    raised_at = models.DateTimeField()
    raised_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    cleared_at = models.DateTimeField(null=True, blank=True)
    cleared_by = models.ForeignKey(
        "tenancy.Membership", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    clear_note = EncryptedText(_("why it was cleared"))

    class Meta:
        ordering = ["-raised_at"]
        verbose_name = _("risk flag")
        verbose_name_plural = _("risk flags")
        indexes = [models.Index(fields=["municipality", "cleared_at"], name="risk_open")]
        constraints = [
            models.CheckConstraint(
                condition=Q(cleared_at__isnull=True) | Q(cleared_at__gte=F("raised_at")),
                name="risk_cleared_not_before_raised",
                violation_error_message=_("A risk cannot be cleared before it was raised."),
            )
        ]
