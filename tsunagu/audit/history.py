"""Change history: which models django-auditlog tracks, how values are masked, whose they are."""

from datetime import UTC, datetime
from typing import Any

from auditlog.models import LogEntry
from auditlog.registry import auditlog
from auditlog.signals import post_log
from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models.signals import m2m_changed
from django.utils import timezone
from django.utils.encoding import smart_str

MASK = "********"
# How an empty value reaches the mask callable (auditlog turns values into strings first).
_EMPTY = {"", "None", "{}", "[]", "null"}

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
    "programmes.Enrolment": (),
}


def mask_value(value: str) -> str:
    """Hide an encrypted field's value completely; only whether it was empty stays visible."""
    return "" if value in _EMPTY else MASK


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


def change_values(
    entry: LogEntry, usernames: dict[int, str] | None = None
) -> list[tuple[str, str, str]]:
    """(field label, before, after) of one entry; `usernames` names memberships by id."""
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
        label = str(getattr(field, "verbose_name", name))
        if isinstance(values, dict):  # many-to-many: {"type", "operation", "objects"}
            objects = ", ".join(smart_str(o) for o in values.get("objects", []))
            before, after = (objects, "") if values.get("operation") == "delete" else ("", objects)
        else:
            before, after = (_display(field, smart_str(v), usernames or {}) for v in values)
        if before != after:
            rows.append((label, before, after))
    return rows


def _display(field: Any, value: str, usernames: dict[int, str]) -> str:
    if value == "None":
        return ""
    if isinstance(field, models.DateTimeField):
        # auditlog keeps datetimes as naive UTC text; staff read Tokyo time.
        try:
            moment = datetime.fromisoformat(value).replace(tzinfo=UTC)
        except ValueError:
            return value
        return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")
    if field is not None and field.many_to_one:
        if field.related_model._meta.label == "tenancy.Membership" and value.isdigit():
            return usernames.get(int(value), f"#{value}")
        return f"#{value}"
    choices = dict(getattr(field, "choices", None) or [])
    return smart_str(choices.get(value, value))
