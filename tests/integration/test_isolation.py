"""Project isolation, table-driven: every resource type x persona x action, with
the status and visibility a user observes.

Personas: admin, a member and a reader of the owning project, a member of
another project, and (with Keystone) callers without a token or with an invalid
one. The same table runs with noauth identity headers and with real Keystone
tokens (see tests/support/identity.py).

Each resource type is described once (how to create one owned by project A,
and how to change it); each persona's expectations are one row.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Callable

import pytest

from tests.support import identity as identities
from tests.support.client import Client

# Expected (list visibility, show, create, update, delete) per persona.
# "create" means creating the resource inside project A (for A's network, ...).
SEE = True
HIDDEN = False


@dataclass(frozen=True)
class Expect:
    listed: bool
    show: int
    create: int
    update: int
    delete: int


OWNER_MEMBER = Expect(SEE, 200, 201, 200, 204)
OWNER_READER = Expect(SEE, 200, 403, 403, 403)
ADMIN = Expect(SEE, 200, 201, 200, 204)
UNAUTHENTICATED = Expect(HIDDEN, 401, 401, 401, 401)


@dataclass(frozen=True)
class Kind:
    """One resource type: how to make one in project A, and what others get."""

    collection: str  # the list's body key
    path: str
    make: Callable[[Client, dict], dict]  # owner client, scratch -> create body
    update: dict
    other_member: Expect

    @property
    def changed(self) -> tuple[str, Any]:
        """The attribute the update sets, and its new value."""
        return next(iter(next(iter(self.update.values())).items()))


def _net(owner: Client, scratch: dict) -> dict:
    return {"network": {"name": "n-" + uuid.uuid4().hex[:6],
                        "project_id": scratch["project"]}}


def _subnet(owner: Client, scratch: dict) -> dict:
    scratch["n"] = scratch.get("n", 0) + 1
    return {"subnet": {"network_id": scratch["network"]["id"], "ip_version": 4,
                       "cidr": f"10.{scratch['n'] % 250}.{uuid.uuid4().int % 250}.0/24"}}


def _port(owner: Client, scratch: dict) -> dict:
    return {"port": {"network_id": scratch["network"]["id"], "project_id": scratch["project"]}}


def _group(owner: Client, scratch: dict) -> dict:
    return {"security_group": {"name": "sg-" + uuid.uuid4().hex[:6],
                               "project_id": scratch["project"]}}


def _rule(owner: Client, scratch: dict) -> dict:
    if "group" not in scratch:
        scratch["group"] = owner.create("security-groups", "security_group", name="iso")
    port = 1000 + uuid.uuid4().int % 60000
    return {"security_group_rule": {"security_group_id": scratch["group"]["id"],
                                    "direction": "ingress", "protocol": "tcp",
                                    "port_range_min": port, "port_range_max": port}}


def _rbac(owner: Client, scratch: dict) -> dict:
    return {"rbac_policy": {"object_type": "network", "object_id": scratch["network"]["id"],
                            "action": "access_as_shared", "target_tenant": uuid.uuid4().hex}}


def _router(owner: Client, scratch: dict) -> dict:
    return {"router": {"name": "r-" + uuid.uuid4().hex[:6], "project_id": scratch["project"]}}


def _floatingip(owner: Client, scratch: dict) -> dict:
    if "external" not in scratch:
        admin = scratch["admin"]
        scratch["external"] = admin.create("networks", "network", **{"router:external": True})
        admin.create("subnets", "subnet", network_id=scratch["external"]["id"], ip_version=4,
                     cidr=f"172.{16 + uuid.uuid4().int % 16}.{uuid.uuid4().int % 250}.0/24")
    return {"floatingip": {"floating_network_id": scratch["external"]["id"],
                           "project_id": scratch["project"]}}


def _scope(owner: Client, scratch: dict) -> dict:
    return {"address_scope": {"name": "as-" + uuid.uuid4().hex[:6], "ip_version": 4,
                              "project_id": scratch["project"]}}


def _pool(owner: Client, scratch: dict) -> dict:
    return {"subnetpool": {"name": "sp-" + uuid.uuid4().hex[:6], "prefixes": ["10.90.0.0/16"],
                           "project_id": scratch["project"]}}


def _trunk(owner: Client, scratch: dict) -> dict:
    # A port is one trunk's parent at most: a new one each time (in the owner's network,
    # so that only project A's callers and the admin see it).
    port = owner.create("ports", "port", network_id=scratch["network"]["id"])
    return {"trunk": {"port_id": port["id"]}}


KINDS = [
    # Another project may not name A's project as owner (400, as Neutron, before any
    # policy check); it cannot even see A's network to put a subnet on it (404).
    Kind("networks", "/v2.0/networks", _net, {"network": {"name": "changed"}},
         Expect(HIDDEN, 404, 400, 404, 404)),
    Kind("subnets", "/v2.0/subnets", _subnet, {"subnet": {"name": "changed"}},
         Expect(HIDDEN, 404, 404, 404, 404)),
    Kind("ports", "/v2.0/ports", _port, {"port": {"name": "changed"}},
         Expect(HIDDEN, 404, 400, 404, 404)),
    Kind("security_groups", "/v2.0/security-groups", _group,
         {"security_group": {"name": "changed"}}, Expect(HIDDEN, 404, 400, 404, 404)),
    Kind("security_group_rules", "/v2.0/security-group-rules", _rule,
         {"security_group_rule": {"description": "changed"}},
         Expect(HIDDEN, 404, 404, 404, 404)),
    Kind("rbac_policies", "/v2.0/rbac-policies", _rbac,
         {"rbac_policy": {"target_tenant": "0" * 32}}, Expect(HIDDEN, 404, 404, 404, 404)),
    Kind("routers", "/v2.0/routers", _router, {"router": {"name": "changed"}},
         Expect(HIDDEN, 404, 400, 404, 404)),
    Kind("floatingips", "/v2.0/floatingips", _floatingip,
         {"floatingip": {"description": "changed"}}, Expect(HIDDEN, 404, 400, 404, 404)),
    Kind("address_scopes", "/v2.0/address-scopes", _scope,
         {"address_scope": {"name": "changed"}}, Expect(HIDDEN, 404, 400, 404, 404)),
    Kind("subnetpools", "/v2.0/subnetpools", _pool, {"subnetpool": {"name": "changed"}},
         Expect(HIDDEN, 404, 400, 404, 404)),
    # Another project does not see A's port: no parent of its trunk (404).
    Kind("trunks", "/v2.0/trunks", _trunk, {"trunk": {"name": "changed"}},
         Expect(HIDDEN, 404, 404, 404, 404)),
]


def _singular(kind: Kind) -> str:
    return next(iter(kind.update))


@pytest.fixture(scope="module")
def identity(request):
    """Clients per persona for one identity mode (tests/support/identity.py)."""
    ident = identities.make(request.param, request)
    yield ident
    ident.close()


def _persona_expect(persona: str, kind: Kind) -> Expect:
    return {"admin": ADMIN, "owner_member": OWNER_MEMBER, "owner_reader": OWNER_READER,
            "other_member": kind.other_member, "no_token": UNAUTHENTICATED,
            "invalid_token": UNAUTHENTICATED}[persona]


PERSONAS = ["admin", "owner_member", "owner_reader", "other_member"]
# With noauth a request without identity headers is the admin, so callers
# without (valid) credentials exist only with Keystone.
MODES = [("noauth", p) for p in PERSONAS] + [
    # One test process starts Keystone: every keystone-mode case runs there.
    pytest.param("keystone", p, marks=pytest.mark.xdist_group("keystone"))
    for p in [*PERSONAS, "no_token", "invalid_token"]]


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.collection)
@pytest.mark.parametrize("identity,persona", MODES, indirect=["identity"])
def test_isolation(identity, persona: str, kind: Kind) -> None:
    caller = identity.client(persona)
    expect = _persona_expect(persona, kind)
    owner = identity.client("owner_member")
    scratch: dict[str, Any] = {"project": identity.project_a, "admin": identity.client("admin")}
    scratch["network"] = owner.create("networks", "network",
                                      name="iso-" + uuid.uuid4().hex[:6])
    created = owner.post(kind.path, kind.make(owner, scratch))
    assert created.status == 201, created
    item = created.json[_singular(kind)]
    member_path = f"{kind.path}/{item['id']}"

    listed = caller.get(kind.path)
    if expect.listed:
        assert listed.status == 200, listed
        assert item["id"] in [i["id"] for i in listed.json[kind.collection]]
    else:
        assert listed.status in (200, 401), listed
        if listed.status == 200:
            assert item["id"] not in [i["id"] for i in listed.json[kind.collection]]
        else:
            assert expect.show == 401

    shown = caller.get(member_path)
    assert shown.status == expect.show, shown
    if expect.show == 200:
        assert shown.json[_singular(kind)]["id"] == item["id"]

    made = caller.post(kind.path, kind.make(owner, scratch))
    assert made.status == expect.create, made

    updated = caller.put(member_path, kind.update)
    assert updated.status == expect.update, updated
    after = owner.get(member_path).json[_singular(kind)]
    key, value = kind.changed
    assert (after[key] == value) is (expect.update == 200)

    deleted = caller.delete(member_path)
    assert deleted.status == expect.delete, deleted
    assert owner.get(member_path).status == (404 if expect.delete == 204 else 200)


# Quotas are per project rather than owned resources: (show, details, update, delete)
# of project A's quota per persona.
QUOTA_EXPECT = {
    "admin": (200, 200, 200, 204),
    "owner_member": (200, 200, 403, 403),
    "owner_reader": (200, 200, 403, 403),
    "other_member": (403, 403, 404, 404),
    "no_token": (401, 401, 401, 401),
    "invalid_token": (401, 401, 401, 401),
}


@pytest.mark.parametrize("identity,persona", MODES, indirect=["identity"])
def test_quota_isolation(identity, persona: str) -> None:
    caller = identity.client(persona)
    show, details, update, delete = QUOTA_EXPECT[persona]
    admin = identity.client("admin")
    base = f"/v2.0/quotas/{identity.project_a}"
    # routers: nothing of project A counts against this limit yet
    assert admin.put(base, {"quota": {"router": 77}}).status == 200
    assert caller.get(base).status == show
    assert caller.get(base + "/details").status == details
    r = caller.put(base, {"quota": {"router": 33}})
    assert r.status == update, r
    expected = 33 if update == 200 else 77
    assert admin.get(base).json["quota"]["router"] == expected
    assert caller.delete(base).status == delete
    identities.lift_quotas(identity)  # a reset brought the default quotas back
    listed = caller.get("/v2.0/quotas")
    assert listed.status == {"admin": 200, "no_token": 401, "invalid_token": 401}.get(persona, 403)


# Read-only resources: (list shows A's network, show) per persona. IP availability
# is for admins by default; availability zones are for everyone authenticated.
READ_ONLY_EXPECT = {
    "admin": (True, 200, 200),
    "owner_member": (False, 404, 200),
    "owner_reader": (False, 404, 200),
    "other_member": (False, 404, 200),
    "no_token": (False, 401, 401),
    "invalid_token": (False, 401, 401),
}


@pytest.mark.parametrize("identity,persona", MODES, indirect=["identity"])
def test_read_only_resources_isolation(identity, persona: str) -> None:
    caller = identity.client(persona)
    listed_expected, show, zones = READ_ONLY_EXPECT[persona]
    net = identity.client("owner_member").create("networks", "network", name="iso-ro")
    listed = caller.get("/v2.0/network-ip-availabilities")
    assert listed.status == (401 if show == 401 else 200), listed
    if listed.status == 200:
        ids = [a["network_id"] for a in listed.json["network_ip_availabilities"]]
        assert (net["id"] in ids) is listed_expected
    assert caller.get(f"/v2.0/network-ip-availabilities/{net['id']}").status == show
    for method in (caller.post, caller.put):
        assert method(f"/v2.0/network-ip-availabilities/{net['id']}", {}).status in (
            401, 405)
    assert caller.get("/v2.0/availability_zones").status == zones


# A subnet pool's member actions, per persona: (add_prefixes, onboard_network_subnets).
POOL_ACTION_EXPECT = {
    "admin": (200, 200),
    "owner_member": (200, 200),
    "owner_reader": (403, 403),
    "other_member": (404, 404),
    "no_token": (401, 401),
    "invalid_token": (401, 401),
}


@pytest.mark.parametrize("identity,persona", MODES, indirect=["identity"])
def test_subnetpool_action_isolation(identity, persona: str) -> None:
    caller = identity.client(persona)
    add, onboard = POOL_ACTION_EXPECT[persona]
    owner = identity.client("owner_member")
    pool = owner.create("subnetpools", "subnetpool", name="iso-sp", prefixes=["10.91.0.0/24"])
    net = owner.create("networks", "network", name="iso-onboard")
    r = caller.put(f"/v2.0/subnetpools/{pool['id']}/add_prefixes",
                   {"prefixes": ["10.91.1.0/24"]})
    assert r.status == add, r
    assert owner.show("subnetpools", pool["id"])["prefixes"] == (
        ["10.91.0.0/23"] if add == 200 else ["10.91.0.0/24"])
    r = caller.put(f"/v2.0/subnetpools/{pool['id']}/onboard_network_subnets",
                   {"network_id": net["id"]})
    assert r.status == onboard, r


# Agents are an admin's: (list shows it, show, update, delete, register through the
# feed). Others list nothing and are told it does not exist, as Neutron answers. The
# feed is for agents: with Keystone the admin or service role, with noauth any caller
# on the loopback address (every test client is one).
AGENT_EXPECT = {
    "noauth": {"admin": (True, 200, 200, 200), "owner_member": (False, 404, 404, 200),
               "owner_reader": (False, 404, 404, 200), "other_member": (False, 404, 404, 200)},
    "keystone": {"admin": (True, 200, 200, 200), "owner_member": (False, 404, 404, 403),
                 "owner_reader": (False, 404, 404, 403), "other_member": (False, 404, 404, 403),
                 "no_token": (False, 401, 401, 401), "invalid_token": (False, 401, 401, 401)},
}


@pytest.mark.parametrize("identity,persona", MODES, indirect=["identity"])
def test_agent_isolation(identity, persona: str) -> None:
    caller, admin = identity.client(persona), identity.client("admin")
    listed_expected, show, update, feed = AGENT_EXPECT[identity.mode][persona]
    host = "iso-" + uuid.uuid4().hex[:8]
    registration = {"agent": {"host": host, "agent_type": "Open vSwitch agent",
                              "binary": "neutron-openvswitch-agent", "topic": "N/A",
                              "configurations": {}}}
    r = admin.post("/feed/v1/agents", registration)
    assert r.status == 200, r
    agent = r.json["agent"]
    listed = caller.get("/v2.0/agents")
    assert listed.status == (401 if show == 401 else 200), listed
    if listed.status == 200:
        assert (agent["id"] in [a["id"] for a in listed.json["agents"]]) is listed_expected
    assert caller.get(f"/v2.0/agents/{agent['id']}").status == show
    r = caller.put(f"/v2.0/agents/{agent['id']}", {"agent": {"description": persona}})
    assert r.status == update, r
    assert caller.post("/feed/v1/agents", registration).status == feed
    assert caller.post(f"/feed/v1/hosts/{host}/devices", {"up": []}).status == feed
    if persona != "admin":
        assert caller.delete(f"/v2.0/agents/{agent['id']}").status in (401, 404)
    assert admin.delete(f"/v2.0/agents/{agent['id']}").status == 204


# Packet logs are an admin's (Neutron's defaults): (list shows project A's log, show,
# create, update, delete, list loggable resources shows a type) per persona. Others
# are told a log does not exist and may not create one, as Neutron answers.
LOG_EXPECT = {
    "admin": (True, 200, 201, 200, 204, True),
    "owner_member": (False, 404, 403, 404, 404, False),
    "owner_reader": (False, 404, 403, 404, 404, False),
    "other_member": (False, 404, 403, 404, 404, False),
    "no_token": (False, 401, 401, 401, 401, False),
    "invalid_token": (False, 401, 401, 401, 401, False),
}


@pytest.mark.parametrize("identity,persona", MODES, indirect=["identity"])
def test_log_isolation(identity, persona: str) -> None:
    caller, admin = identity.client(persona), identity.client("admin")
    listed_expected, show, create, update, delete, types = LOG_EXPECT[persona]
    body = {"log": {"resource_type": "security_group", "project_id": identity.project_a}}
    r = admin.post("/v2.0/log/logs", body)
    assert r.status == 201, r
    log = r.json["log"]
    path = f"/v2.0/log/logs/{log['id']}"
    listed = caller.get("/v2.0/log/logs")
    assert listed.status == (401 if show == 401 else 200), listed
    if listed.status == 200:
        assert (log["id"] in [x["id"] for x in listed.json["logs"]]) is listed_expected
    assert caller.get(path).status == show
    # In the caller's own project: naming project A is refused before any policy check.
    made = caller.post("/v2.0/log/logs", {"log": {"resource_type": "security_group"}})
    assert made.status == create, made
    r = caller.put(path, {"log": {"enabled": False}})
    assert r.status == update, r
    assert admin.get(path).json["log"]["enabled"] is (update != 200)
    assert caller.delete(path).status == delete
    assert admin.get(path).status == (404 if delete == 204 else 200)
    kinds = caller.get("/v2.0/log/loggable-resources")
    assert kinds.status == (401 if show == 401 else 200), kinds
    if kinds.status == 200:
        assert bool(kinds.json["loggable_resources"]) is types
