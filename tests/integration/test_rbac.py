"""RBAC policies in-process: a policy change is also journaled as an update of the
network it governs (in the same transaction), and migration 0004 turns the old
router_external column into access_as_external policies."""
from __future__ import annotations

import uuid

import pytest
import sqlalchemy as sa
from alembic import command

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.networks import NetworkPlugin
from neutrino.core.ports import PortPlugin
from neutrino.core.rbac_policies import RbacPolicyPlugin
from neutrino.db import journal, migration
from neutrino.db.engine import Database
from tests.support.databases import new_database

ADMIN = Context.admin()


def rows_after(db, seq: int) -> list[dict]:
    with db.reader() as conn:
        return journal.read(conn, seq)


def last_seq(db) -> int:
    with db.reader() as conn:
        found = journal.read(conn, 0, limit=1_000_000)
    return found[-1]["seq"] if found else 0


def test_policy_create_and_delete_journal_the_network_update(database, conf):
    nets, policies = NetworkPlugin(database, conf), RbacPolicyPlugin(database, conf)
    net = nets.create(ADMIN, {"name": "n", "project_id": "p"})
    start = last_seq(database)
    pol = policies.create(ADMIN, {"object_type": "network", "object_id": net["id"],
                                  "action": "access_as_shared", "target_tenant": "*",
                                  "project_id": "p"})
    created = [(r["resource_type"], r["operation"]) for r in rows_after(database, start)]
    assert created == [("network", "update"), ("rbac_policy", "create")]
    network_row = rows_after(database, start)[0]
    assert network_row["body"]["shared"] is True
    assert network_row["revision_number"] == net["revision_number"] + 1
    start = last_seq(database)
    policies.delete(ADMIN, pol["id"])
    deleted = rows_after(database, start)
    assert [(r["resource_type"], r["operation"]) for r in deleted] == [
        ("network", "update"), ("rbac_policy", "delete")]
    assert deleted[0]["body"]["shared"] is False


def test_refused_policy_delete_leaves_no_journal_row(database, conf):
    nets, policies = NetworkPlugin(database, conf), RbacPolicyPlugin(database, conf)
    net = nets.create(ADMIN, {"name": "n", "project_id": "owner"})
    pol = policies.create(ADMIN, {"object_type": "network", "object_id": net["id"],
                                  "action": "access_as_shared", "target_tenant": "user",
                                  "project_id": "owner"})
    PortPlugin(database, conf).create(ADMIN, {"network_id": net["id"], "project_id": "user"})
    start = last_seq(database)
    with pytest.raises(exc.RbacPolicyInUse):
        policies.delete(ADMIN, pol["id"])
    assert rows_after(database, start) == []


def test_network_shared_on_create_journals_its_wildcard_policy(database, conf):
    nets = NetworkPlugin(database, conf)
    start = last_seq(database)
    net = nets.create(ADMIN, {"name": "n", "project_id": "p", "shared": True})
    entries = rows_after(database, start)
    # Its segment is journaled too (a resource of its own, /v2.0/segments).
    assert [(r["resource_type"], r["operation"]) for r in entries] == [
        ("segment", "create"), ("rbac_policy", "create"), ("network", "create")]
    assert entries[1]["body"]["object_id"] == net["id"]
    assert entries[1]["body"]["target_tenant"] == "*"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_at_0001(request, tmp_path):
    url = new_database(request, tmp_path, "mg")
    db = Database(url)
    migration.upgrade(db.engine, url, "0001")
    yield db, url
    db.dispose()


def _insert_network(conn, net_id: str, external: bool) -> None:
    conn.execute(sa.text(
        "INSERT INTO networks (id, project_id, name, description, revision_number, created_at,"
        " updated_at, admin_state_up, status, router_external, mtu, port_security_enabled,"
        " vlan_transparent, availability_zone_hints, dns_domain) VALUES (:id, 'p', '', '', 0,"
        " '2026-01-01T00:00:00Z', '2026-01-01T00:00:00Z', :t, 'ACTIVE', :ext, 1450, :t, :f,"
        " '[]', '')"), {"id": net_id, "ext": external, "t": True, "f": False})


def test_migration_turns_router_external_into_wildcard_policies_and_back(database_at_0001):
    db, url = database_at_0001
    external, internal = str(uuid.uuid4()), str(uuid.uuid4())
    with db.engine.begin() as conn:
        _insert_network(conn, external, True)
        _insert_network(conn, internal, False)
    migration.upgrade(db.engine, url)
    with db.engine.connect() as conn:
        policies = conn.execute(sa.text(
            "SELECT object_type, object_id, action, target_project, project_id"
            " FROM rbac_policies")).all()
        columns = {c["name"] for c in sa.inspect(conn).get_columns("networks")}
    assert [tuple(p) for p in policies] == [
        ("network", external, "access_as_external", "*", "p")]
    assert "router_external" not in columns
    cfg = migration.alembic_config(url)
    with db.engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")  # to before 0004, whatever came after it
    with db.engine.connect() as conn:
        flags = dict(conn.execute(sa.text("SELECT id, router_external FROM networks")).all())
    assert {k: bool(v) for k, v in flags.items()} == {external: True, internal: False}


# ---- racing requests on several workers (PostgreSQL) -----------------------------------
def test_concurrent_duplicate_policies_give_one_winner(pg_multiworker):
    from concurrent.futures import ThreadPoolExecutor

    from tests.support.client import Client
    admin = Client(pg_multiworker.url)
    net = admin.network()
    body = {"rbac_policy": {"object_type": "network", "object_id": net["id"],
                            "action": "access_as_shared", "target_tenant": uuid.uuid4().hex}}

    def create(_i: int) -> tuple[int, str | None]:
        r = Client(pg_multiworker.url).post("/v2.0/rbac-policies", body)
        return r.status, r.error_type

    with ThreadPoolExecutor(8) as pool:
        results = sorted(pool.map(create, range(12)), key=lambda x: x[0])
    assert results == [(201, None)] + [(409, "DuplicateRbacPolicy")] * 11


def test_revoking_a_grant_and_a_port_relying_on_it_never_both_succeed(pg_multiworker):
    """Either the port is created and the revocation refused, or the revocation wins
    and the port is refused: never a port left on a network no longer shared."""
    from concurrent.futures import ThreadPoolExecutor

    from tests.support.client import Client
    admin = Client(pg_multiworker.url)
    owner, user = admin.as_project(uuid.uuid4().hex), admin.as_project(uuid.uuid4().hex)
    user_project = user.session.headers["X-Project-Id"]
    for _ in range(25):
        net = owner.network()
        owner.subnet(net["id"], "10.50.0.0/24")
        pol = owner.create("rbac-policies", "rbac_policy", object_type="network",
                           object_id=net["id"], action="access_as_shared",
                           target_tenant=user_project)

        def revoke() -> int:
            return owner.as_project(owner.session.headers["X-Project-Id"]).delete(
                f"/v2.0/rbac-policies/{pol['id']}").status

        def plug() -> int:
            return user.as_project(user_project).post(
                "/v2.0/ports", {"port": {"network_id": net["id"]}}).status

        with ThreadPoolExecutor(2) as pool:
            revoked, plugged = pool.submit(revoke), pool.submit(plug)
            outcome = (revoked.result(), plugged.result())
        assert outcome in {(409, 201), (204, 404)}, outcome
        ports = admin.get("/v2.0/ports", params={"network_id": net["id"],
                                                 "project_id": user_project}).json["ports"]
        assert len(ports) == (1 if outcome == (409, 201) else 0)
