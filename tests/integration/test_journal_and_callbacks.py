"""Every change publishes before / precommit / after events and appends exactly one
journal row in its own transaction; a refused change leaves neither data nor row.
Readers never skip a row that commits late (PostgreSQL's outbox gap)."""
from __future__ import annotations

import threading
import time

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
    mine = [(r["operation"], r["revision_number"]) for r in rows(database, start)
            if r["resource_id"] == net["id"]]
    assert mine == [("create", 0), ("update", 1), ("delete", 2)]
    assert rows(database, start)[1]["body"]["name"] == "b"


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


def test_journal_rows_are_numbered_in_commit_order(request, conf):
    """Two writers on PostgreSQL: the one that commits later always has the higher seq,
    so a reader that saw seq N never later finds a committed row below N."""
    from neutrino.db.engine import Database
    from neutrino.db import migration
    import uuid
    url = request.getfixturevalue("postgres").create_database("jr_" + uuid.uuid4().hex[:8])
    db = Database(url)
    migration.upgrade(db.engine, url)
    first_in = threading.Event()

    def slow_writer():
        with db.writer() as conn:
            journal.append(conn, "network", "slow", "create", 0, {})
            first_in.set()
            time.sleep(0.5)  # commit late

    t = threading.Thread(target=slow_writer)
    t.start()
    first_in.wait(5)
    seen_while_in_flight = rows(db)
    with db.writer() as conn:
        journal.append(conn, "network", "fast", "create", 0, {})
    # Read as soon as the fast writer has committed: without commit-order numbering
    # this would show "fast" (seq 2) while "slow" (seq 1) is still in flight.
    seen_after_fast_commit = [r["resource_id"] for r in rows(db)]
    t.join()
    assert seen_while_in_flight == []
    assert seen_after_fast_commit == ["slow", "fast"]
    db.dispose()
