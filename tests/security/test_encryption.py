"""Sensitive fields are stored encrypted, found by blind index, and survive a key rotation."""

from dataclasses import dataclass
from datetime import date, datetime
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import translation
from django_scopes import scope, scopes_disabled
from pytest_django.fixtures import Settings as SettingsWrapper

from tests.conftest import Personas
from tsunagu.cases import services as cases
from tsunagu.cases.models import Case, PlanItem, RiskFlag
from tsunagu.consultations.models import Consultation
from tsunagu.consultations.services import consultation_record
from tsunagu.core import crypto
from tsunagu.people.models import Consent, FamilyMember, Person
from tsunagu.people.services import consent_record, family_member_create, person_create
from tsunagu.tenancy.models import Organization

KEY_A = "key-A-" + "a" * 44
KEY_B = "key-B-" + "b" * 44

# One distinctive text per encrypted field; none may appear anywhere in the database.
SECRETS = {
    "household": "父と母と三人暮らしで祖母が近所",
    "background_note": "中学二年で不登校になった経緯",
    "axis_biological": "睡眠リズムが昼夜逆転している",
    "axis_psychological": "対人場面で強い緊張を訴える",
    "phone": "090-8765-4321",
    "email": "tsunagu.haha.test@example.jp",
    "address": "豊明市栄町南館三丁目一番地",
    "family_note": "母は平日の午後なら電話に出られる",
    "goal": "週に一度は外でコーヒーを飲みたい",
    "case_note": "父親は支援に消極的な様子",
    "plan": "図書館まで一緒に歩いてみる",
    "risk": "自室で物を壊す音が続いている",
    "summary": "母から本人の昼夜逆転について相談",
    "next_action": "来週水曜に折り返し電話をする",
    "purposes": "ハローワークとの就労支援情報共有",
}


@dataclass
class Written:
    person: Person
    family: FamilyMember
    case: Case


def write_everything(personas: Personas) -> Written:
    """Everything through the services, the way the screens and the API write it."""
    municipality = personas.municipality
    lead = personas.members["lead"]
    with scope(municipality=municipality):
        person = person_create(
            actor=lead,
            municipality=municipality,
            name="架空 次郎",
            household=SECRETS["household"],
            background_note=SECRETS["background_note"],
            guideline_axes={
                "biological": SECRETS["axis_biological"],
                "psychological": SECRETS["axis_psychological"],
            },
        )
        family = family_member_create(
            actor=lead,
            person=person,
            name="架空 母",
            relation="mother",
            phone=SECRETS["phone"],
            email=SECRETS["email"],
            address=SECRETS["address"],
            note=SECRETS["family_note"],
        )
        case = cases.case_open(
            actor=lead,
            person=person,
            opened_on=date(2026, 4, 1),
            referral_source="family",
            primary=lead,
            goal=SECRETS["goal"],
        )
        # No service writes the case notes yet; the column is what this test is about.
        case.note = SECRETS["case_note"]
        case.save(update_fields=["note"])
        cases.plan_item_add(actor=lead, case=case, what=SECRETS["plan"])
        cases.risk_raise(actor=lead, case=case, kind="violence", detail=SECRETS["risk"])
        consultation_record(
            actor=lead,
            municipality=municipality,
            occurred_at=datetime(2026, 4, 2, 10, tzinfo=ZoneInfo("Asia/Tokyo")),
            channel="phone",
            consulter="family",
            consulter_relation="mother",
            summary=SECRETS["summary"],
            next_action=SECRETS["next_action"],
            case=case,
        )
        consent_record(
            actor=lead,
            person=person,
            organizations=list(Organization.objects.all()),
            purposes=SECRETS["purposes"],
            valid_from=date(2026, 4, 1),
            valid_until=None,
            form="written",
        )
    return Written(person, family, case)


def database_text() -> str:
    """Every row of every table, as the database holds it."""
    quote = connection.ops.quote_name
    parts: list[str] = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {quote(table)}")
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


def find_by_phone(number: str) -> list[FamilyMember]:
    with scopes_disabled():
        return list(FamilyMember.objects.filter(phone_index=crypto.phone_index(number)))


def test_no_sensitive_text_is_stored_in_the_clear_anywhere(personas: Personas) -> None:
    written = write_everything(personas)
    stored = database_text()
    assert "架空 次郎" in stored  # the scan does read the rows (names are not encrypted)
    leaked = [key for key, text in SECRETS.items() if text in stored]
    assert leaked == []
    for table in ("people_person", "people_familymember", "cases_case", "cases_riskflag"):
        assert table in connection.introspection.table_names()
    with scopes_disabled():
        assert Person.objects.get(pk=written.person.pk).guideline_axes == {
            "biological": SECRETS["axis_biological"],
            "psychological": SECRETS["axis_psychological"],
        }
        assert Case.objects.get(pk=written.case.pk).note == SECRETS["case_note"]
        assert PlanItem.objects.get().what == SECRETS["plan"]
        assert RiskFlag.objects.get().detail == SECRETS["risk"]
        assert Consultation.objects.get().next_action == SECRETS["next_action"]
        assert Consent.objects.get().purposes == SECRETS["purposes"]


