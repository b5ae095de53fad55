"""API shapes of referrals (CONTRACT.md "Network"), with the keys they add."""

from datetime import date, datetime

from ninja import Field, Schema

from tsunagu.network.codes import Destination, ReferralStatus


class ReferralEventOut(Schema):
    at: datetime
    by: str | None = Field(description="Username of who moved it or wrote the feedback")
    from_status: str
    status: str = Field(description="The new status; empty for feedback only")
    note: str = Field(description="Feedback; empty where the caller may not read it")
    on_behalf: bool = Field(description="Staff recorded the receiver's answer")


class ReferralOut(Schema):
    id: int
    case_id: int | None = Field(description="null for a receiver the referral shares nothing with")
    destination: str
    organization_id: int | None
    purpose: str = Field(description="Empty for a receiver the referral shares nothing with")
    shared: str = Field(description="What the receiver may read; empty likewise")
    status: str
    consent_id: int | None
    meeting_id: int | None
    requested_on: date
    status_changed_at: datetime
    history: list[ReferralEventOut]


class ReferralList(Schema):
    items: list[ReferralOut]
    count: int


class ReferralIn(Schema):
    case_id: int
    destination: Destination
    organization_id: int | None = None
    purpose: str
    shared: str = Field("", description="What the receiver may read; needs a consent or meeting")
    consent_id: int | None = Field(None, description="A consent in force naming the receiver")
    meeting_id: int | None = Field(None, description="A 支援会議 in force listing the case")
    requested_on: date | None = Field(None, description="Defaults to today")


class ReferralPatch(Schema):
    status: ReferralStatus | None = Field(None, description="The next state")
    note: str = Field("", description="Feedback from the receiving organization")


class ReferralStatisticsOut(Schema):
    model_config = {"populate_by_name": True}

    from_: date = Field(alias="from")
    to: date
    fiscal_year: int
    total: int | None = Field(description="null: withheld (disclosure-safe statistics)")
    by_destination: dict[str, int | None]
