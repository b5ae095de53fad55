"""API shapes of supporters and dispatch (CONTRACT.md, "Supporters and dispatch")."""

from datetime import date

from ninja import Field, Schema

from tsunagu.people.codes import Gender
from tsunagu.supporters.codes import SupporterBackground, SupporterStatus

HHMM = r"^([01][0-9]|2[0-3]):[0-5][0-9]$"


class SlotIO(Schema):
    """A weekly slot in local wall-clock time, "HH:MM" as in CONTRACT.md."""

    weekday: int = Field(description="0 = Monday … 6 = Sunday", ge=0, le=6)
    start: str = Field(pattern=HHMM, examples=["10:00"])
    end: str = Field(pattern=HHMM, examples=["16:00"])


class SupporterIn(Schema):
    name: str = Field(min_length=1, max_length=100)
    background: SupporterBackground
    areas: list[str] = Field(min_length=1)
    skills: list[str] = []
    availability: list[SlotIO] = []
    max_active: int = Field(1, description="Dispatches at a time; 0 takes none")
    status: SupporterStatus = SupporterStatus.PAUSED
    peer: bool = False
    pledged_on: date | None = Field(None, description="The pledge of secrecy; `active` needs it")
    gender: Gender = Gender.UNKNOWN
    person_id: int | None = Field(
        None, description="The person record of a former client or family member (UFE)"
    )


class SupporterOut(Schema):
    id: int
    name: str
    background: str
    areas: list[str]
    skills: list[str]
    availability: list[SlotIO]
    max_active: int
    status: str
    peer: bool
    pledged_on: date | None
    person_id: int | None


class SupporterList(Schema):
    items: list[SupporterOut]
    count: int


class WantsIO(Schema):
    gender: Gender | None = None
    peer: bool | None = None
    skills: list[str] = []


class DispatchRequestIn(Schema):
    case_id: int
    purpose: str = ""
    area: str = Field(min_length=1, max_length=50)
    when: list[SlotIO] = Field(min_length=1)
    wants: WantsIO = WantsIO()
    refused_supporters: list[int] = []


class DispatchRequestOut(Schema):
    id: int
    case_id: int
    purpose: str
    area: str
    when: list[SlotIO]
    wants: WantsIO
    refused_supporters: list[int]
    status: str


class DispatchRequestList(Schema):
    items: list[DispatchRequestOut]
    count: int


class MatchingIn(Schema):
    request_ids: list[int] | None = None
    supporter_ids: list[int] | None = None


class ProposalOut(Schema):
    request_id: int
    supporter_id: int
    score: int
    reasons: list[str]


class UnmatchedOut(Schema):
    request_id: int
    why: str


class MatchingOut(Schema):
    proposals: list[ProposalOut]
    unmatched: list[UnmatchedOut]


class DispatchOut(Schema):
    id: int
    request_id: int
    supporter_id: int
    status: str
    area: str
    when: list[SlotIO]
    briefing: str = Field(description="What the lead released to the supporter")


class DispatchList(Schema):
    items: list[DispatchOut]
    count: int
