"""The staff navigation, rendered once per municipality, role and language in each worker.

Every staff page carries the same two dozen links for a given municipality and role; reversing
them on every request was a tenth of a list page's time. The links depend on nothing else
(the municipality's code, the role's permissions, the language, the URL prefix), so the
rendered menu is kept under exactly those; nothing personal is in it.
"""

import threading
from collections import OrderedDict

from django import template
from django.template.loader import render_to_string
from django.urls import get_script_prefix
from django.utils.safestring import SafeString
from django.utils.translation import get_language

register = template.Library()

KEPT_MENUS = 256

_kept: OrderedDict[tuple[object, ...], SafeString] = OrderedDict()
_lock = threading.Lock()


@register.simple_tag(takes_context=True)
def staff_nav(context: template.Context) -> SafeString:
    """includes/nav.html for the page's municipality and role."""
    municipality = context["municipality"]
    permissions = frozenset(context.get("role_permissions") or ())
    key = (municipality.code, permissions, get_language(), get_script_prefix())
    with _lock:
        html = _kept.get(key)
        if html is not None:
            _kept.move_to_end(key)
            return html
    html = render_to_string(
        "includes/nav.html", {"municipality": municipality, "role_permissions": permissions}
    )
    with _lock:
        _kept[key] = html
        while len(_kept) > KEPT_MENUS:
            _kept.popitem(last=False)
    return html
