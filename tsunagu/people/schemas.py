"""API shapes of persons: what goes out, and what a create or a change may carry."""

from datetime import date, datetime

from ninja import Field, Schema

from tsunagu.people.codes import AgeBand, Background, Gender, GuidelineAxis


class PersonOut(Schema):
    id: int
    number: int
    name: str
    name_kana: str
    birth_date: date | None
    age_band: str = Field(description="Estimated age band, used when the birth date is unknown")
    current_age_band: str = Field(
        description="Age band today: from the birth date, else the estimate"
    )
    gender: str
    district: str
    household: str
    withdrawal_since_year: int | None
    withdrawal_since_month: int | None
    withdrawal_months: int | None
    backgrounds: list[str]
    background_note: str
    guideline_axes: dict[str, str]
    created_at: datetime
    updated_at: datetime


class PersonIn(Schema):
    """Every field is optional: the number is assigned by the server."""

    name: str = Field("", max_length=100)
    name_kana: str = Field("", max_length=100)
    birth_date: date | None = None
    age_band: AgeBand | None = None
    gender: Gender = Gender.UNKNOWN
    district: str = Field("", max_length=50)
    household: str = ""
    withdrawal_since_year: int | None = Field(None, ge=1900, le=2100)
    withdrawal_since_month: int | None = Field(None, ge=1, le=12)
    backgrounds: list[Background] = []
    background_note: str = ""
    guideline_axes: dict[GuidelineAxis, str] = {}


class PersonPatch(Schema):
    name: str | None = Field(None, max_length=100)
    name_kana: str | None = Field(None, max_length=100)
    birth_date: date | None = None
    age_band: AgeBand | None = None
    gender: Gender | None = None
    district: str | None = Field(None, max_length=50)
    household: str | None = None
    withdrawal_since_year: int | None = Field(None, ge=1900, le=2100)
    withdrawal_since_month: int | None = Field(None, ge=1, le=12)
    backgrounds: list[Background] | None = None
    background_note: str | None = None
    guideline_axes: dict[GuidelineAxis, str] | None = None


class PersonList(Schema):
    items: list[PersonOut]
    count: int


class DuplicateOut(Schema):
    id: int
    number: int


class PersonCreated(PersonOut):
    possible_duplicates: list[DuplicateOut] = Field(
        description="persons the caller may see who are likely the same; empty when none"
    )
