"""Every change publishes before / precommit / after events and appends exactly one
journal row in its own transaction; a refused change leaves neither data nor row.
Readers never skip a row that commits late (PostgreSQL's outbox gap)."""
from __future__ import annotations

import threading

import pytest

from neutrino import exceptions as exc
from neutrino.callbacks import CallbackFailure, Event, Resource, get_registry
from neutrino.context import Context
from neutrino.core.networks import NetworkPlugin
from neutrino.core.ports import PortPlugin
from neutrino.core.listing import ListQuery
from neutrino.db import journal
from tests.support.events import recording

ADMIN = Context.admin()


@pytest.fixture
def events():
    with recording(Resource.NETWORK, Resource.PORT) as seen:
        yield seen


def rows(db, after=0):
    with db.reader() as conn:
        return journal.read(conn, after)


def test_create_update_delete_publish_events_in_order(database, conf, events):
    nets = NetworkPlugin(database, conf)
    net = nets.create(ADMIN, {"name": "a", "project_id": "p"})
    nets.update(ADMIN, net["id"], {"name": "b"})
    nets.delete(ADMIN, net["id"])
    assert [e for _r, e in events] == [
        Event.BEFORE_CREATE, Event.PRECOMMIT_CREATE, Event.AFTER_CREATE,
        Event.BEFORE_UPDATE, Event.PRECOMMIT_UPDATE, Event.AFTER_UPDATE,
        Event.BEFORE_DELETE, Event.PRECOMMIT_DELETE, Event.AFTER_DELETE]


def test_each_change_appends_one_journal_row_with_the_new_revision(database, conf):
    nets = NetworkPlugin(database, conf)
    start = rows(database)[-1]["seq"] if rows(database) else 0
    net = nets.create(ADMIN, {"name": "a", "project_id": "p"})
    nets.update(ADMIN, net["id"], {"name": "b"})
    nets.delete(ADMIN, net["id"])
    mine = [r for r in rows(database, start) if r["resource_id"] == net["id"]]
    assert [(r["operation"], r["revision_number"]) for r in mine] == [
        ("create", 0), ("update", 1), ("delete", 2)]
    assert mine[1]["body"]["name"] == "b"


def test_precommit_veto_rolls_back_data_and_journal(database, conf):
    nets = NetworkPlugin(database, conf)
    before = len(rows(database))

    def veto(resource, event, trigger, payload):
        raise exc.InvalidInput(error_message="vetoed")

    get_registry().subscribe(veto, Resource.NETWORK, Event.PRECOMMIT_CREATE)
    try:
        with pytest.raises(CallbackFailure):
            nets.create(ADMIN, {"name": "vetoed", "project_id": "p"})
    finally:
        get_registry().unsubscribe(veto, Resource.NETWORK, Event.PRECOMMIT_CREATE)
    assert len(rows(database)) == before
    assert nets.list(ADMIN, ListQuery(filters={"name": ["vetoed"]})) == []


def test_failed_request_leaves_no_journal_row(database, conf):
    nets, ports = NetworkPlugin(database, conf), PortPlugin(database, conf)
    net = nets.create(ADMIN, {"name": "a", "project_id": "p"})
    port = ports.create(ADMIN, {"network_id": net["id"], "project_id": "p"})
    before = len(rows(database))
    with pytest.raises(exc.MacAddressInUse):
        ports.create(ADMIN, {"network_id": net["id"], "project_id": "p",
                             "mac_address": port["mac_address"]})
    assert len(rows(database)) == before


@pytest.fixture
def pg_db(request):
    from neutrino.db import migration
    from neutrino.db.engine import Database
    import uuid
    url = request.getfixturevalue("postgres").create_database("jr_" + uuid.uuid4().hex[:8])
    db = Database(url)
    migration.upgrade(db.engine, url)
    yield db
    db.dispose()


def _change(name: str) -> journal.Change:
    return journal.Change("network", name, "create", 0, {"id": name})


def test_a_reader_never_sees_a_row_behind_one_still_in_flight(pg_db):
    """Two writers on PostgreSQL, neither waiting for the other: while the first one
    to take a seq is still in flight, a reader sees neither row, then both."""
    db = pg_db
    first_in, second_done = threading.Event(), threading.Event()

    def slow_writer():
        with db.writer() as conn:
            journal.record(conn, [_change("slow")])
            first_in.set()
            second_done.wait(5)  # commit after the fast writer

    t = threading.Thread(target=slow_writer)
    t.start()
    first_in.wait(5)
    seen_while_in_flight = rows(db)
    with db.writer() as conn:
        journal.record(conn, [_change("fast")])
    fast_committed_while_slow_in_flight = t.is_alive()
    seen_after_fast_commit = [r["resource_id"] for r in rows(db)]
    second_done.set()
    t.join()
    assert fast_committed_while_slow_in_flight  # no global lock made it wait
    assert seen_while_in_flight == []
    assert seen_after_fast_commit == []
    assert [r["resource_id"] for r in rows(db)] == ["slow", "fast"]


def test_a_late_commit_with_a_lower_seq_reaches_a_cursor_exactly_once(pg_db):
    """An older transaction (lower xid) journals after a younger one took its seq and
    commits first: the cursor reads it, then the younger one's lower seq when that
    commits, each once."""
    from sqlalchemy import func, select

    db = pg_db
    older_has_xid, younger_in, older_done = (threading.Event() for _ in range(3))

    def older():
        with db.writer() as conn:
            conn.execute(select(func.pg_current_xact_id()))  # its xid first
            older_has_xid.set()
            younger_in.wait(5)
            journal.record(conn, [_change("older")])
        older_done.set()

    def younger():
        older_has_xid.wait(5)
        with db.writer() as conn:
            journal.record(conn, [_change("younger")])  # the lower seq
            younger_in.set()
            older_done.wait(5)
            release.wait(5)

    release = threading.Event()
    threads = [threading.Thread(target=older), threading.Thread(target=younger)]
    for t in threads:
        t.start()
    older_done.wait(5)
    with db.reader() as conn:
        first, cursor = journal.read_since(conn, journal.Cursor())
    release.set()
    for t in threads:
        t.join()
    with db.reader() as conn:
        second, cursor = journal.read_since(conn, cursor)
        third, cursor = journal.read_since(conn, cursor)
    assert [r["resource_id"] for r in first] == ["older"]
    assert [r["resource_id"] for r in second] == ["younger"]
    assert third == []
    assert second[0]["seq"] < first[0]["seq"]
