"""Writes of statistics: each municipality's reporting groups (its own named rows)."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tsunagu.consultations.codes import Channel
from tsunagu.reports.models import ReportingGroup
from tsunagu.tenancy.models import Municipality


@transaction.atomic
def reporting_group_save(
    *,
    municipality: Municipality,
    name: str,
    channels: list[str],
    position: int = 0,
    group: ReportingGroup | None = None,
) -> ReportingGroup:
    """Add a group, or change ``group``; e.g. 「その他（メール・手紙）」 = email + letter."""
    if group is None:
        group = ReportingGroup(municipality=municipality)
    elif group.municipality_id != municipality.pk:
        raise ValueError("reporting group of another municipality")
    known = {code for code, _label in Channel.choices}
    unknown = [code for code in channels if code not in known]
    if unknown:
        raise ValidationError(
            {"channels": _("Unknown channel: %(codes)s") % {"codes": ", ".join(unknown)}}
        )
    if not channels:
        raise ValidationError({"channels": _("Choose at least one channel.")})
    name = name.strip()
    duplicate = ReportingGroup.objects.filter(municipality=municipality, name=name)
    if group.pk is not None:
        duplicate = duplicate.exclude(pk=group.pk)
    if duplicate.exists():
        raise ValidationError({"name": _("A group with this name already exists.")})
    group.name = name
    # Stored in the order of the code list, so the same choice always reads the same.
    group.channels = [code for code, _label in Channel.choices if code in set(channels)]
    group.position = position
    group.full_clean()
    group.save()
    return group


@transaction.atomic
def reporting_group_delete(*, group: ReportingGroup) -> None:
    group.delete()
