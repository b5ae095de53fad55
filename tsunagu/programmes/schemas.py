"""API shapes of programmes (CONTRACT.md "Places, sessions and programmes")."""

import datetime as dt
from datetime import date

from ninja import Field, Schema
from pydantic import field_validator

from tsunagu.places.schemas import SessionOut, parse_hhmm
from tsunagu.programmes.codes import ProgrammeKind


class MeetingIO(Schema):
    date: date
    start: str = Field(description="HH:MM")
    end: str = Field(description="HH:MM, after start")
    title: str = Field("", max_length=100)

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        parse_hhmm(value)
        return value

    @field_validator("date")
    @classmethod
    def _supported(cls, value: dt.date) -> dt.date:
        if not 1873 <= value.year <= 2999:
            raise ValueError("must be a date between 1873 and 2999")
        return value


class ProgrammeSessionOut(SessionOut):
    number: int
    title: str


class ProgrammeOut(Schema):
    id: int
    name: str
    kind: str
    sessions: list[ProgrammeSessionOut]
    min_sessions_to_complete: int | None
    capacity: int | None
    place_id: int | None
    public: bool
    enrolled: int


class ProgrammeList(Schema):
    items: list[ProgrammeOut]
    count: int


class ProgrammeIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    kind: ProgrammeKind
    sessions: list[MeetingIO] = []
    min_sessions_to_complete: int | None = Field(None, ge=1)
    capacity: int | None = Field(None, ge=1)
    place_id: int | None = None
    public: bool = False
    description: str = ""


class EnrolmentIn(Schema):
    person_id: int | None = None
    family_member_id: int | None = None
    name: str = Field("", max_length=100, description="A citizen's name (no person record)")
    contact: str = Field("", max_length=200, description="A citizen's phone or e-mail")


class EnrolmentOut(Schema):
    id: int
    programme: int
    person_id: int | None
    family_member_id: int | None
    status: str
    attended: int
    completed: bool
    completed_on: date | None
