"""What the audit log records of other apps' announcements."""

from typing import Any

from tsunagu.audit.models import AccessAction
from tsunagu.audit.services import Seen
from tsunagu.tenancy.models import Membership

RESETS = {"password": AccessAction.PASSWORD_RESET, "mfa": AccessAction.MFA_RESET}


def credentials_reset_record(
    sender: type[Membership], *, actor: Membership, membership: Membership, what: str, **kwargs: Any
) -> None:
    """An admin reset a member's password or second factor: an entry naming the member."""
    from tsunagu.policy import record_seen

    record_seen(actor, [Seen("membership", membership.pk, "role")], action=RESETS[what])
