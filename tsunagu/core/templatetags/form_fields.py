"""{{ form|form_fields }}: a form's fields as includes/form_fields.html renders them, an empty
form's kept in this worker's memory.

A case page carries five small action forms and one per plan item and open risk, mostly
unopened; through Django's widget templates they cost a third of its rendering. An empty
(unbound) form of a class shows the same for everyone: its HTML depends only on the class,
the prefix, the language and the fields with their initial values, which make the key, so a
change of any of them renders anew. A form with choices read from the database, or sent back
with what was typed and its errors, is always rendered. The HTML is the template's own
(autoescaped); nothing typed by anyone is kept.
"""

from typing import Any

from django import forms, template
from django.template.loader import render_to_string
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from tsunagu.core.kept import Kept

register = template.Library()

TEMPLATE = "includes/form_fields.html"
_empty_forms = Kept(256)


def _shown(value: Any) -> Any:
    """A field's choices, label or attributes as plain values (lazy text in the language)."""
    if isinstance(value, (list, tuple)):
        return tuple(_shown(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((str(k), _shown(v)) for k, v in value.items()))
    return value if isinstance(value, (int, float, bool, type(None))) else str(value)


def empty_form_key(form: forms.BaseForm) -> tuple[Any, ...]:
    """Everything the fields show: a form that sets a field's choices, label or attributes
    for one request (a member list, a date's bounds) gets its own key, never another's HTML."""
    cls = type(form)
    fields = tuple(
        (
            name,
            repr(form[name].initial),
            _shown(getattr(field, "choices", None)),
            _shown(field.label),
            _shown(field.help_text),
            field.required,
            field.disabled,
            _shown(field.widget.attrs),
        )
        for name, field in form.fields.items()
    )
    return (cls.__module__, cls.__qualname__, form.prefix, form.auto_id, get_language(), fields)


def _same_for_everyone(form: forms.BaseForm) -> bool:
    """Not bound to what was sent, and no choices read from the database (which change)."""
    return not form.is_bound and not any(
        isinstance(field, forms.ModelChoiceField) for field in form.fields.values()
    )


@register.filter
def form_fields(form: forms.BaseForm) -> SafeString:
    if not _same_for_everyone(form):
        return render_to_string(TEMPLATE, {"form": form})
    return _empty_forms.get(
        empty_form_key(form), lambda: render_to_string(TEMPLATE, {"form": form})
    )
