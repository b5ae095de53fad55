"""Audit screens an auditor can read (issue 12 item 9): headings, objects in words, pages,
a change history in Japanese, and filters by period, member and action."""

import re
from typing import TYPE_CHECKING

import pytest
from django_scopes import scope, scopes_disabled

from tests.audit.conftest import Casework, at
from tests.conftest import Personas
from tsunagu.audit.models import AccessAction, AccessLogEntry
from tsunagu.audit.services import Seen, access_record
from tsunagu.tenancy.models import Membership

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


def text(response: "_MonkeyPatchedWSGIResponse") -> str:
    """The page as a reader sees it: tags gone, whitespace folded."""
    html = response.content.decode()
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def headings(response: "_MonkeyPatchedWSGIResponse", table_id: str) -> list[str]:
    html = response.content.decode()
    table = html[html.index(f'id="{table_id}"') :]
    head = table[: table.index("</thead>")]
    return [re.sub(r"<[^>]+>", "", h).strip() for h in re.findall(r"<th[^>]*>(.*?)</th>", head)]


@pytest.fixture
def seen_consultation(
    personas: Personas, casework: Casework
) -> tuple[AccessLogEntry, AccessLogEntry]:
    """The counselor saw the consultation and its case on 2026-05-01, then exported it."""
    counselor = personas.members["counselor"]
    viewed = access_record(
        membership=counselor,
        action=AccessAction.VIEW,
        seen=[
            Seen("consultation", casework.consultation.pk, "case:1"),
            Seen("case", casework.case.pk, "assignment"),
        ],
        at=at(2026, 5, 1),
    )
    exported = access_record(
        membership=counselor,
        action=AccessAction.EXPORT,
        seen=[Seen("person", casework.person.pk, "assignment")],
        at=at(2026, 5, 2),
    )
    return viewed, exported


def person_page(
    personas: Personas, casework: Casework, role: str = "lead"
) -> "_MonkeyPatchedWSGIResponse":
    return personas.client(role).get(personas.url(f"audit/persons/{casework.person.pk}/access/"))


def test_the_url_and_ip_columns_are_headed_as_what_they_hold(
    personas: Personas, casework: Casework, seen_consultation: tuple[AccessLogEntry, AccessLogEntry]
) -> None:
    response = person_page(personas, casework)
    assert headings(response, "access-entries") == [
        "日時",
        "ユーザー",
        "操作",
        "対象と根拠",
        "ページ（URL）",
        "IPアドレス",
        "記録番号",
    ]
    assert "/m/232297/audit/persons/" in text(response)
    assert "127.0.0.1" in text(response)


def test_objects_read_as_record_number_and_name_not_codes(
    personas: Personas, casework: Casework, seen_consultation: tuple[AccessLogEntry, AccessLogEntry]
) -> None:
    page = text(person_page(personas, casework))
    assert f"相談記録 #{casework.consultation.pk}（架空 花子）" in page
    assert f"ケース #{casework.case.pk}（架空 花子）" in page
    assert "根拠：担当" in page
    assert f"consultation:{casework.consultation.pk}" not in page
    assert "(assignment)" not in page


def test_the_names_shown_are_recorded_as_an_audit_read(
    personas: Personas, casework: Casework, seen_consultation: tuple[AccessLogEntry, AccessLogEntry]
) -> None:
    response = personas.client("lead").get(
        personas.url("audit/users/access/"), member_query(personas.members["counselor"])
    )
    assert "架空 花子" in text(response)
    with scopes_disabled():
        entry = AccessLogEntry.objects.filter(
            username="toyoake-lead", action=AccessAction.SEARCH
        ).latest("seq")
    assert {"type": "person", "id": casework.person.pk, "basis": "audit"} in entry.objects_seen


