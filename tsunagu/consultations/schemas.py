"""API shapes of consultations: what a list answers and what a new record may carry."""

from datetime import date, datetime
from typing import Any

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
    main_concern: str = Field(description="主訴 code, or empty")
    subject_age_band: str = Field(description="Approximate age band when no person is linked")
    subject_gender: str = Field(description="Gender when no person is linked")


class CorrectionOut(Schema):
    at: datetime
    by: str | None = Field(description="Username of who corrected it")
    reason: str
    changes: dict[str, dict[str, Any]] = Field(
        description='{"field": {"before": value, "after": value}}'
    )


class ConsultationDetail(ConsultationOut):
    corrections: list[CorrectionOut]


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
    main_concern: str = Field("", description="主訴 code, e.g. work")
    subject_age_band: str = Field("", description="Age band code, for a call with no person")
    subject_gender: str = Field("", description="Gender code, for a call with no person")


class ConsultationPatch(Schema):
    """Any field of ConsultationIn, and the reason of the correction (required)."""

    reason: str | None = Field(None, description="Why the record is corrected (required)")
    occurred_at: datetime | None = None
    channel: str | None = None
    consulter: str | None = None
    consulter_relation: str | None = None
    staff: str | None = None
    minutes: int | None = Field(None, ge=0, le=1440)
    summary: str | None = None
    next_action: str | None = Field(None, max_length=500)
    next_action_on: date | None = None
    person: int | None = None
    case: int | None = None
    main_concern: str | None = None
    subject_age_band: str | None = None
    subject_gender: str | None = None
