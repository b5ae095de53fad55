"""Change history: which models django-auditlog tracks, how values are masked, whose they are."""

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import post_log
from django.apps import apps
from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.signals import m2m_changed
from django.utils import timezone
from django.utils.encoding import smart_str
from django.utils.functional import Promise
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from tsunagu.core import eras

MASK = "********"

# Every model holding personal data, with the many-to-many fields whose changes matter.
HISTORY_MODELS: dict[str, tuple[str, ...]] = {
    "people.Person": (),
    "people.FamilyMember": (),
    "people.Consent": ("organizations",),
    "cases.Case": ("family_members",),
    "cases.CaseAssignment": (),
    "cases.StageTransition": (),
    "cases.PlanItem": (),
    "cases.PlanReview": (),
    "cases.RiskFlag": (),
    "consultations.Consultation": (),
    "network.Referral": (),
    "places.Reservation": (),
    "places.Attendance": (),
    "places.Booking": (),
    "programmes.Enrolment": (),
}


def mask_value(value: str) -> str:
    """Hide an encrypted field's value completely, emptiness included.

    "Was a risk detail or a deletion reason written, and when was it removed?" is itself
    要配慮 (issue 13, item 8): every masked value, empty or not, is the same mask, so the
    history says only that the field changed, by whom and when.
    """
    return MASK


def masking_recorded(app_label: str, model: str, field: str) -> Callable[[Any, Any], None]:
    """A migration step for a field that becomes encrypted: mask the values the history
    recorded of it in clear before (not undone on reverse: no value is kept to put back)."""

    def mask(apps: Any, schema_editor: Any) -> None:
        content_type = apps.get_model("contenttypes", "ContentType")
        kind = content_type.objects.filter(app_label=app_label, model=model).first()
        if kind is None:
            return
        log_entry = getattr(settings, "AUDITLOG_LOGENTRY_MODEL", "auditlog.LogEntry")
        entries = apps.get_model(log_entry).objects.filter(
            content_type=kind, changes__has_key=field
        )
        for entry in entries.only("pk", "changes"):
            entry.changes[field] = [MASK, MASK]
            entry.save(update_fields=["changes"])

    return mask


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def _untracked(model: type[models.Model]) -> list[str]:
    """Fields whose changes say nothing new.

    Derived columns (search keys, blind indexes, timestamps) repeat other fields, the
    municipality never changes, and reverse relations are the other rows' own history.
    """
    derived = [f.name for f in model._meta.concrete_fields if not f.editable and not f.primary_key]
    reverse = [f.name for f in model._meta.get_fields() if f.auto_created and not f.concrete]
    return [*derived, *reverse, "municipality"]


def history_register() -> None:
    """Register every personal model with auditlog (called once from AuditConfig.ready)."""
    from tsunagu.core.crypto import encrypted_fields

    for label in HISTORY_MODELS:
        model = _model(label)
        if auditlog.contains(model):
            continue
        auditlog.register(
            model,
            mask_fields=[f.name for f in encrypted_fields(model)],
            exclude_fields=_untracked(model),
        )
    post_log.connect(_record_tenant, dispatch_uid="tsunagu_change_record")
    m2m_changed.connect(_log_m2m, dispatch_uid="tsunagu_change_m2m")


def _refs(instance: models.Model) -> tuple[int | None, int | None]:
    """(person id, case id) a changed row belongs to, read from the row itself when possible."""
    from tsunagu.cases.models import Case, PlanItem, PlanReview
    from tsunagu.people.models import Person

    if isinstance(instance, Person):
        return instance.pk, None
    if isinstance(instance, Case):
        return instance.person_id, instance.pk
    case_id = getattr(instance, "case_id", None)
    if isinstance(instance, PlanReview):
        case_id = (
            PlanItem._base_manager.filter(pk=instance.plan_item_id)
            .values_list("case_id", flat=True)
            .first()
        )
    person_id = getattr(instance, "person_id", None)
    if person_id is None and case_id is not None:
        person_id = (
            Case._base_manager.filter(pk=case_id).values_list("person_id", flat=True).first()
        )
    return person_id, case_id


def _record_tenant(
    sender: type[models.Model],
    instance: models.Model,
    log_entry: LogEntry | None = None,
    **kwargs: Any,
) -> None:
    if log_entry is None:
        return
    change_record_create(log_entry=log_entry, instance=instance)


def change_record_create(*, log_entry: LogEntry, instance: models.Model) -> None:
    from tsunagu.audit.models import ChangeRecord

    municipality_id = getattr(instance, "municipality_id", None)
    if municipality_id is None:
        return
    person_id, case_id = _refs(instance)
    ChangeRecord.objects.create(
        municipality_id=municipality_id,
        log_entry=log_entry,
        person_ref=person_id,
        case_ref=case_id,
    )


