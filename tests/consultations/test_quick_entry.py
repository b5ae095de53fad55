from datetime import datetime
from typing import TYPE_CHECKING

import pytest
from django_scopes import scope

from tests.conftest import Personas
from tsunagu.audit.models import AccessLogEntry
from tsunagu.cases.models import Case
from tsunagu.consultations.models import Consultation
from tsunagu.core.eras import TOKYO
from tsunagu.people.models import Person
from tsunagu.people.services import person_create

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse


def url(personas: Personas, path: str = "") -> str:
    return personas.url(f"consultations/new/{path}")


def post(
    personas: Personas, role: str = "counselor", **fields: str
) -> "_MonkeyPatchedWSGIResponse":
    data = {
        "channel": "phone",
        "consulter": "self",
        "consulter_relation": "",
        "person_query": "",
        "person": "",
        "case": "",
        "minutes": "15",
        "summary": "本人から電話",
        "next_action": "",
        "next_action_on": "",
        "occurred_at": "2018-04-02T14:30",
    }
    data.update(fields)
    return personas.client(role).post(url(personas), data)


def saved(personas: Personas) -> list[Consultation]:
    with scope(municipality=personas.municipality):
        return list(Consultation.objects.select_related("staff", "recorded_by"))


@pytest.mark.parametrize("role", ["counselor", "lead"])
def test_it_shows_the_form_with_phone_chosen_and_now_filled_in(
    personas: Personas, role: str
) -> None:
    response = personas.client(role).get(url(personas))
    assert response.status_code == 200
    form = response.context["form"]
    assert form["channel"].value() == "phone"
    assert form["occurred_at"].value()[:10] == datetime.now(TOKYO).date().isoformat()
    assert 'value="phone" selected' in response.content.decode()


@pytest.mark.parametrize("role", ["committee", "place_staff", "partner", "admin", "professional"])
def test_it_refuses_roles_that_do_not_record_consultations(personas: Personas, role: str) -> None:
    assert personas.client(role).get(url(personas)).status_code == 403
    assert post(personas, role).status_code == 403
    assert saved(personas) == []


def test_it_answers_404_for_another_municipality(personas: Personas) -> None:
    response = personas.client("counselor").get(personas.url("consultations/new/", outsider=True))
    assert response.status_code == 404


def test_it_saves_a_call_about_an_unknown_person_and_is_ready_for_the_next(
    personas: Personas,
) -> None:
    response = post(personas)
    assert response.status_code == 302
    assert response["Location"] == url(personas)
    [consultation] = saved(personas)
    assert consultation.person_id is None
    assert consultation.minutes == 15
    assert consultation.staff == personas.members["counselor"]
    assert consultation.recorded_by == personas.members["counselor"]
    assert consultation.occurred_at == datetime(2018, 4, 2, 14, 30, tzinfo=TOKYO)
    page = personas.client("counselor").get(url(personas))
    assert page.context["form"]["summary"].value() in (None, "")


def test_the_success_message_links_to_what_was_saved(personas: Personas) -> None:
    client = personas.client("counselor")
    response = client.post(
        url(personas),
        {"channel": "walk_in", "consulter": "self", "occurred_at": "2018-04-02T10:00"},
        follow=True,
    )
    [consultation] = saved(personas)
    detail = personas.url(f"consultations/{consultation.pk}/")
    assert f'href="{detail}"' in response.content.decode()
    assert 'id="saved-consultation"' in response.content.decode()
    assert client.get(detail).status_code == 200


def test_it_keeps_the_relation_when_the_family_called(personas: Personas, person: Person) -> None:
    post(personas, consulter="family", consulter_relation="mother", person=str(person.pk))
    [consultation] = saved(personas)
    assert consultation.consulter_relation == "mother"
    assert consultation.person_id == person.pk


def test_it_links_the_call_to_a_case_of_the_person(personas: Personas, case: Case) -> None:
    post(personas, person=str(case.person_id), case=str(case.pk))
    [consultation] = saved(personas)
    assert consultation.case_id == case.pk


def test_a_refused_form_keeps_everything_typed_and_names_each_error(
    personas: Personas, person: Person
) -> None:
    response = post(
        personas,
        channel="fax",
        minutes="-3",
        summary="大事な内容",
        person=str(person.pk),
        next_action_on="2018-04-09",
        next_action="",
    )
    assert response.status_code == 200
    assert saved(personas) == []
    errors = response.context["form"].errors
    assert {"channel", "minutes", "next_action"} <= set(errors)
    page = response.content.decode()
    assert "大事な内容" in page
    assert f'value="{person.pk}" checked' in page
    assert 'id="quick-entry-errors"' in page
    for name in ("channel", "minutes", "next_action"):
        assert f'href="#id_{name}"' in page


def test_it_refuses_a_person_the_counselor_may_not_see(
    personas: Personas, case: Case, in_toyoake: Personas
) -> None:
    with scope(municipality=personas.municipality):
        case.is_shared = False
        case.save(update_fields=["is_shared"])
        case.assignments.all().delete()
    response = post(personas, person=str(case.person_id))
    assert response.status_code == 200
    assert "person" in response.context["form"].errors
    assert saved(personas) == []


def test_it_refuses_a_person_of_another_municipality(personas: Personas) -> None:
    with scope(municipality=personas.outsider):
        stranger = person_create(actor=None, municipality=personas.outsider, name="三好")
    response = post(personas, person=str(stranger.pk))
    assert "person" in response.context["form"].errors
    assert saved(personas) == []


