"""Every write of the address-management API (address scopes, subnet pools and their
actions, subnets from pools, onboarding) appends exactly one journal row per changed
resource, whose body is what a GET returns afterwards. Once per backend."""
from __future__ import annotations

import pytest

from neutrino.db import journal
from tests.support.client import Client
from tests.support.server import ServerProcess


@pytest.fixture
def api(database):
    server = ServerProcess(database_url=database.url).start()
    yield Client(server.url)
    server.stop()


class Journal:
    def __init__(self, db) -> None:
        self.db = db
        self.cursor = self._read(0)[-1]["seq"] if self._read(0) else 0

    def _read(self, after: int) -> list[dict]:
        with self.db.reader() as conn:
            return journal.read(conn, after, limit=100000)

    def since_last(self) -> list[dict]:
        rows = self._read(self.cursor)
        if rows:
            self.cursor = rows[-1]["seq"]
        return rows


def _changed(rows: list[dict]) -> list[tuple[str, str, str]]:
    return [(r["resource_type"], r["operation"], r["resource_id"]) for r in rows]


def _assert_body(rows: list[dict], resource_id: str, shown: dict) -> None:
    body = next(r["body"] for r in rows if r["resource_id"] == resource_id)
    assert body == shown
    assert next(r["revision_number"] for r in rows if r["resource_id"] == resource_id) == (
        shown["revision_number"])


def test_address_management_writes_journal_full_bodies(api, database):
    log = Journal(database)
    scope = api.create("address-scopes", "address_scope", name="s", ip_version=4)
    rows = log.since_last()
    assert _changed(rows) == [("address_scope", "create", scope["id"])]
    _assert_body(rows, scope["id"], api.show("address-scopes", scope["id"]))

    assert api.put(f"/v2.0/address-scopes/{scope['id']}",
                   {"address_scope": {"name": "renamed"}}).status == 200
    rows = log.since_last()
    assert _changed(rows) == [("address_scope", "update", scope["id"])]
    _assert_body(rows, scope["id"], api.show("address-scopes", scope["id"]))

    pool = api.create("subnetpools", "subnetpool", name="p", prefixes=["10.70.0.0/16"],
                      address_scope_id=scope["id"], default_prefixlen=24)
    rows = log.since_last()
    assert _changed(rows) == [("subnetpool", "create", pool["id"])]
    _assert_body(rows, pool["id"], api.show("subnetpools", pool["id"]))

    for action, prefixes in (("add_prefixes", ["10.71.0.0/16"]),
                             ("remove_prefixes", ["10.71.0.0/17"])):
        assert api.put(f"/v2.0/subnetpools/{pool['id']}/{action}",
                       {"prefixes": prefixes}).status == 200
        rows = log.since_last()
        assert _changed(rows) == [("subnetpool", "update", pool["id"])]
        _assert_body(rows, pool["id"], api.show("subnetpools", pool["id"]))

    net = api.network()
    log.since_last()
    sub = api.create("subnets", "subnet", network_id=net["id"], ip_version=4,
                     subnetpool_id=pool["id"])
    rows = log.since_last()
    assert ("subnet", "create", sub["id"]) in _changed(rows)
    _assert_body(rows, sub["id"], api.show("subnets", sub["id"]))

    other = api.network()
    onboarded = api.subnet(other["id"], "192.168.70.0/24")
    log.since_last()
    assert api.put(f"/v2.0/subnetpools/{pool['id']}/onboard_network_subnets",
                   {"network_id": other["id"]}).status == 200
    rows = log.since_last()
    # A subnet's change is one of its network too (revision; here its address scope).
    assert sorted(_changed(rows)) == sorted([("subnetpool", "update", pool["id"]),
                                             ("subnet", "update", onboarded["id"]),
                                             ("network", "update", other["id"])])
    _assert_body(rows, pool["id"], api.show("subnetpools", pool["id"]))
    _assert_body(rows, onboarded["id"], api.show("subnets", onboarded["id"]))
    _assert_body(rows, other["id"], api.show("networks", other["id"]))
    assert api.show("networks", other["id"])["ipv4_address_scope"] == scope["id"]

    assert api.put(f"/v2.0/address-scopes/{scope['id']}",
                   {"address_scope": {"shared": True}}).status == 200
    rows = log.since_last()
    assert [(t, o) for t, o, _i in _changed(rows)] == [("rbac_policy", "create"),
                                                      ("address_scope", "update")]
    _assert_body(rows, scope["id"], api.show("address-scopes", scope["id"]))

    for sid in (sub["id"], onboarded["id"]):
        assert api.delete(f"/v2.0/subnets/{sid}").status == 204
    log.since_last()
    assert api.delete(f"/v2.0/subnetpools/{pool['id']}").status == 204
    assert _changed(log.since_last()) == [("subnetpool", "delete", pool["id"])]
    assert api.delete(f"/v2.0/address-scopes/{scope['id']}").status == 204
    assert [(t, o) for t, o, _i in _changed(log.since_last())] == [
        ("rbac_policy", "delete"), ("address_scope", "delete")]


def test_refused_address_management_writes_leave_no_journal_row(api, database):
    scope = api.create("address-scopes", "address_scope", name="s", ip_version=4)
    pool = api.create("subnetpools", "subnetpool", name="p", prefixes=["10.72.0.0/16"],
                      address_scope_id=scope["id"])
    log = Journal(database)
    assert api.delete(f"/v2.0/address-scopes/{scope['id']}").status == 409
    assert api.post("/v2.0/subnetpools", {"subnetpool": {
        "name": "q", "prefixes": ["10.72.1.0/24"], "address_scope_id": scope["id"]}}).status == 409
    assert api.put(f"/v2.0/subnetpools/{pool['id']}/remove_prefixes",
                   {"prefixes": ["10.72.0.0/16"]}).status == 400
    assert log.since_last() == []
