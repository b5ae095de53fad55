"""iCalendar (RFC 5545) of a public place: one VEVENT per session, no personal data."""

from datetime import UTC, date, datetime, timedelta

from django.utils import timezone

from tsunagu.places import selectors
from tsunagu.places.models import Place

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


def place_calendar(place: Place, *, today: date | None = None) -> str:
    today = today or timezone.localdate()
    stamp = timezone.now().astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        "PRODID:-//Tsunagu//places//JA",
        "CALSCALE:GREGORIAN",
        f"X-WR-CALNAME:{_text(place.name)}",
        "X-WR-TIMEZONE:Asia/Tokyo",
        *_TIMEZONE,
    ]
    location = _text(place.address) if place.address else ""
    sessions = selectors.sessions_between(
        place, today - timedelta(days=PAST_DAYS), today + timedelta(days=AHEAD_DAYS)
    )
    for session in sessions:
        lines += [
            "BEGIN:VEVENT",
            f"UID:session-{session.pk}@tsunagu.{place.municipality_id}",
            f"DTSTAMP:{stamp}",
            f"DTSTART;TZID=Asia/Tokyo:{_local(session.date, session.start)}",
            f"DTEND;TZID=Asia/Tokyo:{_local(session.date, session.end)}",
            f"SUMMARY:{_text(place.name)}",
            f"STATUS:{'CANCELLED' if session.is_cancelled else 'CONFIRMED'}",
        ]
        if location:
            lines.append(f"LOCATION:{location}")
        if place.organization:
            lines.append(f"ORGANIZER;CN={_text(place.organization)}:mailto:noreply@invalid")
        lines.append("END:VEVENT")
    lines.append("END:VCALENDAR")
    return "\r\n".join(part for line in lines for part in _fold(line)) + "\r\n"
