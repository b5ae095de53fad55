"""The objects an access-log entry saw are stored once, as its rows; the JSON copy goes.

The hash of each entry covered the JSON list; the rows hold the same list in the same order,
so every link stays valid. Before the copy is dropped, each entry's rows are compared with it:
a difference means one of the two was altered, and the upgrade stops naming the entry (the
same refusal as 0003's), so nothing is laundered by losing the other copy.
"""

from django.db import migrations, models


def _check_rows_match(apps, schema_editor):
    Entry = apps.get_model("audit", "AccessLogEntry")
    Object = apps.get_model("audit", "AccessLogObject")
    after = 0
    while True:
        chunk = list(
            Entry._base_manager.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", "municipality_id", "seq", "objects_seen")[:2000]
        )
        if not chunk:
            return
        rows = {}
        for entry_id, kind, object_id, basis in (
            Object._base_manager.filter(entry_id__in=[c[0] for c in chunk])
            .order_by("entry_id", "pk")
            .values_list("entry_id", "type", "object_id", "basis")
        ):
            rows.setdefault(entry_id, []).append((kind, object_id, basis))
        for pk, municipality_id, seq, listed in chunk:
            try:
                expected = [(o["type"], int(o["id"]), o["basis"]) for o in listed or []]
            except (TypeError, KeyError, ValueError):
                expected = None
            if expected != rows.get(pk, []):
                raise RuntimeError(
                    f"アクセスログ（自治体 id {municipality_id}）の {seq} 件目の対象が一致しません。"
                    "調査してから移行してください。"
                    f" / Entry {seq} of the access log of municipality id {municipality_id}"
                    " lists other objects than its rows; investigate (restore from a backup)"
                    " before upgrading."
                )
        after = chunk[-1][0]


def _copy_rows_back(apps, schema_editor):
    """Going back: the JSON copy is written again from the rows, so the links still hold."""
    Entry = apps.get_model("audit", "AccessLogEntry")
    Object = apps.get_model("audit", "AccessLogObject")
    after = 0
    while True:
        chunk = list(Entry._base_manager.filter(pk__gt=after).order_by("pk")[:2000])
        if not chunk:
            return
        rows = {}
        for entry_id, kind, object_id, basis in (
            Object._base_manager.filter(entry_id__in=[e.pk for e in chunk])
            .order_by("entry_id", "pk")
            .values_list("entry_id", "type", "object_id", "basis")
        ):
            rows.setdefault(entry_id, []).append({"type": kind, "id": object_id, "basis": basis})
        for entry in chunk:
            entry.objects_seen = rows.get(entry.pk, [])
        Entry._base_manager.bulk_update(chunk, ["objects_seen"])
        after = chunk[-1].pk


class Migration(migrations.Migration):
    dependencies = [("audit", "0004_access_action_resets")]

    operations = [
        migrations.RunPython(_check_rows_match, _copy_rows_back),
        migrations.RemoveField(model_name="accesslogentry", name="objects_seen"),
        migrations.AlterField(
            model_name="accesslogentry",
            name="seq",
            field=models.PositiveBigIntegerField(null=True),
        ),
    ]
