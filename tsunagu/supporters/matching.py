"""Matching supporters to dispatch requests: serve the most requests, then the best fit.

Plain data in, proposals out (no database), so the rule is easy to test against brute force.
Hard rules (CONTRACT.md, "Supporters and dispatch"): the request's area is one of the
supporter's areas; one of the request's slots lies within one of the supporter's availability
slots on the same weekday; the supporter is active, not refused, and has fewer current
dispatches than `max_active`. Among the matchings that serve the most requests, the one with
the highest summed score is chosen: an assignment problem solved with scipy's
`linear_sum_assignment`, each supporter's column repeated once per free place, and every
feasible pair worth a bonus larger than any total of scores, so cardinality comes first.
"""

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import time

import numpy as np
from django.utils.translation import gettext as _
from scipy.optimize import linear_sum_assignment

from tsunagu.core.japanese import normalize_for_search

# Weights of the preferences: a wish the supporter fulfils counts more than a shared interest.
GENDER_WISH = 3
PEER_WISH = 3
SHARED_SKILL = 2
MAX_SKILL_POINTS = 3 * SHARED_SKILL
IDLE_SUPPORTER = 1
MAX_SCORE = GENDER_WISH + PEER_WISH + MAX_SKILL_POINTS + IDLE_SUPPORTER


@dataclass(frozen=True)
class Slot:
    weekday: int  # 0 = Monday
    start: time
    end: time

    def within(self, other: "Slot") -> bool:
        return self.weekday == other.weekday and other.start <= self.start and self.end <= other.end


@dataclass(frozen=True)
class Wants:
    gender: str = ""
    peer: bool | None = None
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class Request:
    id: int
    area: str
    when: tuple[Slot, ...]
    wants: Wants = Wants()
    refused: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Candidate:
    id: int
    areas: tuple[str, ...]
    availability: tuple[Slot, ...]
    active: bool = True
    max_active: int = 1
    current: int = 0
    gender: str = ""
    peer: bool = False
    skills: tuple[str, ...] = ()


@dataclass(frozen=True)
class Proposal:
    request_id: int
    supporter_id: int
    score: int
    reasons: tuple[str, ...]


@dataclass
class Result:
    proposals: list[Proposal] = field(default_factory=list)
    unmatched: list[tuple[int, str]] = field(default_factory=list)


def _key(text: str) -> str:
    return normalize_for_search(text)


def feasible(request: Request, supporter: Candidate) -> bool:
    """The contract's hard rules for one pair."""
    return (
        supporter.active
        and supporter.id not in request.refused
        and supporter.current < supporter.max_active
        and _key(request.area) in {_key(a) for a in supporter.areas}
        and any(slot.within(free) for slot in request.when for free in supporter.availability)
    )


def score(request: Request, supporter: Candidate) -> tuple[int, tuple[str, ...]]:
    """The preference score of a feasible pair, and each point's reason as a sentence."""
    points = 0
    reasons: list[str] = []
    wants = request.wants
    if wants.gender and supporter.gender == wants.gender:
        points += GENDER_WISH
        reasons.append(_("The gender the person wished for"))
    if wants.peer and supporter.peer:
        points += PEER_WISH
        reasons.append(_("Has lived experience, as wished"))
    theirs = {_key(s): s for s in supporter.skills}
    shared = [s for s in wants.skills if _key(s) in theirs][: MAX_SKILL_POINTS // SHARED_SKILL]
    if shared:
        points += SHARED_SKILL * len(shared)
        reasons.append(_("Shared interests: %(skills)s") % {"skills": "、".join(shared)})
    if supporter.current == 0:
        points += IDLE_SUPPORTER
        reasons.append(_("Has no other dispatch at present"))
    return points, tuple(reasons)


def _why_unmatched(request: Request, supporters: Sequence[Candidate]) -> str:
    """The first hard rule that no supporter passes, as a sentence for the lead."""
    area = _key(request.area)
    pool = [s for s in supporters if s.active]
    if not pool:
        return _("No supporter is active.")
    pool = [s for s in pool if area in {_key(a) for a in s.areas}]
    if not pool:
        return _("No active supporter covers the area %(area)s.") % {"area": request.area}
    pool = [s for s in pool if any(slot.within(f) for slot in request.when for f in s.availability)]
    if not pool:
        return _("No supporter of this area is free at the requested times.")
    pool = [s for s in pool if s.id not in request.refused]
    if not pool:
        return _("The person refused every supporter who could go.")
    pool = [s for s in pool if s.current < s.max_active]
    if not pool:
        return _("Every supporter who could go already has as many dispatches as they take.")
    return _("The supporters who could go were needed for other requests.")


def match(requests: Sequence[Request], supporters: Sequence[Candidate]) -> Result:
    """Proposals serving as many requests as the hard rules allow, with the highest total score."""
    by_area: dict[str, list[int]] = defaultdict(list)
    for j, s in enumerate(supporters):
        if s.active and s.current < s.max_active:
            for area in {_key(a) for a in s.areas}:
                by_area[area].append(j)
    pairs: dict[tuple[int, int], tuple[int, tuple[str, ...]]] = {}
    for i, request in enumerate(requests):
        for j in by_area.get(_key(request.area), ()):
            if feasible(request, supporters[j]):
                pairs[i, j] = score(request, supporters[j])

    # One column per free place of each supporter who can serve someone (at most one per
    # request that supporter can serve: more places could never be used).
    serves: dict[int, int] = defaultdict(int)
    for _i, j in pairs:
        serves[j] += 1
    columns = [
        j
        for j, n in sorted(serves.items())
        for _ in range(min(supporters[j].max_active - supporters[j].current, n))
    ]
    result = Result()
    assigned: dict[int, int] = {}
    if pairs and columns:
        bonus = MAX_SCORE * len(requests) + 1
        columns_of: dict[int, list[int]] = defaultdict(list)
        for c, j in enumerate(columns):
            columns_of[j].append(c)
        gain = np.zeros((len(requests), len(columns)))
        for (i, j), (points, _reasons) in pairs.items():
            gain[i, columns_of[j]] = bonus + points
        rows, cols = linear_sum_assignment(gain, maximize=True)
        assigned = {int(i): columns[c] for i, c in zip(rows, cols, strict=True) if gain[i, c] > 0}
    for i, request in enumerate(requests):
        if i in assigned:
            j = assigned[i]
            points, reasons = pairs[i, j]
            result.proposals.append(Proposal(request.id, supporters[j].id, points, reasons))
        else:
            result.unmatched.append((request.id, _why_unmatched(request, supporters)))
    return result
