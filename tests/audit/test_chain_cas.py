"""An append whose head was moved by another desk after it read it links to the moved head.

The head is read without a lock and moved only if it is still where it was read (compare and
swap, tsunagu/audit/services.py `_link`); when another append got there first, the link is
computed again from the head as it is now, in the same transaction.
"""

import threading
from typing import Any

import pytest
from django.db import connection, connections, transaction
from django_scopes import scopes_disabled

from tests.conftest import Personas, _populate, make_municipality
from tsunagu.audit import services
from tsunagu.audit.models import AccessAction, AccessChainHead, AccessLogEntry
from tsunagu.audit.selectors import access_chain_verify
from tsunagu.audit.services import Seen, access_record
from tsunagu.tenancy.models import Membership


def _chain(municipality_id: int) -> list[tuple[int | None, str, str, str]]:
    with scopes_disabled():
        return list(
            AccessLogEntry.objects.filter(municipality_id=municipality_id)
            .order_by("seq")
            .values_list("seq", "prev_hash", "hash", "path")
        )


def _head(municipality_id: int) -> tuple[int, str]:
    with scopes_disabled():
        head = AccessChainHead.objects.get(municipality_id=municipality_id)
    return head.seq, head.last_hash


@pytest.mark.parametrize(
    "own_transaction",
    [
        # The append commits its own transaction (PostgreSQL: the commit goes with the swap).
        pytest.param(True, marks=pytest.mark.django_db(transaction=True), id="own"),
        # Inside a caller's transaction (the test's), where the append does not commit.
        pytest.param(False, marks=pytest.mark.django_db, id="caller's"),
    ],
)
def test_an_append_whose_head_moved_after_its_read_links_to_the_moved_head(
    personas: Personas, monkeypatch: pytest.MonkeyPatch, own_transaction: bool
) -> None:
    assert connection.in_atomic_block is not own_transaction
    counselor = personas.members["counselor"]
    access_record(membership=counselor, action=AccessAction.VIEW, seen=[Seen("case", 1, "role")])
    before = _head(counselor.municipality_id)
    real_read, real_link = services._read_head, services._link
    reads: list[tuple[int, str]] = []
    links: list[tuple[int, str] | None] = []

    def read_head(cursor: Any, municipality_id: int, **kwargs: Any) -> tuple[int, str]:
        head = real_read(cursor, municipality_id, **kwargs)
        reads.append(head)
        if len(reads) == 1:
            # Another desk appends between this read and the compare and swap.
            access_record(
                membership=counselor, action=AccessAction.LIST, seen=[Seen("case", 2, "role")]
            )
        return head

    def link(cursor: Any, entry: AccessLogEntry, read_seq: int, **kwargs: Any) -> Any:
        moved = real_link(cursor, entry, read_seq, **kwargs)
        links.append(moved)
        return moved

    monkeypatch.setattr(services, "_read_head", read_head)
    monkeypatch.setattr(services, "_link", link)
    late = access_record(
        membership=counselor, action=AccessAction.VIEW, seen=[Seen("person", 3, "role")]
    )
    monkeypatch.undo()

    # The other desk's append read the head after this one's first read and linked at once;
    # this one's first swap found the head moved, changed nothing and gave the head as it is
    # (read again, or on PostgreSQL in its own transaction told by the check after the swap);
    # the second linked.
    chain = _chain(counselor.municipality_id)
    assert [seq for seq, *_ in chain] == [1, 2, 3]
    other = chain[1]
    told = own_transaction and connection.vendor == "postgresql"
    assert reads == [before, before] + ([] if told else [(2, other[2])])
    assert links == [None, (2, other[2]), None]
    assert (late.seq, late.prev_hash) == (3, other[2])
    assert chain[2][:3] == (3, other[2], late.hash)
    assert _head(counselor.municipality_id) == (3, late.hash)
    assert access_chain_verify() is None