def _log_m2m(
    sender: type[models.Model],
    instance: models.Model,
    action: str,
    model: type[models.Model],
    pk_set: set[int] | None,
    **kwargs: Any,
) -> None:
    """Log additions to and removals from a tracked many-to-many field.

    auditlog's own m2m logging reads `clear()` across every municipality and sends no
    post_log, so the change would have no tenant; this does the same with both fixed.
    """
    if kwargs.get("reverse") or action not in ("post_add", "post_remove") or not pk_set:
        return
    label = instance._meta.label
    for field_name in HISTORY_MODELS.get(label, ()):
        if getattr(type(instance), field_name).through is not sender:
            continue
        changed = model._base_manager.filter(
            pk__in=pk_set, municipality_id=getattr(instance, "municipality_id", None)
        )
        entry = LogEntry.objects.log_m2m_changes(
            changed, instance, "add" if action == "post_add" else "delete", field_name
        )
        if entry is not None:
            change_record_create(log_entry=entry, instance=instance)


# Names of the tracked fields that were declared without a verbose name (their label would be
# the English field name); keyed by field name, the same label on every model.
FIELD_LABELS: dict[str, Promise] = {
    "merged_into": _("merged into"),
    "person": _("person"),
    "case": _("case"),
    "membership": _("staff member"),
    "recorded_by": _("recorded by"),
    "created_by": _("created by"),
    "deleted_by": _("deleted by"),
    "raised_by": _("raised by"),
    "cleared_by": _("cleared by"),
    "by": _("done by"),
    "at": _("when"),
    "raised_at": _("raised at"),
    "cleared_at": _("cleared at"),
    "reviewed_at": _("reviewed at"),
    "from_stage": _("stage before"),
    "to_stage": _("stage after"),
    "plan_item": _("plan item"),
    "session": _("session"),
    "programme": _("programme"),
    "family_member": _("family member"),
}


def field_label(field: Any, name: str) -> str:
    """The field's Japanese name: its verbose name, or FIELD_LABELS where it has none."""
    verbose = getattr(field, "verbose_name", None)
    if isinstance(verbose, Promise):
        return str(verbose)
    return str(FIELD_LABELS.get(name, name))


def change_values(
    entry: LogEntry, names: dict[str, dict[int, str]] | None = None
) -> list[tuple[str, str, str]]:
    """(field label, before, after) of one entry.

    `names` ({model label: {id: name}}, e.g. "tenancy.Membership" → display names,
    "people.Person" → "No.12") names the rows foreign keys point to; others read "#id".
    """
    model = entry.content_type.model_class()
    changes: dict[str, Any] = entry.changes_dict or {}
    order = {f.name: i for i, f in enumerate(model._meta.get_fields())} if model else {}
    rows = []
    for name, values in sorted(changes.items(), key=lambda kv: order.get(kv[0], len(order))):
        field: Any = None
        if model is not None:
            try:
                field = model._meta.get_field(name)
            except FieldDoesNotExist:  # a field removed since keeps its raw name
                field = None
        if field is not None and (field.primary_key or name == "municipality"):
            continue
        label = field_label(field, name)
        if isinstance(values, dict):  # many-to-many: {"type", "operation", "objects"}
            objects = ", ".join(smart_str(o) for o in values.get("objects", []))
            before, after = (objects, "") if values.get("operation") == "delete" else ("", objects)
        else:
            before, after = (_display(field, smart_str(v), names or {}) for v in values)
        if before != after:
            rows.append((label, before, after))
    return rows


def _moment(value: str) -> str:
    # auditlog keeps datetimes as naive UTC text; staff read Tokyo time, in 和暦.
    moment = timezone.localtime(datetime.fromisoformat(value).replace(tzinfo=UTC))
    return f"{eras.format_wareki(moment.date())} {moment:%H:%M}"


def _display(field: Any, value: str, names: dict[str, dict[int, str]]) -> str:
    if value == "None":
        return ""
    try:
        if isinstance(field, models.DateTimeField):
            return _moment(value)
        if isinstance(field, models.DateField):
            return eras.format_wareki(date.fromisoformat(value))
    except (ValueError, eras.EraDateError):
        return value
    if isinstance(field, models.BooleanField):
        return gettext("Yes") if value == "True" else gettext("No")
    if field is not None and field.many_to_one:
        known = names.get(field.related_model._meta.label, {})
        if value.isascii() and value.isdigit():
            return known.get(int(value), f"#{value}")
        return f"#{value}"
    choices = dict(getattr(field, "choices", None) or [])
    return smart_str(choices.get(value, value))
