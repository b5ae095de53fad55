"""API shapes of cases: what goes out, what opening a case takes, and what a change may carry."""

from datetime import date

from ninja import Field, Schema

from tsunagu.cases.codes import ClosureReason, ReferralSource, Stage


class CaseOut(Schema):
    id: int
    person: int
    opened_on: date
    referral_source: str
    stage: str
    goal: str
    is_shared: bool
    assigned: list[str] = Field(description="Usernames of every assigned staff member")
    primary: str | None = Field(description="Username of the primary staff member")
    closed_on: date | None
    closure_reason: str


class CaseIn(Schema):
    person: int | None = Field(
        None, description="The person's id; leave out with new_person to create an unknown one"
    )
    new_person: bool = Field(False, description="Create an unknown person (family came first)")
    opened_on: date | None = Field(None, description="Defaults to today")
    referral_source: ReferralSource
    goal: str = ""
    is_shared: bool = True
    primary: str | None = Field(None, description="Username; only a lead assigns others")
    others: list[str] = []


class CasePatch(Schema):
    goal: str | None = None
    referral_source: ReferralSource | None = None
    is_shared: bool | None = None
    stage: Stage | None = Field(None, description="Moves the case; needs a reason")
    reason: str | None = Field(None, description="Why the stage changes")
    closure_reason: ClosureReason | None = Field(None, description="Needed to close")
    closed_on: date | None = None


class CaseList(Schema):
    items: list[CaseOut]
    count: int
