"""Meetings of the network: minutes, attendance, action items that come back until done."""

from datetime import date, timedelta

from django.db import connection
from django.utils import timezone
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.network import services
from tsunagu.network.models import ActionItem, Meeting, MeetingBody
from tsunagu.tenancy.models import Organization


def organization(personas: Personas, role: str) -> Organization:
    """The organization of the member of that role (every persona has one)."""
    found = personas.members[role].organization
    assert found is not None
    return found


def committee(personas: Personas, organizations: list[Organization]) -> MeetingBody:
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        return services.meeting_body_save(
            actor=lead,
            name="ひきこもり支援等検討委員会",
            kind="committee",
            organizations=organizations,
        )


def test_a_lead_records_a_committee_meeting_and_its_action_item_comes_back(
    personas: Personas,
) -> None:
    body = committee(personas, [organization(personas, "committee")])
    lead = personas.client("lead")
    response = lead.post(
        personas.url("meetings/network/"),
        {"kind": "committee", "body": body.pk, "title": "第1回", "held_on": "2026-04-20"},
    )
    assert response.status_code == 302
    with scope(municipality=personas.municipality):
        first = Meeting.objects.get()
    org = personas.members["committee"].organization_id
    response = lead.post(
        personas.url(f"meetings/network/{first.pk}/"),
        {"agenda": "年間計画", "minutes": "研修計画を協議した", "decisions": "", "present": [org]},
    )
    assert response.status_code == 302
    with connection.cursor() as cursor:
        cursor.execute("SELECT minutes FROM network_meeting WHERE id = %s", [first.pk])
        assert "研修計画" not in str(cursor.fetchone()[0]), "minutes are encrypted at rest"
    owner = personas.members["counselor"]
    response = lead.post(
        personas.url(f"meetings/network/{first.pk}/actions/"),
        {
            "action-what": "研修の講師を探す",
            "action-owner": owner.pk,
            "action-due_on": "2026-05-31",
        },
    )
    assert response.status_code == 302
    home = personas.client("counselor").get(personas.url("")).content.decode()
    assert 'id="home-action-items"' in home and "研修の講師を探す" in home
    with scope(municipality=personas.municipality):
        second = services.meeting_create(
            actor=personas.members["lead"],
            kind="committee",
            title="第2回",
            held_on=date(2026, 6, 20),
            body=body,
        )
        item = ActionItem.objects.get()
    page = lead.get(personas.url(f"meetings/network/{second.pk}/")).content.decode()
    assert f'data-action-item="{item.pk}"' in page.split('id="carried-action-items"')[1]
    done = personas.client("counselor").post(personas.url(f"meetings/actions/{item.pk}/done/"))
    assert done.status_code == 302
    page = lead.get(personas.url(f"meetings/network/{second.pk}/")).content.decode()
    carried = page.split('id="carried-action-items"')[1].split("</section>")[0]
    assert f'data-action-item="{item.pk}"' not in carried


def test_a_committee_member_sees_only_meetings_of_bodies_their_organization_sits_on(
    personas: Personas,
) -> None:
    with scope(municipality=personas.municipality):
        other = Organization.objects.create(
            municipality=personas.municipality, name="別の機関", kind="npo"
        )
    body = committee(personas, [other])
    with scope(municipality=personas.municipality):
        meeting = services.meeting_create(
            actor=personas.members["lead"],
            kind="working_group",
            title="支援者養成WG",
            held_on=timezone.localdate(),
            body=body,
        )
    client = personas.client("committee")
    assert client.get(personas.url(f"meetings/network/{meeting.pk}/")).status_code == 404
    with scope(municipality=personas.municipality):
        body.organizations.add(organization(personas, "committee"))
    assert client.get(personas.url(f"meetings/network/{meeting.pk}/")).status_code == 200
    # A committee member reads the minutes but cannot change them.
    response = client.post(personas.url(f"meetings/network/{meeting.pk}/"), {"minutes": "x"})
    assert response.status_code == 403
    other_city = personas.client("lead", outsider=True)
    assert other_city.get(personas.url(f"meetings/network/{meeting.pk}/")).status_code == 404


def test_an_action_item_due_before_its_meeting_is_refused_with_what_was_typed(
    personas: Personas,
) -> None:
    with scope(municipality=personas.municipality):
        meeting = services.meeting_create(
            actor=personas.members["lead"],
            kind="huddle",
            title="打ち合わせ",
            held_on=date(2026, 5, 1),
        )
    response = personas.client("lead").post(
        personas.url(f"meetings/network/{meeting.pk}/actions/"),
        {
            "action-what": "家族会の案内",
            "action-owner": personas.members["counselor"].pk,
            "action-due_on": (date(2026, 5, 1) - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "家族会の案内" in response.content.decode()
    with scope(municipality=personas.municipality):
        assert not ActionItem.objects.exists()


def test_the_minutes_print_as_a_pdf_with_the_japanese_font_embedded(personas: Personas) -> None:
    import io

    from pypdf import PdfReader
    from pypdf.generic import DictionaryObject

    body = committee(personas, [organization(personas, "committee")])
    lead = personas.members["lead"]
    with scope(municipality=personas.municipality):
        first = services.meeting_create(
            actor=lead, kind="committee", title="第1回", held_on=date(2026, 4, 20), body=body
        )
        services.meeting_record(
            actor=lead,
            meeting=first,
            agenda="年間計画",
            minutes="研修計画を協議した",
            decisions="講師を公募する",
            present=[organization(personas, "committee")],
        )
        services.action_item_add(
            actor=lead,
            meeting=first,
            what="研修の講師を探す",
            owner=personas.members["counselor"],
            due_on=date(2026, 5, 31),
        )
        second = services.meeting_create(
            actor=lead, kind="committee", title="第2回", held_on=date(2026, 6, 20), body=body
        )
    # A member of a body on the committee opens it; the open item comes back on the next one.
    response = personas.client("committee").get(
        personas.url(f"meetings/network/{first.pk}/minutes.pdf")
    )
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages).replace("\x00", "")
    for words in ("第1回", "研修計画を協議した", "講師を公募する", "研修の講師を探す"):
        assert words in text
    fonts = []
    for page in reader.pages:
        resources = page["/Resources"]
        assert isinstance(resources, DictionaryObject)
        page_fonts = resources["/Font"]
        assert isinstance(page_fonts, DictionaryObject)
        for font in page_fonts.values():
            font = font.get_object()
            assert isinstance(font, DictionaryObject)
            fonts.append(font["/BaseFont"])
    assert any("NotoSans" in str(f) for f in fonts)
    nxt = personas.client("lead").get(personas.url(f"meetings/network/{second.pk}/minutes.pdf"))
    nxt_text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(nxt.content)).pages)
    assert "研修の講師を探す" in nxt_text.replace("\x00", "")
    # Someone outside the meeting's bodies, or of another municipality, gets nothing.
    assert (
        personas.client("place_staff")
        .get(personas.url(f"meetings/network/{first.pk}/minutes.pdf"))
        .status_code
        == 403
    )
    outsider = personas.client("lead", outsider=True)
    assert (
        outsider.get(
            f"/m/{personas.municipality.code}/meetings/network/{first.pk}/minutes.pdf"
        ).status_code
        == 404
    )
