"""Staff accounts and the API tokens bound to one of their memberships."""

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from tsunagu.core.models import TenantModel


class User(AbstractUser):
    display_name = models.CharField(_("display name"), max_length=100, blank=True)
    # Set by the demo loader (tsunagu demo) on the accounts it creates, and by nothing else:
    # in demo mode, and only there, such an account needs no second factor.
    is_demo = models.BooleanField(_("demo account"), default=False)

    def __str__(self) -> str:
        return self.display_name or self.username


class ApiToken(TenantModel):
    """A bearer token for one membership. Only its SHA-256 is stored; the token is shown once."""

    membership = models.ForeignKey(
        "tenancy.Membership", on_delete=models.CASCADE, related_name="api_tokens"
    )
    prefix = models.CharField(max_length=12, help_text=_("First characters, to tell tokens apart"))
    # Found by digest alone (the token names no municipality); unique within the municipality,
    # which a random 256-bit token is anyway, so the constraint can carry the tenant column.
    digest = models.CharField(max_length=64, db_index=True)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        constraints = [
            models.UniqueConstraint(fields=["municipality", "digest"], name="api_token_digest")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}…"

    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
