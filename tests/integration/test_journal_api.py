"""Every write the API offers leaves exactly one journal row per resource it changed,
with the body a GET returns afterwards and its real revision (a delete: the body it
had, and its revision + 1). Cascades, SLAAC addresses, RBAC and quotas included."""
from __future__ import annotations

import uuid
from collections import Counter

import pytest

from neutrino.db import journal
from neutrino.db.engine import Database
from tests.support.client import Client
from tests.support.databases import new_database
from tests.support.server import ServerProcess

PATHS = {"network": "networks", "subnet": "subnets", "port": "ports",
         "security_group": "security-groups", "security_group_rule": "security-group-rules",
         "rbac_policy": "rbac-policies", "segment": "segments"}


def segments(c: Client, net: dict, operation: str) -> list[tuple[str, str, str]]:
    """The journal rows of a network's segments (made and deleted with it: resources of
    their own, /v2.0/segments)."""
    found = c.get(f"/v2.0/segments?network_id={net['id']}").json["segments"]
    assert found, "a network has at least one segment"
    return [("segment", s["id"], operation) for s in found]


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def setup(request, tmp_path_factory):
    url = new_database(request, tmp_path_factory.mktemp("jr"), "jr")
    server = ServerProcess(database_url=url).start()
    db = Database(url)
    yield server, db
    db.dispose()
    server.stop()


class Journal:
    def __init__(self, client: Client, db: Database) -> None:
        self.client, self.db = client, db
        with db.reader() as conn:
            self.cursor = journal.read_since(conn, journal.Cursor(), limit=10**9)[1]

    def changes(self) -> list[dict]:
        with self.db.reader() as conn:
            rows, self.cursor = journal.read_since(conn, self.cursor, limit=10**9)
        return rows

    def expect(self, *changed: tuple[str, str, str]) -> list[dict]:
        """The rows since the last call are exactly ``changed`` ((type, id, operation),
        one each), each with the body a GET shows now and its revision."""
        rows = self.changes()
        got = Counter((r["resource_type"], r["resource_id"], r["operation"]) for r in rows)
        assert got == Counter(changed), rows
        for row in rows:
            rtype, rid, op = row["resource_type"], row["resource_id"], row["operation"]
            path = (f"/v2.0/quotas/{rid}" if rtype == "quota"
                    else f"/v2.0/{PATHS[rtype]}/{rid}")
            shown = self.client.get(path)
            if op == "delete" and rtype == "quota":  # the project's limits as they were
                assert row["body"]["project_id"] == rid
                continue
            if op == "delete":
                assert shown.status == 404
                assert row["body"]["id"] == rid
                if "revision_number" in row["body"]:
                    assert row["revision_number"] == row["body"]["revision_number"] + 1
                continue
            assert shown.status == 200, (path, shown)
            body = next(iter(shown.json.values()))
            assert row["body"] == body, (rtype, op)
            assert row["revision_number"] == body.get("revision_number", 0)
            if rtype in ("port", "subnet"):
                assert row["network_id"] == body["network_id"]
            if rtype == "network":
                assert row["network_id"] == rid
            if rtype == "port":
                assert row["host"] == (body["binding:host_id"] or None)
        return rows


@pytest.fixture
def j(setup) -> Journal:
    server, db = setup
    client = Client(server.url)
    client.get("/v2.0/security-groups")  # the admin project's default group, made now
    return Journal(client, db)


def test_network_subnet_port_create_update_delete(j):
    c = j.client
    net = c.network(name="n")
    j.expect(("network", net["id"], "create"), *segments(c, net, "create"))
    assert c.put(f"/v2.0/networks/{net['id']}", {"network": {"name": "m"}}).status == 200
    j.expect(("network", net["id"], "update"))
    # A network shows its subnets: their changes are changes of the network too.
    sub = c.subnet(net["id"], "10.1.0.0/24")
    j.expect(("subnet", sub["id"], "create"), ("network", net["id"], "update"))
    assert c.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"name": "s"}}).status == 200
    j.expect(("subnet", sub["id"], "update"), ("network", net["id"], "update"))
    port = c.port(net["id"], **{"binding:host_id": "host-1"})
    j.expect(("port", port["id"], "create"))
    assert c.put(f"/v2.0/ports/{port['id']}", {"port": {"name": "p"}}).status == 200
    j.expect(("port", port["id"], "update"))
    assert c.delete(f"/v2.0/ports/{port['id']}").status == 204
    j.expect(("port", port["id"], "delete"))
    assert c.delete(f"/v2.0/subnets/{sub['id']}").status == 204
    j.expect(("subnet", sub["id"], "delete"), ("network", net["id"], "update"))
    gone = segments(c, net, "delete")
    assert c.delete(f"/v2.0/networks/{net['id']}").status == 204
    j.expect(("network", net["id"], "delete"), *gone)


def test_network_delete_journals_its_service_ports_and_subnets(j):
    c = j.client
    net = c.network()
    sub = c.subnet(net["id"], "10.2.0.0/24")
    dhcp = c.port(net["id"], device_owner="network:dhcp")
    gone = segments(c, net, "delete")
    j.changes()
    assert c.delete(f"/v2.0/networks/{net['id']}").status == 204
    j.expect(("port", dhcp["id"], "delete"), ("subnet", sub["id"], "delete"),
             ("network", net["id"], "delete"), *gone)


