"""The agent feed's share of east-west routing: a host with a port on a network of a
router gets that router's interfaces (networks, MACs, gateway addresses) and the
ports of the router's other networks with their hosts; a host without gets none of
it, neither in its state nor in its watch."""
from __future__ import annotations

import uuid

import pytest

from neutrino.agent.feed import FeedClient
from tests.support.agents import new_host, register_ok
from tests.support.client import Client
from tests.support.databases import new_database
from tests.support.server import ServerProcess


@pytest.fixture(scope="module", params=["sqlite"])
def admin(request, tmp_path_factory) -> Client:
    url = new_database(request, tmp_path_factory.mktemp("dvrfeed"), "dvrfeed")
    server = ServerProcess(database_url=url).start()
    request.addfinalizer(server.stop)
    client = Client(server.url)
    register_ok(client, new_host(), "L3 agent", configurations={"agent_mode": "legacy"})
    return client


def _network(admin: Client, cidr: str) -> tuple[dict, dict]:
    net = admin.post("/v2.0/networks", json={"network": {"name": "n"}}).json["network"]
    r = admin.post("/v2.0/subnets", json={"subnet": {"network_id": net["id"], "cidr": cidr,
                                                     "ip_version": 4}})
    assert r.status == 201, r
    return net, r.json["subnet"]


def _vm(admin: Client, net: dict, host: str) -> dict:
    r = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"], "binding:host_id": host,
                                                 "device_owner": "compute:nova",
                                                 "device_id": str(uuid.uuid4())}})
    assert r.status == 201, r
    return r.json["port"]


def _state(admin: Client, host: str) -> dict:
    r = admin.get(f"/feed/v1/hosts/{host}/state")
    assert r.status == 200, r
    return r.json


def _watch(admin: Client, host: str, cursor: str) -> dict:
    r = admin.get(f"/feed/v1/hosts/{host}/watch", params={"cursor": cursor, "timeout": 3})
    assert r.status == 200, r
    return r.json


def _kinds(watch: dict) -> set[tuple[str, str, str]]:
    return {(c["resource_type"], c["resource_id"], c["operation"]) for c in watch["changes"]}


