"""What casework announces to the apps above it (they listen; casework imports none of them)."""

from django.dispatch import Signal

# Sent after a risk flag is saved: case, flag, actor (the membership that raised it, or None).
risk_raised = Signal()

# Sent when a case's timeline is read: viewer, case, kinds (the kinds asked for). A receiver
# returns the `selectors.TimelineEntry` rows it adds (of a kind in `TIMELINE_KINDS`), read
# through the policy layer and recorded in the access log.
timeline_read = Signal()