def test_it_refuses_a_case_of_another_person(
    personas: Personas, case: Case, in_toyoake: Personas
) -> None:
    other = person_create(actor=None, municipality=personas.municipality, name="佐藤")
    response = post(personas, person=str(other.pk), case=str(case.pk))
    assert "case" in response.context["form"].errors


def test_the_person_search_finds_by_number_name_and_kana_in_any_script(
    personas: Personas, person: Person
) -> None:
    client = personas.client("counselor")
    for query in (str(person.number), "山田", "やまだ", "ﾔﾏﾀﾞ", "タロウ", "山田太郎"):
        response = client.get(url(personas, "persons/"), {"person_query": query})
        assert response.status_code == 200
        assert f'value="{person.pk}"' in response.content.decode(), query
    none = client.get(url(personas, "persons/"), {"person_query": "鈴木"})
    assert f'value="{person.pk}"' not in none.content.decode()
    assert 'id="person-unknown"' in none.content.decode()


def test_the_person_search_is_written_to_the_access_log(personas: Personas, person: Person) -> None:
    personas.client("counselor").get(url(personas, "persons/"), {"person_query": "山田"})
    with scope(municipality=personas.municipality):
        entry = AccessLogEntry.objects.get(action="search")
    assert entry.objects_seen == [{"type": "person", "id": person.pk, "basis": "intake"}]


def test_the_person_search_does_not_find_another_municipalitys_people(personas: Personas) -> None:
    with scope(municipality=personas.outsider):
        person_create(actor=None, municipality=personas.outsider, name="山田 三好")
    response = personas.client("counselor").get(url(personas, "persons/"), {"person_query": "山田"})
    assert "三好" not in response.content.decode()


def test_the_person_search_refuses_roles_that_do_not_record(
    personas: Personas, person: Person
) -> None:
    response = personas.client("partner").get(url(personas, "persons/"), {"person_query": "山田"})
    assert response.status_code == 403


def test_picking_a_person_offers_their_cases(personas: Personas, case: Case) -> None:
    response = personas.client("counselor").get(url(personas, "cases/"), {"person": case.person_id})
    assert f'<option value="{case.pk}"' in response.content.decode()
    empty = personas.client("counselor").get(url(personas, "cases/"), {"person": ""})
    assert '<option value=""' in empty.content.decode()
    assert "disabled" in empty.content.decode()


def test_the_navigation_offers_quick_entry_with_its_shortcut(personas: Personas) -> None:
    page = personas.client("counselor").get(personas.url()).content.decode()
    assert f'href="{url(personas)}"' in page
    assert 'aria-keyshortcuts="Alt+N"' in page
    assert "tsunagu/quick_entry.js" in page
    committee = personas.client("committee").get(personas.url()).content.decode()
    assert url(personas) not in committee


def test_the_form_runs_without_inline_scripts(personas: Personas) -> None:
    page = personas.client("counselor").get(url(personas)).content.decode()
    assert "data-quick-entry-form" in page
    assert "<script>" not in page
    assert " onclick=" not in page and " onkeydown=" not in page


# Opened for a case; the only open case preselected ------------------------------------------


def test_opened_from_a_case_page_the_person_and_case_are_picked(
    personas: Personas, case: Case
) -> None:
    page = personas.client("counselor").get(url(personas) + f"?case={case.pk}").content.decode()
    assert f'id="person-{case.person_id}" value="{case.person_id}" checked' in page
    assert f'<option value="{case.pk}" selected>' in page


def test_a_case_the_member_may_not_see_preselects_nothing(personas: Personas, case: Case) -> None:
    page = personas.client("professional").get(url(personas) + f"?case={case.pk}")
    assert page.status_code == 403  # a professional records no calls at all
    other = personas.client("counselor", outsider=True)
    assert (
        other.get(f"/m/{personas.outsider.code}/consultations/new/?case={case.pk}").status_code
        == 200
    )
    assert (
        f"person-{case.person_id}"
        not in other.get(
            f"/m/{personas.outsider.code}/consultations/new/?case={case.pk}"
        ).content.decode()
    )


def test_picking_a_person_preselects_their_only_open_case(personas: Personas, case: Case) -> None:
    client = personas.client("counselor")
    page = client.get(url(personas, f"cases/?person={case.person_id}")).content.decode()
    assert f'<option value="{case.pk}" selected>' in page


def test_with_two_open_cases_none_is_preselected(personas: Personas, case: Case) -> None:
    from datetime import date

    from tsunagu.cases.services import case_open

    with scope(municipality=personas.municipality):
        second = case_open(
            actor=None,
            person=case.person,
            opened_on=date(2019, 4, 1),
            referral_source="self",
            primary=personas.members["counselor"],
        )
    page = personas.client("counselor").get(url(personas, f"cases/?person={case.person_id}"))
    text = page.content.decode()
    assert f'<option value="{second.pk}">' in text and f'<option value="{case.pk}">' in text


def test_the_case_page_offers_quick_entry_for_that_case(personas: Personas, case: Case) -> None:
    page = personas.client("counselor").get(personas.url(f"cases/{case.pk}/")).content.decode()
    assert f'consultations/new/?case={case.pk}"' in page
    assert "この件の相談を記録" in page or "Record a consultation about this case" in page


def test_main_concern_and_the_estimate_for_an_unknown_person_are_saved(personas: Personas) -> None:
    response = post(
        personas,
        consulter="anonymous",
        main_concern="hardship",
        subject_age_band="40_49",
        subject_gender="male",
    )
    assert response.status_code == 302
    [consultation] = saved(personas)
    assert (
        consultation.main_concern,
        consultation.subject_age_band,
        consultation.subject_gender,
    ) == (
        "hardship",
        "40_49",
        "male",
    )
