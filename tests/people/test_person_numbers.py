"""Person numbers come from a locked per-municipality counter: no gaps reused, no duplicates."""

import threading

import pytest
from django.db import connection, connections
from django_scopes import scope, scopes_disabled

from tests.conftest import Personas, make_municipality
from tests.people.helpers import make_person
from tsunagu.people import services
from tsunagu.people.models import Person, PersonNumberCounter


def test_numbers_count_up_per_municipality(personas: Personas) -> None:
    here = [make_person(personas.municipality).number for _ in range(3)]
    there = [make_person(personas.outsider).number for _ in range(2)]
    assert here == [1, 2, 3] and there == [1, 2]


def test_a_deleted_highest_number_is_not_given_again(personas: Personas) -> None:
    make_person(personas.municipality)
    last = make_person(personas.municipality)
    with scope(municipality=personas.municipality):
        last.delete()
    # max()+1 would hand out 2 again and mix two persons' records under one number.
    assert make_person(personas.municipality).number == 3


def test_the_counter_continues_after_persons_loaded_without_it(personas: Personas) -> None:
    with scope(municipality=personas.municipality):
        Person.objects.bulk_create(
            [Person(municipality=personas.municipality, number=n) for n in (1, 2, 7)]
        )
        assert not PersonNumberCounter.objects.exists()
    assert make_person(personas.municipality).number == 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_desks_numbering_at_once_never_share_a_number() -> None:
    with scopes_disabled():
        city = make_municipality("232297", "豊明市", "愛知県")
    threads, per_thread, errors = 6, 5, []
    start = threading.Barrier(threads)

    def desk() -> None:
        try:
            start.wait()
            for _ in range(per_thread):
                with scope(municipality=city):
                    services.person_create(actor=None, municipality=city)
        except Exception as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=desk) for _ in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert connection.vendor == "postgresql"
    with scope(municipality=city):
        numbers = sorted(Person.objects.values_list("number", flat=True))
    assert numbers == list(range(1, threads * per_thread + 1))