@pytest.mark.django_db
def test_a_head_rewritten_at_the_same_seq_is_not_swapped(
    personas: Personas, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The swap compares the last hash too: a head re-signed in place (same seq, another
    hash) is read again, never linked to the hash it had."""
    counselor = personas.members["counselor"]
    first = access_record(
        membership=counselor, action=AccessAction.VIEW, seen=[Seen("case", 1, "role")]
    )
    real_read = services._read_head
    reads: list[tuple[int, str]] = []

    def read_head(cursor: Any, municipality_id: int, **kwargs: Any) -> tuple[int, str]:
        head = real_read(cursor, municipality_id, **kwargs)
        reads.append(head)
        if len(reads) == 1:
            with scopes_disabled():
                AccessChainHead.objects.filter(municipality_id=municipality_id).update(
                    last_hash="f" * 64
                )
        return head

    monkeypatch.setattr(services, "_read_head", read_head)
    second = access_record(
        membership=counselor, action=AccessAction.VIEW, seen=[Seen("case", 2, "role")]
    )
    monkeypatch.undo()
    assert reads == [(1, first.hash), (1, "f" * 64)]
    assert (second.seq, second.prev_hash) == (2, "f" * 64)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_swap_that_waited_for_another_desks_lock_matches_nothing_and_retries(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Desk A reads the head; desk B moves it inside its caller's transaction and holds the
    row until A's swap (sent with A's commit) waits for it; B commits. A's swap, checked again
    on B's committed head (READ COMMITTED), matches nothing, so A's commit is not run; A rolls
    back to before the swap and links after B."""
    with scopes_disabled():
        city = make_municipality("232297", "豊明市", "愛知県")
        counselor = _populate(city, "toyoake")["counselor"]
        access_record(membership=counselor, action=AccessAction.VIEW, seen=[])
    real_link = services._link
    a_read, b_linked = threading.Event(), threading.Event()
    b_failed: list[str] = []
    links: dict[str, list[tuple[bool, tuple[int, str] | None]]] = {"a": [], "b": []}
    desk = threading.local()

    def link(cursor: Any, entry: AccessLogEntry, read_seq: int, **kwargs: Any) -> Any:
        name = getattr(desk, "name", "a")
        if name == "a" and not links["a"]:
            a_read.set()
            assert b_linked.wait(30), "desk B never moved the head"
        moved = real_link(cursor, entry, read_seq, **kwargs)
        links[name].append((kwargs.get("commit", False), moved))
        if name == "b":
            b_linked.set()
        return moved

    def desk_b(member: Membership) -> None:
        desk.name = "b"
        try:
            assert a_read.wait(30)
            with transaction.atomic():
                access_record(
                    membership=member, action=AccessAction.LIST, seen=[Seen("case", 2, "r")]
                )
                # Hold the head's row (moved, uncommitted) until A's swap waits for it.
                with connection.cursor() as cursor:
                    for _ in range(300):
                        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
                        if cursor.fetchone()[0]:
                            break
                        threading.Event().wait(0.1)
                    else:
                        b_failed.append("desk A's swap never waited for the head")
        except Exception as exc:  # reported below
            b_failed.append(repr(exc))
        finally:
            connections.close_all()

    monkeypatch.setattr(services, "_link", link)
    b = threading.Thread(target=desk_b, args=(counselor,))
    b.start()
    late = access_record(
        membership=counselor, action=AccessAction.VIEW, seen=[Seen("person", 3, "r")]
    )
    b.join()
    monkeypatch.undo()
    assert connection.vendor == "postgresql"
    assert b_failed == []
    # B linked without committing (its caller did); A's first swap, sent with its commit,
    # matched nothing and told where B had moved the head; its second linked and committed.
    assert not connection.in_atomic_block
    chain = _chain(city.pk)
    assert [seq for seq, *_ in chain] == [1, 2, 3]
    assert links == {"a": [(True, (2, chain[1][2])), (True, None)], "b": [(False, None)]}
    assert (late.seq, late.prev_hash) == (3, chain[1][2])
    with scopes_disabled():
        assert len(AccessLogEntry.objects.get(seq=3).objects_seen) == 1
    assert access_chain_verify() is None
