"""The bell of the navigation bar: the member's unread notices."""

from typing import Any

from django import template

from tsunagu.network.notifications import unread_count
from tsunagu.tenancy.policy import confined

register = template.Library()


@register.inclusion_tag("network/_bell.html", takes_context=True)
def notification_bell(context: template.Context) -> dict[str, Any]:
    member = context.get("membership")
    municipality = context.get("municipality")
    if member is None or municipality is None or member.municipality_id != municipality.pk:
        return {"show": False}
    if confined(member):  # a supporter's screens are their dispatches; no bell to a 404
        return {"show": False}
    return {"show": True, "unread": unread_count(member), "municipality": municipality}
