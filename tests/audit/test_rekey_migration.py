"""Upgrading re-keys a plain SHA-256 chain after verifying it, and refuses a broken one."""

import hashlib
import importlib
import json

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection
from django_scopes import scopes_disabled

from tests.conftest import Personas
from tsunagu.audit.models import AccessAction, AccessChainHead, AccessLogEntry
from tsunagu.audit.services import Seen, access_record, hashed_fields

migration = importlib.import_module("tsunagu.audit.migrations.0003_access_log_hmac")


def plain_chain(municipality_id: int) -> None:
    """Turn the municipality's chain into what the version before the audit key wrote."""
    with scopes_disabled():
        prev = ""
        for entry in AccessLogEntry.objects.filter(municipality_id=municipality_id):
            payload = json.dumps(hashed_fields(entry), sort_keys=True, ensure_ascii=False)
            entry.prev_hash = prev
            entry.hash = prev = hashlib.sha256((prev + payload).encode()).hexdigest()
            entry.save()
        AccessChainHead.objects.filter(municipality_id=municipality_id).update(last_hash=prev)


@pytest.fixture
def old_chain(personas: Personas) -> None:
    for n in range(1, 4):
        access_record(
            membership=personas.members["counselor"],
            action=AccessAction.VIEW,
            seen=[Seen("person", n, "assignment")],
        )
    plain_chain(personas.municipality.pk)


def verify_code() -> int | str | None:
    try:
        call_command("audit", "verify")
    except SystemExit as exc:
        return exc.code
    return 0


def test_an_intact_old_chain_is_re_keyed_and_then_verifies(
    personas: Personas, old_chain: None
) -> None:
    assert verify_code() == 1  # the old scheme is no longer accepted as it is
    migration.forwards(apps, None)
    assert verify_code() == 0


def test_a_broken_old_chain_stops_the_upgrade(personas: Personas, old_chain: None) -> None:
    with connection.cursor() as cursor:
        cursor.execute("UPDATE audit_accesslogentry SET username = 'x' WHERE seq = 2")
    with pytest.raises(RuntimeError, match="entry 2"):
        migration.forwards(apps, None)
