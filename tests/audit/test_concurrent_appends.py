"""Desks reading at once append to one municipality's chain without forking it."""

import threading

import pytest
from django.db import connection, connections
from django_scopes import scopes_disabled

from tests.conftest import _populate, make_municipality
from tsunagu.audit.models import AccessAction, AccessLogEntry
from tsunagu.audit.selectors import access_chain_verify
from tsunagu.audit.services import Seen, access_record


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_appends_at_once_make_one_unbroken_chain() -> None:
    with scopes_disabled():
        city = make_municipality("232297", "豊明市", "愛知県")
        counselor = _populate(city, "toyoake")["counselor"]
    threads, per_thread, errors = 6, 8, []
    start = threading.Barrier(threads)

    def desk(n: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                # A list page's worth of objects, so the appends overlap in their inserts.
                seen = [Seen("case", n * 1000 + i * 50 + k, "role") for k in range(50)]
                access_record(membership=counselor, action=AccessAction.LIST, seen=seen)
        except Exception as exc:  # reported below: a thread's exception is otherwise lost
            errors.append(exc)
        finally:
            connections.close_all()

    workers = [threading.Thread(target=desk, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert errors == []
    assert connection.vendor == "postgresql"
    with scopes_disabled():
        seqs = sorted(s or 0 for s in AccessLogEntry.objects.values_list("seq", flat=True))
        assert seqs == list(range(1, threads * per_thread + 1))
        assert all(len(e.objects_seen) == 50 for e in AccessLogEntry.objects.all())
    assert access_chain_verify() is None
