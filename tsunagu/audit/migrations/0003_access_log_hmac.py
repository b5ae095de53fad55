"""Re-key existing access-log chains from plain SHA-256 to HMAC-SHA256 under the audit key.

Each chain is first verified under the old scheme; a chain that does not verify stops the
upgrade naming the municipality and entry, so a tampering before the upgrade is not laundered
into a valid HMAC chain. The functions are copied here (not imported) so that later changes of
the application cannot change what this migration did.
"""

import hashlib
import hmac
import json
from datetime import UTC

from django.conf import settings
from django.db import migrations


def _payload(entry):
    fields = {
        "municipality": entry.municipality_id,
        "seq": entry.seq,
        "at": entry.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "user": entry.user_id_at_time,
        "username": entry.username,
        "membership": entry.membership_id_at_time,
        "role": entry.role,
        "action": entry.action,
        "channel": entry.channel,
        "path": entry.path,
        "ip": entry.ip,
        "objects": entry.objects_seen,
    }
    return json.dumps(fields, sort_keys=True, ensure_ascii=False, default=str)


def _plain(prev_hash, entry):
    return hashlib.sha256((prev_hash + _payload(entry)).encode()).hexdigest()


def _keyed(prev_hash, entry):
    key = hmac.new(
        settings.TSUNAGU_AUDIT_KEY.encode(), b"tsunagu-access-log-chain", hashlib.sha256
    ).digest()
    return hmac.new(key, (prev_hash + _payload(entry)).encode(), hashlib.sha256).hexdigest()


def _rechain(apps, old, new):
    Entry = apps.get_model("audit", "AccessLogEntry")
    Head = apps.get_model("audit", "AccessChainHead")
    municipality_ids = Entry._base_manager.values_list("municipality_id", flat=True).distinct()
    for municipality_id in sorted(set(municipality_ids)):
        old_prev, new_prev, expected_seq = "", "", 1
        entries = Entry._base_manager.filter(municipality_id=municipality_id).order_by("seq")
        while True:
            # Pages by seq, each read before it is written, so no cursor spans an update.
            batch = list(entries.filter(seq__gte=expected_seq)[:2000])
            if not batch:
                break
            for entry in batch:
                if (
                    entry.seq != expected_seq
                    or entry.prev_hash != old_prev
                    or entry.hash != old(old_prev, entry)
                ):
                    raise RuntimeError(
                        f"アクセスログ（自治体 id {municipality_id}）の {expected_seq} 件目が改ざん"
                        "または削除されています。調査してから移行してください。"
                        f" / The access log of municipality id {municipality_id} is broken at"
                        f" entry {expected_seq}; investigate (restore from a backup) before"
                        " upgrading."
                    )
                old_prev = entry.hash
                entry.prev_hash, entry.hash = new_prev, new(new_prev, entry)
                new_prev = entry.hash
                expected_seq += 1
            Entry._base_manager.bulk_update(batch, ["prev_hash", "hash"])
        Head._base_manager.filter(municipality_id=municipality_id).update(last_hash=new_prev)


def forwards(apps, schema_editor):
    _rechain(apps, _plain, _keyed)


def backwards(apps, schema_editor):
    _rechain(apps, _keyed, _plain)


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_change_record_unique_per_municipality")]

    operations = [migrations.RunPython(forwards, backwards)]
