"""API shapes of consultations: what a list answers and what a new record may carry."""

from datetime import date, datetime

from ninja import Field, Schema


class ConsultationOut(Schema):
    id: int
    occurred_at: datetime = Field(description="ISO 8601 with the Asia/Tokyo offset")
    channel: str
    consulter: str
    consulter_relation: str
    staff: str | None = Field(description="Username of the staff member who took it")
    minutes: int | None
    summary: str
    next_action: str
    next_action_on: date | None
    person: int | None
    case: int | None


class ConsultationList(Schema):
    items: list[ConsultationOut]
    count: int


class ConsultationIn(Schema):
    """Codes are checked after the caller's municipality and role, so they are plain strings."""

    occurred_at: datetime | None = Field(
        None, description="When; without an offset it is Asia/Tokyo; default now"
    )
    channel: str = Field(description="A channel code, e.g. phone")
    consulter: str = Field(description="A consulter code, e.g. family")
    consulter_relation: str = Field("", description="A relation code when consulter is family")
    staff: str | None = Field(None, description="Username of a member; default the caller")
    minutes: int | None = Field(None, ge=0, le=1440)
    summary: str = ""
    next_action: str = Field("", max_length=500)
    next_action_on: date | None = None
    person: int | None = None
    case: int | None = None
