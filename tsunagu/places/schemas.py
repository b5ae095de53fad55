"""API shapes of places and sessions (CONTRACT.md "Places, sessions and programmes")."""

import re
from datetime import date, time

from ninja import Field, Schema
from pydantic import field_validator

from tsunagu.places.codes import Access, PlaceKind

_HHMM = re.compile(r"([01]\d|2[0-3]):[0-5]\d")
_FIRST_YEAR, _LAST_YEAR = 1873, 2999


def parse_hhmm(value: str) -> time:
    if not isinstance(value, str) or not _HHMM.fullmatch(value):
        raise ValueError("must be HH:MM (00:00 to 23:59)")
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def _supported(value: date) -> date:
    if not _FIRST_YEAR <= value.year <= _LAST_YEAR:
        raise ValueError("must be a date between 1873 and 2999")
    return value


class ScheduleIO(Schema):
    rrule: str = Field(description="RFC 5545 RRULE without DTSTART, e.g. FREQ=MONTHLY;BYDAY=1WE")
    start: str = Field(description="HH:MM, Asia/Tokyo")
    end: str = Field(description="HH:MM, after start")
    holidays: str = Field("skip", description="skip (祝日・休日と12/29–1/3は休み) or keep")

    @field_validator("start", "end")
    @classmethod
    def _hhmm(cls, value: str) -> str:
        parse_hhmm(value)
        return value


class ScheduleOut(ScheduleIO):
    description: str = Field(description="The rule in words, e.g. 毎月第1水曜 13:30〜15:00")


class PlaceOut(Schema):
    id: int
    name: str
    kind: str
    access: str
    capacity: int | None
    public: bool
    schedules: list[ScheduleOut]
    closed_dates: list[date]
    organization: str
    address: str
    activities: str
    slot_minutes: int


class PlaceList(Schema):
    items: list[PlaceOut]
    count: int


class PlaceIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    kind: PlaceKind
    access: Access = Access.FREE
    capacity: int | None = Field(None, ge=1)
    public: bool = False
    schedules: list[ScheduleIO] = []
    closed_dates: list[date] = []
    organization: str = Field("", max_length=100)
    address: str = Field("", max_length=200)
    activities: str = ""
    slot_minutes: int = Field(60, ge=10, le=240, description="A consultation day's slot length")

    @field_validator("closed_dates")
    @classmethod
    def _dates(cls, value: list[date]) -> list[date]:
        return [_supported(d) for d in value]


class PlacePatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    kind: PlaceKind | None = None
    access: Access | None = None
    capacity: int | None = Field(None, ge=1)
    public: bool | None = None
    schedules: list[ScheduleIO] | None = None
    closed_dates: list[date] | None = None
    organization: str | None = Field(None, max_length=100)
    address: str | None = Field(None, max_length=200)
    activities: str | None = None
    slot_minutes: int | None = Field(None, ge=10, le=240)

    @field_validator("closed_dates")
    @classmethod
    def _dates(cls, value: list[date] | None) -> list[date] | None:
        return None if value is None else [_supported(d) for d in value]


class SessionOut(Schema):
    id: int
    date: date
    start: str
    end: str
    status: str
    reason: str = ""


class SessionList(Schema):
    items: list[SessionOut]
    count: int


class ReservationIn(Schema):
    person_id: int
    wait: bool = Field(False, description="Join the waiting list when the session is full")


class ReservationOut(Schema):
    id: int
    session: int
    person_id: int
    status: str


class BookingIn(Schema):
    start: str = Field(description="HH:MM, the start of a slot of the consultation day")
    case_id: int
    professional_id: int = Field(description="The membership of the visiting professional")

    @field_validator("start")
    @classmethod
    def _start(cls, value: str) -> str:
        parse_hhmm(value)
        return value


class BookingOut(Schema):
    id: int
    session_id: int
    place_id: int | None
    date: date
    start: str
    end: str
    case_id: int
    professional_id: int
    status: str = Field(description="booked · cancelled")


class BookingList(Schema):
    items: list[BookingOut]
    count: int


class SlotOut(Schema):
    start: str
    end: str
    booked: bool
    booking: BookingOut | None = Field(description="Only when the caller sees the booked case")


class SlotList(Schema):
    items: list[SlotOut]


class AttendanceIn(Schema):
    person_id: int | None = None
    anonymous: int | None = Field(None, ge=1, le=1000)


class AttendanceOut(Schema):
    id: int
    session: int
    person_id: int | None
    anonymous: int | None
    first_visit: bool


class PlaceFiguresOut(Schema):
    # null: withheld by the disclosure module (only for a reader outside the center).
    id: int
    name: str
    sessions: int
    # null: withheld (1–4, or enough to protect one) for those who get protected figures.
    visits: int | None
    people: int | None
    new_people: int | None


class PlaceStatisticsOut(Schema):
    from_: date = Field(alias="from")
    to: date
    places: list[PlaceFiguresOut]
    visits_total: int | None = Field(None, description="延べ visits of every place")
