"""Access logging by construction: reads are recorded where rows are handed out.

`one` and `shown` (registry.py) call `record`. Inside a request (`AccessLogMiddleware`) the
records are collected and written as one access-log entry per member when the response is
ready, so a page that shows a person, their cases and consultations costs one append; outside
a request (commands, tests calling a selector) each record is written at once.
"""

from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Model
from django.http import HttpRequest, HttpResponse

from tsunagu.audit.models import AccessAction
from tsunagu.audit.services import Seen, access_record
from tsunagu.policy.registry import bases_of, subject_type, subjects
from tsunagu.tenancy.models import Membership

# The entry of a request takes the weightiest action it saw.
_WEIGHT: dict[str, int] = {
    AccessAction.LIST: 0,
    AccessAction.SEARCH: 1,
    AccessAction.VIEW: 2,
    AccessAction.EXPORT: 3,
    AccessAction.CREATE: 4,
    AccessAction.UPDATE: 5,
}


@dataclass
class _Pending:
    membership: Membership
    action: str
    seen: dict[tuple[str, int], Seen] = field(default_factory=dict)


@dataclass
class _Recorder:
    request: HttpRequest | None
    channel: str
    pending: dict[int, _Pending] = field(default_factory=dict)

    def add(self, member: Membership, action: str, seen: Iterable[Seen]) -> None:
        entry = self.pending.setdefault(member.pk, _Pending(member, action))
        if _WEIGHT.get(action, 0) > _WEIGHT.get(entry.action, 0):
            entry.action = action
        for s in seen:
            entry.seen.setdefault((s.type, s.id), s)

    def flush(self) -> None:
        pending, self.pending = self.pending, {}
        for entry in pending.values():
            access_record(
                membership=entry.membership,
                action=entry.action,
                seen=entry.seen.values(),
                request=self.request,
                channel=self.channel,
            )


_current: ContextVar[_Recorder | None] = ContextVar("tsunagu_access_recorder", default=None)


def record(
    member: Membership, model: type[Model], ids: Iterable[int], *, action: str = "view"
) -> None:
    """Record that the rows `ids` of `model` were shown to `member`, each with its basis.

    A row the member has no basis for is written with the basis "none", so a read that
    slipped past the policy shows up in the log instead of vanishing from it.
    """
    if model not in subjects():
        return
    ids = list(dict.fromkeys(ids))
    labels = bases_of(member, model, ids)
    kind = subject_type(model)
    seen = [Seen(kind, pk, labels.get(pk, "none")) for pk in ids]
    record_seen(member, seen, action=action)


def record_seen(member: Membership, seen: Iterable[Seen], *, action: str) -> None:
    """Record objects whose basis the caller already knows (e.g. a write: "role")."""
    recorder = _current.get()
    if recorder is not None:
        recorder.add(member, action, seen)
    else:
        access_record(membership=member, action=action, seen=seen, channel="cli")


def collecting() -> bool:
    """Whether records are being collected (inside a request or `access_logged`): services
    record their writes only then; a command's or a fixture's writes have their change
    history and no reader."""
    return _current.get() is not None


def flush() -> None:
    """Write what the current request recorded so far (e.g. before a streaming response)."""
    recorder = _current.get()
    if recorder is not None:
        recorder.flush()


@contextmanager
def access_logged(request: HttpRequest | None = None, *, channel: str = "web") -> Iterator[None]:
    """Collect the reads made inside and write them as one entry per member at the end."""
    recorder = _Recorder(request=request, channel=channel)
    token = _current.set(recorder)
    try:
        yield
    finally:
        _current.reset(token)
        recorder.flush()


# One read as (object type, id, basis): what a file made in the background keeps of its reads.
Read = tuple[str, int, str]


@contextmanager
def reads_collected() -> Iterator[list[Read]]:
    """Collect the reads made inside without writing them (a file made in the background):
    the list filled on exit is written by `record_reads` when the file is handed out."""
    recorder = _Recorder(request=None, channel="job")
    token = _current.set(recorder)
    collected: list[Read] = []
    try:
        yield collected
    finally:
        _current.reset(token)
        for entry in recorder.pending.values():
            collected.extend((s.type, s.id, s.basis) for s in entry.seen.values())


def record_reads(member: Membership, reads: Iterable[Sequence[Any]], *, action: str) -> None:
    """Record reads kept by `reads_collected` (a file's content, as it is downloaded)."""
    seen = [Seen(str(kind), int(pk), str(basis)) for kind, pk, basis in reads]
    if seen:
        record_seen(member, seen, action=action)


class AccessLogMiddleware:
    """Every request collects its reads and writes them once, after the view has run."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        channel = "api" if request.path.startswith("/api/") else "web"
        with access_logged(request, channel=channel):
            return self.get_response(request)