def test_an_admin_who_may_not_see_persons_gets_numbers_not_names(
    personas: Personas, casework: Casework, seen_consultation: tuple[AccessLogEntry, AccessLogEntry]
) -> None:
    page = text(person_page(personas, casework, "admin"))
    assert f"相談記録 #{casework.consultation.pk}（No.{casework.person.number}）" in page
    assert "架空 花子" not in page


def test_roles_and_channels_read_in_japanese(
    personas: Personas, casework: Casework, seen_consultation: tuple[AccessLogEntry, AccessLogEntry]
) -> None:
    page = text(person_page(personas, casework))
    assert "相談員" in page and "画面" in page
    assert "counselor)" not in page and " web " not in page


def test_long_logs_are_split_into_pages(personas: Personas, casework: Casework) -> None:
    counselor = personas.members["counselor"]
    for day in range(1, 31):
        for hour in (9, 15):
            access_record(
                membership=counselor,
                action=AccessAction.VIEW,
                seen=[Seen("person", casework.person.pk, "assignment")],
                at=at(2026, 5, day, hour),
            )
    client = personas.client("lead")
    first = client.get(personas.url(f"audit/persons/{casework.person.pk}/access/"))
    assert len(first.context["rows"]) == 50
    assert "1 / 2" in text(first)
    assert 'href="?page=2"' in first.content.decode()
    second = client.get(personas.url(f"audit/persons/{casework.person.pk}/access/"), {"page": 2})
    # Sixty accesses, the first look and the names it showed, and this look.
    assert len(second.context["rows"]) == 63 - 50


def history_text(personas: Personas, casework: Casework) -> str:
    return text(
        personas.client("lead").get(personas.url(f"audit/cases/{casework.case.pk}/history/"))
    )


def test_the_change_history_names_fields_and_values_in_japanese(
    personas: Personas, casework: Casework
) -> None:
    page = history_text(personas, casework)
    assert "主担当 はい" in page
    assert "True" not in page and "False" not in page
    for english in ("recorded by", "raised by", "created by", "to stage", "membership"):
        assert english not in page
    assert "記録者" in page and "変更後の段階 出会い・評価" in page
    assert "開始日 令和8年4月1日" in page  # dates in 和暦, not 2026-04-01
    assert "2026-04-01" not in page
    # The person by the number staff know, not the database id; staff by name.
    assert f"対象者 No.{casework.person.number}" in page and "対象者 #" not in page


def test_a_yes_no_field_changed_reads_yes_to_no(personas: Personas, casework: Casework) -> None:
    with scope(municipality=personas.municipality):
        casework.case.is_shared = False
        casework.case.save()
    assert "センターの相談員と共有 はい → いいえ" in history_text(personas, casework)


def member_query(
    member: Membership | None,
    start: str = "2026-05-01",
    end: str = "2026-05-31",
    action: str = "",
) -> dict[str, int | str]:
    return {"member": member.pk if member else "", "start": start, "end": end, "action": action}


def test_the_log_filters_by_action(
    personas: Personas, casework: Casework, seen_consultation: tuple[AccessLogEntry, AccessLogEntry]
) -> None:
    _viewed, exported = seen_consultation
    response = personas.client("lead").get(
        personas.url("audit/users/access/"),
        member_query(personas.members["counselor"], action="export"),
    )
    assert {row.entry.seq for row in response.context["rows"]} == {exported.seq}


def test_the_log_filters_by_period_across_every_member(
    personas: Personas, casework: Casework, seen_consultation: tuple[AccessLogEntry, AccessLogEntry]
) -> None:
    _viewed, exported = seen_consultation
    partner = access_record(
        membership=personas.members["partner"],
        action=AccessAction.VIEW,
        seen=[Seen("case", casework.other_case.pk, "consent:1")],
        at=at(2026, 5, 20),
    )
    response = personas.client("lead").get(
        personas.url("audit/users/access/"), member_query(None, "2026-05-02", "2026-05-31")
    )
    assert response.status_code == 200
    assert {row.entry.seq for row in response.context["rows"]} == {exported.seq, partner.seq}
    assert "全職員" in text(response)
