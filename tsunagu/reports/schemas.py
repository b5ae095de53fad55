"""Shapes of the statistics API (CONTRACT.md), with the extra keys it may add."""

from datetime import date

from ninja import Schema
from pydantic import ConfigDict, Field

# null: withheld by the disclosure module (only ever for a reader outside the center).
Figure = int | None


class MonthOut(Schema):
    month: str = Field(description='"YYYY-MM" in Asia/Tokyo')
    total: Figure
    by_channel: dict[str, Figure]


class GroupOut(Schema):
    name: str
    channels: list[str]
    total: Figure
    people: Figure


class ConsultationStatisticsOut(Schema):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from", description="first day, inclusive")
    to: date = Field(description="last day, inclusive")
    fiscal_year: int | None = Field(None, description="the fiscal year asked for, if any")
    total: Figure = Field(description="延べ件数: every consultation")
    people: Figure = Field(description="実人数: distinct persons; records with no person excluded")
    by_channel: dict[str, Figure]
    by_consulter: dict[str, Figure]
    by_month: list[MonthOut]
    people_by_channel: dict[str, Figure]
    groups: list[GroupOut] = Field(description="the municipality's own reporting rows")
    by_main_concern: dict[str, Figure] = Field(
        description='主訴: every code, zeros included; "" counts records without one'
    )
    unlinked_by_age_band: dict[str, Figure] = Field(
        description='records with no person, by the approximate age band the caller gave; ""'
        " counts those where it was not recorded"
    )
    unlinked_by_gender: dict[str, Figure] = Field(
        description='records with no person, by the gender the caller gave; "" as above'
    )
    unlinked_total: Figure = Field(0, description="records with no person")
