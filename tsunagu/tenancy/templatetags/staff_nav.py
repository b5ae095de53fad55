"""The staff navigation, rendered once per municipality, role and language in each worker.

Every staff page carries the same two dozen links for a given municipality and role; reversing
them on every request was a tenth of a list page's time. The links depend on nothing else
(the municipality's code, the role's permissions, the language, the URL prefix), so the
rendered menu is kept under exactly those; nothing personal is in it.
"""

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from tsunagu.core.kept import Kept

register = template.Library()

_menus = Kept(256)


@register.simple_tag(takes_context=True)
def staff_nav(context: template.Context) -> SafeString:
    """includes/nav.html for the page's municipality and role."""
    municipality = context["municipality"]
    permissions = frozenset(context.get("role_permissions") or ())
    key = (municipality.code, permissions, get_language(), get_script_prefix())
    return _menus.get(
        key,
        lambda: render_to_string(
            "includes/nav.html", {"municipality": municipality, "role_permissions": permissions}
        ),
    )
