"""支援会議: support meetings whose members share listed cases under a legal duty of secrecy."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import TenantModel


class LegalBasis(models.TextChoices):
    SOCIAL_WELFARE_ACT = "swa_106_6", _("Social Welfare Act art. 106-6")
    SELF_RELIANCE_ACT = "ssa_9", _("Act on Self-Reliance Support for the Needy art. 9")


class SupportMeeting(TenantModel):
    """A 支援会議; its acknowledged members see the cases listed for it while it is in force."""

    title = models.CharField(_("title"), max_length=100)
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