@pytest.mark.parametrize(
    "typed", ["090-8765-4321", "09087654321", "０９０－８７６５－４３２１", "090 8765 4321"]
)
def test_a_family_member_is_found_by_exact_phone_however_it_is_typed(
    personas: Personas, typed: str
) -> None:
    written = write_everything(personas)
    assert find_by_phone(typed) == [written.family]


def test_a_different_number_finds_nobody(personas: Personas) -> None:
    write_everything(personas)
    assert find_by_phone("090-8765-4322") == []
    assert find_by_phone("") == []


def test_a_family_member_is_found_by_email_ignoring_case_and_width(personas: Personas) -> None:
    written = write_everything(personas)
    with scopes_disabled():
        found = FamilyMember.objects.filter(
            email_index=crypto.email_index("Ｔｓｕｎａｇｕ.haha.TEST@example.jp ")
        )
        assert list(found) == [written.family]


def raw_column(table: str, column: str, pk: int) -> str:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {quote(column)} FROM {quote(table)} WHERE id = %s", [pk])
        row = cursor.fetchone()
    assert row is not None
    value: str = row[0]
    return value


def rotate() -> str:
    out = StringIO()
    with translation.override("en"):
        call_command("rotate_keys", "--batch-size", "2", stdout=out)
    return out.getvalue()


def test_rotation_re_encrypts_everything_with_the_new_key(
    personas: Personas, settings: SettingsWrapper
) -> None:
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_A, []
    written = write_everything(personas)
    with scopes_disabled():
        updated_at = Case.objects.get(pk=written.case.pk).updated_at
    goal_token_a = raw_column("cases_case", "goal", written.case.pk)

    # The new key in front, the old one as a fallback: readable, but the index is stale.
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_B, [KEY_A]
    with scopes_disabled():
        assert Case.objects.get(pk=written.case.pk).goal == SECRETS["goal"]
    assert find_by_phone(SECRETS["phone"]) == []

    output = rotate()
    assert "cases.Case: 2 / 2 rows" in output or "cases.Case: 1 / 1 rows" in output
    assert "people.FamilyMember: 1 blind index rows recomputed." in output

    # The old key is gone: everything still reads, and the phone is found again.
    settings.SECRET_KEY_FALLBACKS = []
    assert raw_column("cases_case", "goal", written.case.pk) != goal_token_a
    assert SECRETS["goal"] not in database_text()
    with scopes_disabled():
        case = Case.objects.get(pk=written.case.pk)
        assert case.goal == SECRETS["goal"]
        assert case.note == SECRETS["case_note"]
        assert case.updated_at == updated_at
        person = Person.objects.get(pk=written.person.pk)
        assert person.household == SECRETS["household"]
        assert person.guideline_axes["psychological"] == SECRETS["axis_psychological"]
        family = FamilyMember.objects.get(pk=written.family.pk)
        assert (family.phone, family.email, family.address) == (
            SECRETS["phone"],
            SECRETS["email"],
            SECRETS["address"],
        )
        assert RiskFlag.objects.get().detail == SECRETS["risk"]
        assert Consultation.objects.get().summary == SECRETS["summary"]
        assert Consent.objects.get().purposes == SECRETS["purposes"]
    assert find_by_phone("０９０８７６５４３２１") == [written.family]


def test_without_rotation_dropping_the_old_key_loses_the_data(
    personas: Personas, settings: SettingsWrapper
) -> None:
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_A, []
    written = write_everything(personas)
    settings.SECRET_KEY = KEY_B
    with scopes_disabled():
        assert Case.objects.get(pk=written.case.pk).goal != SECRETS["goal"]


def test_a_second_rotation_has_nothing_left_to_do(
    personas: Personas, settings: SettingsWrapper
) -> None:
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_A, []
    written = write_everything(personas)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_B, [KEY_A]
    rotate()
    token = raw_column("cases_case", "goal", written.case.pk)
    output = rotate()
    assert "cases.Case: 0 rows re-encrypted." in output
    assert raw_column("cases_case", "goal", written.case.pk) == token


def test_rotation_stops_on_a_value_no_key_can_open_and_writes_nothing(
    personas: Personas, settings: SettingsWrapper
) -> None:
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = KEY_A, []
    written = write_everything(personas)
    token = raw_column("cases_case", "goal", written.case.pk)
    settings.SECRET_KEY = KEY_B  # the old key was not kept as a fallback
    with pytest.raises(CommandError, match="SECRET_KEY_FALLBACKS"):
        rotate()
    assert raw_column("cases_case", "goal", written.case.pk) == token
