"""Persons, a case and consultations in 豊明市 for the consultation tests."""

from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path

import pytest
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.cases.models import Case
from tsunagu.cases.services import case_open
from tsunagu.consultations.models import Consultation
from tsunagu.consultations.services import consultation_record
from tsunagu.core.eras import TOKYO
from tsunagu.people.models import Person
from tsunagu.people.services import person_create

HEADER = "日時,相談方法,相談者,続柄,対象者番号,担当,内容"


def pytest_configure(config: pytest.Config) -> None:
    # Registered here, not in pyproject.toml, so `-m "not slow"` works under --strict-markers.
    config.addinivalue_line("markers", "slow: takes more than 20 seconds")


@pytest.fixture
def in_toyoake(personas: Personas) -> Iterator[Personas]:
    with scope(municipality=personas.municipality):
        yield personas


@pytest.fixture
def person(in_toyoake: Personas) -> Person:
    """No.1 山田 太郎, with no case yet (a counselor sees them as intake)."""
    return person_create(
        actor=None,
        municipality=in_toyoake.municipality,
        name="山田 太郎",
        name_kana="ヤマダ タロウ",
    )


@pytest.fixture
def case(in_toyoake: Personas, person: Person) -> Case:
    return case_open(
        actor=None,
        person=person,
        opened_on=date(2018, 4, 2),
        referral_source="family",
        primary=in_toyoake.members["counselor"],
    )


@pytest.fixture
def record(in_toyoake: Personas) -> Callable[..., Consultation]:
    def make(**fields: object) -> Consultation:
        values: dict[str, object] = {
            "actor": in_toyoake.members["counselor"],
            "municipality": in_toyoake.municipality,
            "occurred_at": datetime(2018, 4, 2, 14, 30, tzinfo=TOKYO),
            "channel": "phone",
            "consulter": "family",
            "consulter_relation": "mother",
            "staff": in_toyoake.members["counselor"],
            "summary": "母から電話",
        }
        values.update(fields)
        return consultation_record(**values)

    return make


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(*rows: str, header: str = HEADER, name: str = "import.csv", **kw: str) -> Path:
        path = tmp_path / name
        newline = kw.get("newline", "\n")
        text = newline.join([header, *rows]) + newline
        path.write_bytes(text.encode(kw.get("encoding", "utf-8")))
        return path

    return write
