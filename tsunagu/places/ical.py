"""iCalendar (RFC 5545) of a public place: one VEVENT per session, no personal data."""

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from tsunagu.places import selectors
from tsunagu.places.models import Place, Session
from tsunagu.tenancy.models import Membership

PAST_DAYS = 90
AHEAD_DAYS = 365

_TIMEZONE = [
    "BEGIN:VTIMEZONE",
    "TZID:Asia/Tokyo",
    "BEGIN:STANDARD",
    "DTSTART:19700101T000000",
    "TZOFFSETFROM:+0900",
    "TZOFFSETTO:+0900",
    "TZNAME:JST",
    "END:STANDARD",
    "END:VTIMEZONE",
]


def _text(value: str) -> str:
    return value.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,").replace("\n", "\\n")


def _fold(line: str) -> list[str]:
    """Lines of at most 75 octets, continued with a leading space (RFC 5545 3.1)."""
    out: list[str] = []
    current = ""
    for char in line:
        limit = 75 if not out else 74
        if len((current + char).encode()) > limit:
            out.append(current)
            current = char
        else:
            current += char
    out.append(current)
    return [out[0], *(" " + part for part in out[1:])]


def _local(day: date, at: object) -> str:
    return datetime.combine(day, at).strftime("%Y%m%dT%H%M%S")  # type: ignore[arg-type]


def _calendar(name: str, sessions: Iterable[Session], summary: Callable[[Session], str]) -> str:
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tsunagu//places//JA",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_text(name)}",
        "X-WR-TIMEZONE:Asia/Tokyo",
        *_TIMEZONE,
    ]
    for session in sessions:
        place = session.place
        lines += [
            "BEGIN:VEVENT",
            f"UID:session-{session.pk}@tsunagu.{session.municipality_id}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;TZID=Asia/Tokyo:{_local(session.date, session.start)}",
            f"DTEND;TZID=Asia/Tokyo:{_local(session.date, session.end)}",
            f"SUMMARY:{_text(summary(session))}",
            f"STATUS:{'CANCELLED' if session.is_cancelled else 'CONFIRMED'}",
        ]
        if place is not None and place.address:
            lines.append(f"LOCATION:{_text(place.address)}")
        if place is not None and place.organization:
            lines.append(f"ORGANIZER;CN={_text(place.organization)}:mailto:noreply@invalid")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(part for line in lines for part in _fold(line)) + "\r\n"


def place_calendar(place: Place, *, today: date | None = None) -> str:
    today = today or timezone.localdate()
    sessions = selectors.sessions_between(
        place, today - timedelta(days=PAST_DAYS), today + timedelta(days=AHEAD_DAYS)
    )
    return _calendar(place.name, sessions, lambda _session: place.name)


def own_calendar(member: Membership, name: str, *, today: date | None = None) -> str:
    """A member's own schedule (places they run, sessions they were at): no personal data."""
    today = today or timezone.localdate()
    sessions = selectors.own_sessions(
        member, today - timedelta(days=PAST_DAYS), today + timedelta(days=AHEAD_DAYS)
    )
    return _calendar(name, sessions, lambda s: s.place.name if s.place else name)
