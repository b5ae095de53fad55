from collections.abc import Callable
from datetime import date

from django_scopes import scope
from pytest_django.fixtures import DjangoAssertNumQueries

from tests.conftest import Personas
from tests.reports.conftest import Consult
from tsunagu.consultations.codes import Channel, Consulter
from tsunagu.people.models import Person
from tsunagu.reports.models import ReportingGroup
from tsunagu.reports.selectors import ConsultationStatistics, consultation_statistics
from tsunagu.tenancy.models import Municipality


def stats_of(
    personas: Personas, start: date, end: date, municipality: Municipality | None = None
) -> ConsultationStatistics:
    m = municipality or personas.municipality
    with scope(municipality=m):
        return consultation_statistics(municipality=m, start=start, end=end)


def test_it_lists_every_channel_consulter_and_month_with_zeros(personas: Personas) -> None:
    stats = stats_of(personas, date(2018, 4, 1), date(2018, 12, 31))
    assert stats.total == 0 and stats.people == 0
    assert stats.by_channel == {code: 0 for code in Channel.values}
    assert stats.by_consulter == {code: 0 for code in Consulter.values}
    assert [m.month for m in stats.by_month] == [f"2018-{n:02d}" for n in range(4, 13)]
    assert all(m.total == 0 and set(m.by_channel) == set(Channel.values) for m in stats.by_month)


def test_it_counts_contacts_by_channel_consulter_and_month(
    personas: Personas, consult: Consult
) -> None:
    consult("2018-04-02 10:00", "phone", "family")
    consult("2018-04-30 23:59", "phone", "self")
    consult("2018-05-01 00:00", "walk_in", "self")
    consult("2018-12-31 23:59", "email", "anonymous")
    stats = stats_of(personas, date(2018, 4, 1), date(2018, 12, 31))
    assert stats.total == 4
    assert stats.by_channel["phone"] == 2 and stats.by_channel["walk_in"] == 1
    assert stats.by_channel["email"] == 1 and stats.by_channel["home_visit"] == 0
    assert stats.by_consulter == {
        "self": 2,
        "family": 1,
        "agency": 0,
        "community": 0,
        "other": 0,
        "anonymous": 1,
    }
    months = {m.month: m for m in stats.by_month}
    assert months["2018-04"].total == 2 and months["2018-04"].by_channel["phone"] == 2
    assert months["2018-05"].by_channel["walk_in"] == 1
    assert months["2018-12"].by_channel["email"] == 1
    assert months["2018-08"].total == 0


def test_the_range_is_inclusive_in_tokyo_time(personas: Personas, consult: Consult) -> None:
    consult("2018-03-31 23:59", "phone")
    consult("2018-04-01 00:00", "phone")
    consult("2018-12-31 23:59", "phone")
    consult("2019-01-01 00:00", "phone")
    assert stats_of(personas, date(2018, 4, 1), date(2018, 12, 31)).total == 2


def test_people_counts_each_known_person_once_and_never_the_anonymous(
    personas: Personas, consult: Consult, person: Callable[..., Person]
) -> None:
    taro, hanako = person("豊明 太郎"), person("豊明 花子")
    consult("2018-04-02 10:00", "phone", "family", person=taro)
    consult("2018-04-09 10:00", "phone", "family", person=taro)
    consult("2018-05-09 10:00", "walk_in", "self", person=taro)
    consult("2018-05-10 10:00", "phone", "self", person=hanako)
    consult("2018-06-10 10:00", "phone", "anonymous")
    consult("2018-06-11 10:00", "letter", "anonymous")
    stats = stats_of(personas, date(2018, 4, 1), date(2018, 12, 31))
    assert stats.total == 6
    assert stats.people == 2
    assert stats.people_by_channel["phone"] == 2
    assert stats.people_by_channel["walk_in"] == 1
    assert stats.people_by_channel["letter"] == 0


def test_it_counts_only_its_own_municipality(personas: Personas, consult: Consult) -> None:
    consult("2018-04-02 10:00", "phone")
    consult("2018-04-02 10:00", "phone", municipality=personas.outsider)
    consult("2018-04-03 10:00", "walk_in", municipality=personas.outsider)
    assert stats_of(personas, date(2018, 4, 1), date(2019, 3, 31)).total == 1
    outsider = stats_of(personas, date(2018, 4, 1), date(2019, 3, 31), personas.outsider)
    assert outsider.total == 2


def test_a_reporting_group_adds_its_channels_and_its_people(
    personas: Personas,
    consult: Consult,
    person: Callable[..., Person],
    mail_and_letters: ReportingGroup,
) -> None:
    taro = person()
    consult("2018-04-02 10:00", "email", person=taro)
    consult("2018-04-03 10:00", "letter", person=taro)
    consult("2018-04-04 10:00", "letter")
    consult("2018-04-05 10:00", "phone", person=taro)
    stats = stats_of(personas, date(2018, 4, 1), date(2018, 12, 31))
    (group,) = stats.groups
    assert group.name == "その他（メール・手紙）"
    assert group.channels == ["email", "letter"]
    assert group.total == 3
    # One person wrote and mailed: one person, not two.
    assert group.people == 1


def test_it_answers_in_two_queries_whatever_the_number_of_rows(
    personas: Personas,
    consult: Consult,
    django_assert_num_queries: DjangoAssertNumQueries,
    mail_and_letters: ReportingGroup,
) -> None:
    for day in range(1, 20):
        consult(f"2018-05-{day:02d} 10:00", "phone")
    with scope(municipality=personas.municipality):
        groups = [mail_and_letters]
        with django_assert_num_queries(2):
            consultation_statistics(
                municipality=personas.municipality,
                start=date(2018, 4, 1),
                end=date(2019, 3, 31),
                groups=groups,
            )
