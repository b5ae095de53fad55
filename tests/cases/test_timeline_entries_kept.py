"""A case's timeline entries are kept once rendered (tsunagu.cases.rendering), and a change of
anything an entry shows, its own row's or a row read with it, shows at once."""

from django.utils import translation
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas
from tests.people.helpers import make_case, make_consultation, make_person
from tsunagu.cases import rendering
from tsunagu.consultations.services import consultation_correct


def test_a_corrected_consultation_and_a_renamed_staff_member_show_at_once(
    personas: Personas,
) -> None:
    town = personas.municipality
    counselor = personas.members["counselor"]
    person = make_person(town)
    case = make_case(person, primary=counselor)
    consultation = make_consultation(
        town, person=person, case=case, staff=counselor, summary="<b>初回の電話</b>"
    )
    client = personas.client("lead")
    url = personas.url(f"cases/{case.pk}/")

    page = client.get(url).content.decode()
    assert "&lt;b&gt;初回の電話&lt;/b&gt;" in page and "<b>初回" not in page  # escaped
    assert client.get(url).content.decode().count("初回の電話") == 1  # kept: the same

    with scope(municipality=town):
        consultation_correct(
            actor=counselor, consultation=consultation, reason="聞き違い", summary="二回目の電話"
        )
    page = client.get(url).content.decode()
    assert "二回目の電話" in page and "初回の電話" not in page

    with scopes_disabled():
        user = counselor.user
        user.username = "renamed-counselor"
        user.save()
    page = client.get(url).content.decode()
    assert "renamed-counselor" in page


def test_a_kept_entry_is_the_template_s_and_follows_the_language(personas: Personas) -> None:
    from tsunagu.cases.selectors import case_timeline

    town = personas.municipality
    person = make_person(town)
    case = make_case(person, primary=personas.members["counselor"])
    make_consultation(town, person=person, case=case)
    lead = personas.members["lead"]
    with scope(municipality=town):
        entries = case_timeline(viewer=lead, case=case)
        with translation.override("ja"):
            ja = rendering.timeline_html(entries)
            assert rendering.timeline_html(entries) == ja
            assert [rendering.entry_key(e) for e in entries] == [
                rendering.entry_key(e) for e in case_timeline(viewer=lead, case=case)
            ]
        with translation.override("en"):
            en = rendering.timeline_html(entries)
    assert "相談" in "".join(ja) and "Consultation" in "".join(en)
    assert len(ja) == len(entries) == 2  # the consultation and the opening's stage
