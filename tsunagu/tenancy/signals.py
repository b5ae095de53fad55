"""What the tenancy announces to the layers above it (tenancy imports none of them)."""

from django.dispatch import Signal

# An admin reset a member's credentials: sent with `actor` and `membership` (both
# Membership) and `what` ("password" or "mfa"); the audit app writes it to the access log.
credentials_reset = Signal()
