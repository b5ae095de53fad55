"""Shapes of the statistics API (CONTRACT.md), with the extra keys it may add."""

from datetime import date

from ninja import Schema
from pydantic import ConfigDict, Field


class MonthOut(Schema):
    month: str = Field(description='"YYYY-MM" in Asia/Tokyo')
    total: int
    by_channel: dict[str, int]


class GroupOut(Schema):
    name: str
    channels: list[str]
    total: int
    people: int


class ConsultationStatisticsOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from", description="first day, inclusive")
    to: date = Field(description="last day, inclusive")
    fiscal_year: int | None = Field(None, description="the fiscal year asked for, if any")
    total: int = Field(description="延べ件数: every consultation")
    people: int = Field(description="実人数: distinct persons; records with no person excluded")
    by_channel: dict[str, int]
    by_consulter: dict[str, int]
    by_month: list[MonthOut]
    people_by_channel: dict[str, int]
    groups: list[GroupOut] = Field(description="the municipality's own reporting rows")
    by_main_concern: dict[str, int] = Field(
        description='主訴: every code, zeros included; "" counts records without one'
    )
    unlinked_by_age_band: dict[str, int] = Field(
        description="records with no person, by the approximate age band the caller gave"
    )
    unlinked_by_gender: dict[str, int] = Field(
        description="records with no person, by the gender the caller gave"
    )