def test_hosts_of_a_routers_networks_get_its_interfaces_and_the_other_networks_ports(admin):
    b, c, d = new_host(), new_host(), new_host()
    for host in (b, c, d):
        register_ok(admin, host)
    (one, sub1), (two, sub2), (three, sub3) = (_network(admin, f"10.5{n}.0.0/24") for n in (1, 2, 3))
    vm_b, vm_c, _vm_d = _vm(admin, one, b), _vm(admin, two, c), _vm(admin, three, d)
    router = admin.post("/v2.0/routers", json={"router": {"name": "ew"}}).json["router"]
    for sub in (sub1, sub2):
        r = admin.put(f"/v2.0/routers/{router['id']}/add_router_interface",
                      json={"subnet_id": sub["id"]})
        assert r.status == 200, r

    state_b = _state(admin, b)
    [doc] = state_b["state"]["distributed_routers"]
    assert doc["id"] == router["id"] and doc["admin_state_up"] is True
    interfaces = {i["network_id"]: i for i in doc["interfaces"]}
    assert set(interfaces) == {one["id"], two["id"]}
    ports = {p["id"]: p for p in admin.get("/v2.0/ports", params={"device_id": router["id"]})
             .json["ports"]}
    for net, sub in ((one, sub1), (two, sub2)):
        iface = interfaces[net["id"]]
        assert iface["mac_address"] == ports[iface["port_id"]]["mac_address"]
        assert iface["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": sub["gateway_ip"]}]
    # Where host-b routes to: network two, its subnet, and host-c's VM with its host.
    held = {p["id"]: p for p in state_b["state"]["ports"]}
    assert held[vm_c["id"]]["binding:host_id"] == c
    assert two["id"] in {n["id"] for n in state_b["state"]["networks"]}
    assert sub2["id"] in {s["id"] for s in state_b["state"]["subnets"]}
    # host-c symmetrically; host-d, on no network of the router, gets none of it.
    assert [r["id"] for r in _state(admin, c)["state"]["distributed_routers"]] == [router["id"]]
    assert vm_b["id"] in {p["id"] for p in _state(admin, c)["state"]["ports"]}
    state_d = _state(admin, d)
    assert state_d["state"]["distributed_routers"] == []
    assert {p["id"] for p in state_d["state"]["ports"]}.isdisjoint({vm_b["id"], vm_c["id"]})

    # The interface on network two removed: host-b's router update, network two leaves its
    # document; host-d is told nothing.
    r = admin.put(f"/v2.0/routers/{router['id']}/remove_router_interface",
                  json={"subnet_id": sub2["id"]})
    assert r.status == 200, r
    watch_b = _watch(admin, b, state_b["cursor"])
    updates = [ch["body"] for ch in watch_b["changes"] if ch["resource_type"] == "distributed_router"]
    assert [i["network_id"] for i in updates[-1]["interfaces"]] == [one["id"]]
    assert ("network", two["id"], "delete") in _kinds(watch_b)
    watch_d = _watch(admin, d, state_d["cursor"])
    assert watch_d["changes"] == []

    # An interface on network three: host-d now gets the router, as a create.
    r = admin.put(f"/v2.0/routers/{router['id']}/add_router_interface",
                  json={"subnet_id": sub3["id"]})
    assert r.status == 200, r
    later_d = _watch(admin, d, watch_d["cursor"])
    assert ("distributed_router", router["id"], "create") in _kinds(later_d)
    assert ("port", vm_b["id"], "create") in _kinds(later_d)  # network one enters its document
    # The router's interfaces gone: every host is told to forget it.
    for sub in (sub1, sub3):
        admin.put(f"/v2.0/routers/{router['id']}/remove_router_interface", json={"subnet_id": sub["id"]})
    assert ("distributed_router", router["id"], "delete") in _kinds(
        _watch(admin, d, later_d["cursor"]))


def test_kept_document_equals_a_fresh_state_through_router_changes(admin):
    """The agent's FeedClient, applying the watch's changes, keeps what a fresh state shows."""
    host, other = new_host(), new_host()
    for h in (host, other):
        register_ok(admin, h)
    (one, sub1), (two, sub2) = (_network(admin, f"10.6{n}.0.0/24") for n in (1, 2))
    _vm(admin, one, host)
    client = FeedClient(admin.base, host)
    cursor, _ = client.state()
    router = admin.post("/v2.0/routers", json={"router": {"name": "kept"}}).json["router"]
    path = f"/v2.0/routers/{router['id']}"
    steps = [
        lambda: admin.put(f"{path}/add_router_interface", json={"subnet_id": sub1["id"]}),
        lambda: admin.put(f"{path}/add_router_interface", json={"subnet_id": sub2["id"]}),
        lambda: admin.post("/v2.0/ports", json={"port": {
            "network_id": two["id"], "binding:host_id": other, "device_owner": "compute:nova"}}),
        lambda: admin.put(path, json={"router": {"admin_state_up": False}}),
        lambda: admin.put(path, json={"router": {"admin_state_up": True}}),
        lambda: admin.put(f"{path}/remove_router_interface", json={"subnet_id": sub2["id"]}),
        lambda: admin.put(f"{path}/remove_router_interface", json={"subnet_id": sub1["id"]}),
    ]
    for step in steps:
        assert step().status in (200, 201)
        cursor = _drain(client, cursor)
        _, fresh = FeedClient(admin.base, host).state()
        assert client.document.desired() == fresh
    assert client.document.desired().distributed_routers == ()


def _drain(client: FeedClient, cursor: str) -> str:
    for _ in range(50):
        cursor, changed = client.watch(cursor, timeout=0.3)
        if changed is None:
            return cursor
    raise AssertionError("the watch never went quiet")
