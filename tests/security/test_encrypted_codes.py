"""Risk kinds, supporters' backgrounds and meeting titles are stored encrypted (issue 13, item 8).

Which risk a case carries (suicidal ideation), that a supporter is a former client, and a
meeting's free-text title (which often names the person) are 要配慮 in themselves.
"""

import importlib
from datetime import date, time

import pytest
from django.apps import apps
from django.db import connection
from django_scopes import scope, scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tests.people.helpers import make_case, make_person
from tests.security.test_encryption import KEY_A, KEY_B, raw_column, rotate
from tsunagu.cases import services as cases
from tsunagu.cases.models import RiskFlag
from tsunagu.network import services as network
from tsunagu.network.models import Meeting, SupportMeeting
from tsunagu.supporters import services as supporters
from tsunagu.supporters.models import Supporter
from tsunagu.supporters.services import WeeklySlot

MEETING_TITLE = "佐藤さんの自殺念慮について緊急ケース会議"
SUPPORT_MEETING_TITLE = "鈴木家の家庭内暴力に関する支援会議"


def write(personas: Personas) -> dict[tuple[str, str, int], str]:
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        case = make_case(make_person(personas.municipality), primary=lead)
        flag = cases.risk_raise(actor=lead, case=case, kind="suicidal_ideation")
        meeting = network.meeting_create(
            actor=lead, kind="case_conference", title=MEETING_TITLE, held_on=date(2026, 5, 1)
        )
        support_meeting = network.support_meeting_create(
            actor=lead,
            title=SUPPORT_MEETING_TITLE,
            legal_basis="swa_106_6",
            held_on=date(2026, 5, 1),
        )
        supporter = supporters.supporter_save(
            actor=lead,
            name="佐藤 ピア",
            background="peer",
            areas=["北部"],
            availability=[WeeklySlot(0, time(9), time(12))],
        )
    return {
        ("cases_riskflag", "kind", flag.pk): "suicidal_ideation",
        ("network_meeting", "title", meeting.pk): MEETING_TITLE,
        ("network_supportmeeting", "title", support_meeting.pk): SUPPORT_MEETING_TITLE,
        ("supporters_supporter", "background", supporter.pk): "peer",
    }


@pytest.fixture
def written(personas: Personas) -> dict[tuple[str, str, int], str]:
    return write(personas)


def read_back() -> dict[str, str]:
    with scopes_disabled():
        return {
            "kind": RiskFlag.objects.get().kind,
            "meeting": Meeting.objects.get().title,
            "support_meeting": SupportMeeting.objects.get().title,
            "background": Supporter.objects.get().background,
        }


EXPECTED = {
    "kind": "suicidal_ideation",
    "meeting": MEETING_TITLE,
    "support_meeting": SUPPORT_MEETING_TITLE,
    "background": "peer",
}


def test_the_columns_hold_no_clear_text_and_read_back(
    written: dict[tuple[str, str, int], str],
) -> None:
    for (table, column, pk), clear in written.items():
        stored = raw_column(table, column, pk)
        assert clear not in stored, (table, column)
        assert stored.startswith("gAAAA"), (table, column)  # a Fernet token
    assert read_back() == EXPECTED


def test_a_meeting_title_is_still_at_most_100_characters(personas: Personas) -> None:
    from django.core.exceptions import ValidationError

    with scope(municipality=personas.municipality), pytest.raises(ValidationError) as exc:
        network.meeting_create(
            actor=personas.members["lead"],
            kind="case_conference",
            title="会" * 101,
            held_on=date(2026, 5, 1),
        )
    assert "title" in exc.value.message_dict


def test_key_rotation_re_encrypts_the_new_columns(
    personas: Personas, settings: SettingsWrapper
) -> None:
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_A, []
    before = {key: raw_column(*key) for key in write(personas)}
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_B, [KEY_A]
    output = rotate()
    for label in ("cases.RiskFlag", "network.Meeting", "network.SupportMeeting", "supporters."):
        assert label in output
    settings.SECRET_KEY_FALLBACKS = []  # the old key gone: only re-encrypted values still open
    for key, token in before.items():
        assert raw_column(*key) != token, key
    assert read_back() == EXPECTED


@pytest.mark.parametrize(
    ("module", "table", "column"),
    [
        ("tsunagu.cases.migrations.0004_encrypt_risk_kind", "cases_riskflag", "kind"),
        ("tsunagu.network.migrations.0008_encrypt_meeting_titles", "network_meeting", "title"),
        (
            "tsunagu.network.migrations.0008_encrypt_meeting_titles",
            "network_supportmeeting",
            "title",
        ),
        (
            "tsunagu.supporters.migrations.0004_encrypt_background",
            "supporters_supporter",
            "background",
        ),
    ],
)
def test_the_migration_encrypts_rows_written_in_clear_before_it(
    written: dict[tuple[str, str, int], str], module: str, table: str, column: str
) -> None:
    (pk, clear) = next((k[2], v) for k, v in written.items() if k[:2] == (table, column))
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:  # as the version before stored it
        cursor.execute(f"UPDATE {quote(table)} SET {quote(column)} = %s WHERE id = %s", [clear, pk])
    assert raw_column(table, column, pk) == clear
    for operation in importlib.import_module(module).Migration.operations:
        if hasattr(operation, "code"):
            operation.code(apps, None)
    assert clear not in raw_column(table, column, pk)
    assert read_back() == EXPECTED


def test_risk_kinds_the_history_recorded_in_clear_are_masked_too(
    written: dict[tuple[str, str, int], str],
) -> None:
    from auditlog.models import LogEntry

    from tsunagu.audit.history import MASK

    with scopes_disabled():
        flag = RiskFlag.objects.get()
        entry = LogEntry.objects.get_for_object(flag).order_by("-pk").first()
    assert entry is not None
    entry.changes = {**entry.changes, "kind": ["None", "suicidal_ideation"]}
    entry.save()  # as the version before 0004 recorded it
    module = importlib.import_module("tsunagu.cases.migrations.0005_mask_recorded_risk_kinds")
    for operation in module.Migration.operations:
        operation.code(apps, None)
    entry.refresh_from_db()
    assert entry.changes["kind"] == [MASK, MASK]
    assert "suicidal_ideation" not in str(entry.changes)