def test_tags_and_bulk(j):
    c = j.client
    net = c.network()
    j.changes()
    assert c.put(f"/v2.0/networks/{net['id']}/tags", {"tags": ["a", "b"]}).status == 200
    j.expect(("network", net["id"], "update"))
    assert c.put(f"/v2.0/networks/{net['id']}/tags/c").status == 201
    j.expect(("network", net["id"], "update"))
    assert c.delete(f"/v2.0/networks/{net['id']}/tags").status == 204
    j.expect(("network", net["id"], "update"))
    r = c.post("/v2.0/networks", {"networks": [{"name": "x"}, {"name": "y"}]})
    assert r.status == 201
    j.expect(*(("network", n["id"], "create") for n in r.json["networks"]),
             *(row for n in r.json["networks"] for row in segments(c, n, "create")))


def test_rbac_policies_and_the_shared_flag(j):
    c = j.client
    net = c.network()
    j.changes()
    r = c.post("/v2.0/rbac-policies", {"rbac_policy": {
        "object_type": "network", "object_id": net["id"], "action": "access_as_shared",
        "target_tenant": uuid.uuid4().hex}})
    assert r.status == 201
    pol = r.json["rbac_policy"]
    j.expect(("rbac_policy", pol["id"], "create"), ("network", net["id"], "update"))
    r = c.put(f"/v2.0/rbac-policies/{pol['id']}",
              {"rbac_policy": {"target_tenant": uuid.uuid4().hex}})
    assert r.status == 200
    j.expect(("rbac_policy", pol["id"], "update"), ("network", net["id"], "update"))
    assert c.delete(f"/v2.0/rbac-policies/{pol['id']}").status == 204
    j.expect(("rbac_policy", pol["id"], "delete"), ("network", net["id"], "update"))
    assert c.put(f"/v2.0/networks/{net['id']}", {"network": {"shared": True}}).status == 200
    (wildcard,) = c.get(f"/v2.0/rbac-policies?object_id={net['id']}").json["rbac_policies"]
    j.expect(("rbac_policy", wildcard["id"], "create"), ("network", net["id"], "update"))
    assert c.put(f"/v2.0/networks/{net['id']}", {"network": {"shared": False}}).status == 200
    j.expect(("rbac_policy", wildcard["id"], "delete"),
             ("network", net["id"], "update"))


def test_quotas(j):
    c = j.client
    project = uuid.uuid4().hex
    assert c.put(f"/v2.0/quotas/{project}", {"quota": {"network": 7}}).status == 200
    j.expect(("quota", project, "update"))
    assert c.delete(f"/v2.0/quotas/{project}").status == 204
    rows = j.expect(("quota", project, "delete"))
    assert rows[0]["body"]["network"] == 7


def test_security_groups_and_rules(j):
    c = j.client
    r = c.post("/v2.0/security-groups", {"security_group": {"name": "web"}})
    group = r.json["security_group"]
    j.expect(("security_group", group["id"], "create"),
             *(("security_group_rule", rule["id"], "create")
               for rule in group["security_group_rules"]))
    assert c.put(f"/v2.0/security-groups/{group['id']}",
                 {"security_group": {"description": "d"}}).status == 200
    j.expect(("security_group", group["id"], "update"))
    r = c.post("/v2.0/security-group-rules", {"security_group_rule": {
        "security_group_id": group["id"], "direction": "ingress", "protocol": "tcp",
        "port_range_min": 80, "port_range_max": 80}})
    rule = r.json["security_group_rule"]
    j.expect(("security_group_rule", rule["id"], "create"),
             ("security_group", group["id"], "update"))
    assert c.delete(f"/v2.0/security-group-rules/{rule['id']}").status == 204
    j.expect(("security_group_rule", rule["id"], "delete"),
             ("security_group", group["id"], "update"))
    rules = c.get(f"/v2.0/security-groups/{group['id']}").json["security_group"][
        "security_group_rules"]
    assert c.delete(f"/v2.0/security-groups/{group['id']}").status == 204
    j.expect(("security_group", group["id"], "delete"),
             *(("security_group_rule", r["id"], "delete") for r in rules))


def test_slaac_subnets_change_the_ports_on_their_network(j):
    c = j.client
    net = c.network()
    port = c.port(net["id"])
    j.changes()
    sub = c.subnet(net["id"], "2001:db8:1::/64", ip_version=6, ipv6_address_mode="slaac",
                   ipv6_ra_mode="slaac")
    j.expect(("subnet", sub["id"], "create"), ("port", port["id"], "update"),
             ("network", net["id"], "update"))
    assert c.show("ports", port["id"])["fixed_ips"][0]["subnet_id"] == sub["id"]
    assert c.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"name": "v6"}}).status == 200
    j.expect(("subnet", sub["id"], "update"), ("network", net["id"], "update"))
    assert c.delete(f"/v2.0/subnets/{sub['id']}").status == 204
    j.expect(("subnet", sub["id"], "delete"), ("port", port["id"], "update"),
             ("network", net["id"], "update"))
    assert c.show("ports", port["id"])["fixed_ips"] == []
