"""Municipalities (the tenants), the organizations working for them, and memberships."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import TenantModel
from tsunagu.tenancy.codes import OrganizationKind, Role
from tsunagu.tenancy.validators import validate_municipality_code


class Municipality(models.Model):
    code = models.CharField(
        _("local government code"),
        max_length=6,
        unique=True,
        validators=[validate_municipality_code],
    )
    name = models.CharField(_("name"), max_length=50)
    prefecture = models.CharField(_("prefecture"), max_length=10)
    population = models.PositiveIntegerField(_("population"), null=True, blank=True)
    population_as_of = models.DateField(_("population as of"), null=True, blank=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")

    def __str__(self) -> str:
        return self.name


class Organization(TenantModel):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganizationKind.choices)
    is_contractor = models.BooleanField(
        _("contractor of the city"),
        default=False,
        help_text=_("Operates support on the municipality's behalf under contract (委託)."),
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"], name="organization_unique_name"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Membership(TenantModel):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization,
        on_delete=models.PROTECT,
        related_name="memberships",
        null=True,
        blank=True,
        verbose_name=_("organization"),
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user__username"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality"], name="membership_one_per_municipality"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.municipality_id} ({self.role})"
