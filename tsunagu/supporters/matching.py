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

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import time
from functools import lru_cache

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


@lru_cache(maxsize=8192)
def _key(text: str) -> str:
    return normalize_for_search(text)


@lru_cache(maxsize=8192)
def _keys(texts: tuple[str, ...]) -> frozenset[str]:
    return frozenset(_key(t) for t in texts)


def feasible(request: Request, supporter: Candidate) -> bool:
    """The contract's hard rules for one pair."""
    return (
        supporter.active
        and supporter.id not in request.refused
        and supporter.current < supporter.max_active
        and _key(request.area) in _keys(supporter.areas)
        and any(slot.within(free) for slot in request.when for free in supporter.availability)
    )


Reason = tuple[str, str]  # (what matched, detail), translated only for the proposals made


def _score(request: Request, supporter: Candidate) -> tuple[int, tuple[Reason, ...]]:
    points = 0
    reasons: list[Reason] = []
    wants = request.wants
    if wants.gender and supporter.gender == wants.gender:
        points += GENDER_WISH
        reasons.append(("gender", ""))
    if wants.peer and supporter.peer:
        points += PEER_WISH
        reasons.append(("peer", ""))
    if wants.skills and supporter.skills:
        theirs = _keys(supporter.skills)
        shared: list[str] = []
        for skill in wants.skills:
            if _key(skill) in theirs and _key(skill) not in {_key(s) for s in shared}:
                shared.append(skill)
        shared = shared[: MAX_SKILL_POINTS // SHARED_SKILL]
        if shared:
            points += SHARED_SKILL * len(shared)
            reasons.append(("skills", "、".join(shared)))
    if supporter.current == 0:
        points += IDLE_SUPPORTER
        reasons.append(("idle", ""))
    return points, tuple(reasons)


def _sentences() -> Callable[[Reason], str]:
    """Reasons as sentences in the active language (translated once, not once per reason)."""
    said = {
        "gender": _("The gender the person wished for"),
        "peer": _("Has lived experience, as wished"),
        "skills": _("Shared interests: %(skills)s"),
        "idle": _("Has no other dispatch at present"),
    }
    return lambda reason: said[reason[0]] % {"skills": reason[1]} if reason[1] else said[reason[0]]


def score(request: Request, supporter: Candidate) -> tuple[int, tuple[str, ...]]:
    """The preference score of a feasible pair, and each point's reason as a sentence."""
    points, reasons = _score(request, supporter)
    return points, tuple(map(_sentences(), reasons))


def _why_unmatched(request: Request, supporters: Sequence[Candidate]) -> str:
    """The first hard rule that no supporter passes, as a sentence for the lead."""
    area = _key(request.area)
    pool = [s for s in supporters if s.active]
    if not pool:
        return _("No supporter is active.")
    pool = [s for s in pool if area in _keys(s.areas)]
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


def _slot_table(owners: Sequence[tuple[Slot, ...]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weekday, start and end (minutes) of each owner's slots, padded with slots that fit
    nothing (weekday -1 for requests, -2 for supporters' padding never equals it)."""
    width = max((len(slots) for slots in owners), default=0) or 1
    day = np.full((len(owners), width), -1, dtype=np.int16)
    start = np.zeros((len(owners), width), dtype=np.int16)
    end = np.zeros((len(owners), width), dtype=np.int16)
    for n, slots in enumerate(owners):
        for k, slot in enumerate(slots):
            day[n, k] = slot.weekday
            start[n, k] = slot.start.hour * 60 + slot.start.minute
            end[n, k] = slot.end.hour * 60 + slot.end.minute
    return day, start, end


def _incidence(rows: Sequence[Sequence[int]], width: int) -> np.ndarray:
    """A boolean matrix with row n true at the columns rows[n] names."""
    matrix = np.zeros((len(rows), width), dtype=bool)
    r = [n for n, columns in enumerate(rows) for _c in columns]
    c = [c for columns in rows for c in columns]
    matrix[r, c] = True
    return matrix


def _feasible_matrix(requests: Sequence[Request], supporters: Sequence[Candidate]) -> np.ndarray:
    """The hard rules for every pair at once (requests x supporters), with numpy."""
    areas = {key: n for n, key in enumerate({k for s in supporters for k in _keys(s.areas)})}
    covers = _incidence([[areas[k] for k in _keys(s.areas)] for s in supporters], len(areas) + 1)
    wanted = np.array([areas.get(_key(r.area), len(areas)) for r in requests], dtype=np.int64)
    ok = covers.T[wanted]  # the last column (an area nobody covers) is all False
    free = np.array([s.active and s.current < s.max_active for s in supporters], dtype=bool)
    ok &= free[np.newaxis, :]
    if not ok.any():
        return ok
    # For the pairs left, a request slot within a supporter slot on the same weekday.
    i, j = np.nonzero(ok)
    r_day, r_start, r_end = _slot_table([r.when for r in requests])
    s_day, s_start, s_end = _slot_table([s.availability for s in supporters])
    s_day[s_day < 0] = -2
    within = (
        (r_day[i][:, :, None] == s_day[j][:, None, :])
        & (s_start[j][:, None, :] <= r_start[i][:, :, None])
        & (r_end[i][:, :, None] <= s_end[j][:, None, :])
    )
    ok[i, j] = within.any(axis=(1, 2))
    column = {s.id: j for j, s in enumerate(supporters)}
    refused = [(i, column[x]) for i, r in enumerate(requests) for x in r.refused if x in column]
    if refused:
        ok[tuple(np.array(refused).T)] = False
    return ok


def _pair_scores(
    requests: Sequence[Request], supporters: Sequence[Candidate], i: np.ndarray, j: np.ndarray
) -> np.ndarray:
    """`_score` of the pairs (i[n], j[n]) at once; equal to it pair by pair (tested)."""
    genders = {g: n for n, g in enumerate({s.gender for s in supporters})}
    s_gender = np.array([genders[s.gender] for s in supporters])
    r_gender = np.array([genders.get(r.wants.gender, -1) for r in requests])
    points = (r_gender[i] == s_gender[j]) * GENDER_WISH
    r_peer = np.array([bool(r.wants.peer) for r in requests])
    s_peer = np.array([s.peer for s in supporters])
    points += (r_peer[i] & s_peer[j]) * PEER_WISH
    vocabulary = {k: n for n, k in enumerate({k for s in supporters for k in _keys(s.skills)})}
    if vocabulary:
        has = _incidence(
            [[vocabulary[k] for k in _keys(s.skills)] for s in supporters], len(vocabulary)
        )
        wants = _incidence(
            [[vocabulary[k] for k in _keys(r.wants.skills) if k in vocabulary] for r in requests],
            len(vocabulary),
        )
        shared = (wants[i] & has[j]).sum(axis=1)
        points += np.minimum(shared, MAX_SKILL_POINTS // SHARED_SKILL) * SHARED_SKILL
    idle = np.array([s.current == 0 for s in supporters])
    points += idle[j] * IDLE_SUPPORTER
    return points


def match(requests: Sequence[Request], supporters: Sequence[Candidate]) -> Result:
    """Proposals serving as many requests as the hard rules allow, with the highest total score."""
    result = Result()
    assigned: dict[int, int] = {}
    if requests and supporters:
        ok = _feasible_matrix(requests, supporters)
        i, j = np.nonzero(ok)
        # One column per free place of each supporter who can serve someone (at most one per
        # request they can serve: more places could never be used).
        places = np.array([max(s.max_active - s.current, 0) for s in supporters])
        places = np.minimum(places, np.bincount(j, minlength=len(supporters)))
        if len(i):
            first = np.concatenate(([0], np.cumsum(places)[:-1]))
            columns = np.repeat(np.arange(len(supporters)), places)
            bonus = MAX_SCORE * len(requests) + 1
            worth = _pair_scores(requests, supporters, i, j) + bonus
            gain = np.zeros((len(requests), len(columns)))
            for copy in range(int(places.max())):
                more = places[j] > copy
                gain[i[more], first[j[more]] + copy] = worth[more]
            rows, cols = linear_sum_assignment(gain, maximize=True)
            assigned = {
                int(r): int(columns[c])
                for r, c in zip(rows.tolist(), cols.tolist(), strict=True)
                if gain[r, c] > 0
            }
    sentence = _sentences()
    for n, request in enumerate(requests):
        if n in assigned:
            supporter = supporters[assigned[n]]
            points, reasons = _score(request, supporter)
            sentences = tuple(map(sentence, reasons))
            result.proposals.append(Proposal(request.id, supporter.id, points, sentences))
        else:
            result.unmatched.append((request.id, _why_unmatched(request, supporters)))
    return result
