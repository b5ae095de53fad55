"""Template helpers for allauth's pages: Bootstrap classes on fields rendered by allauth."""

from django import template
from django.forms import BoundField
from django.utils.safestring import SafeString

register = template.Library()


@register.filter
def with_class(field: BoundField, css: str) -> SafeString:
    attrs = dict(field.field.widget.attrs)
    attrs["class"] = f"{attrs.get('class', '')} {css}".strip()
    if field.errors:
        attrs["class"] += " is-invalid"
    return field.as_widget(attrs=attrs)
