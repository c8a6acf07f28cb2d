"""L3 agent scheduling: a router with a gateway or an interface is placed on the
alive, admin-up L3 agent carrying the fewest routers, its ports bound to that host,
moved when that agent dies; the admin views and calls of l3_agent_scheduler; the
host's agent feed document carries the router and its floating IPs."""
from __future__ import annotations

import uuid

import pytest

from tests.support.agents import new_host, register_ok
from tests.support.client import Client
from tests.support.databases import new_database
from tests.support.server import ServerProcess
from tests.support.waiting import wait_for

L3 = "L3 agent"
DOWN_TIME = 6


@pytest.fixture(scope="module", params=["sqlite"])
def quick(request, tmp_path_factory):
    """A server of its own: placement depends on every L3 agent registered."""
    url = new_database(request, tmp_path_factory.mktemp("l3s"), "l3s")
    server = ServerProcess(database_url=url, extra_conf=(
        f"agent_down_time = {DOWN_TIME}\nagent_check_interval = 1")).start()
    yield server
    server.stop()


@pytest.fixture
def admin(quick) -> Client:
    for agent in Client(quick.url).get("/v2.0/agents").json["agents"]:
        Client(quick.url).delete(f"/v2.0/agents/{agent['id']}")
    return Client(quick.url)


def l3_agent(admin: Client, host: str | None = None) -> dict:
    host = host or new_host()
    register_ok(admin, host)  # its switch agent: the router's ports bind there
    return register_ok(admin, host, L3, configurations={"agent_mode": "legacy", "routers": 0})


def external(admin: Client) -> dict:
    r = admin.post("/v2.0/networks", json={"network": {"name": "ext", "router:external": True}})
    assert r.status == 201, r
    net = r.json["network"]
    cidr = f"203.0.{uuid.uuid4().int % 250}.0/24"
    r = admin.post("/v2.0/subnets", json={"subnet": {"network_id": net["id"], "cidr": cidr,
                                                     "ip_version": 4}})
    assert r.status == 201, r
    return net


def router(admin: Client, gateway: dict | None = None) -> dict:
    body = {"name": "r"}
    if gateway:
        body["external_gateway_info"] = {"network_id": gateway["id"]}
    r = admin.post("/v2.0/routers", json={"router": body})
    assert r.status == 201, r
    return r.json["router"]


def hosting(admin: Client, router_id: str) -> list[str]:
    r = admin.get(f"/v2.0/routers/{router_id}/l3-agents")
    assert r.status == 200, r
    return [a["host"] for a in r.json["agents"]]


def router_ports(admin: Client, router_id: str) -> list[dict]:
    return admin.get("/v2.0/ports", params={"device_id": router_id}).json["ports"]


def test_router_with_a_gateway_is_placed_on_the_l3_agent_and_its_port_bound_there(admin):
    agent = l3_agent(admin)
    r = router(admin, external(admin))
    assert hosting(admin, r["id"]) == [agent["host"]]
    listed = admin.get(f"/v2.0/agents/{agent['id']}/l3-routers").json["routers"]
    assert [x["id"] for x in listed] == [r["id"]]
    assert [p["binding:host_id"] for p in router_ports(admin, r["id"])] == [agent["host"]]


def test_router_without_ports_is_not_placed_until_it_gets_an_interface(admin):
    agent = l3_agent(admin)
    r = router(admin)
    assert hosting(admin, r["id"]) == []
    net = admin.post("/v2.0/networks", json={"network": {"name": "in"}}).json["network"]
    sub = admin.post("/v2.0/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "10.9.0.0/24", "ip_version": 4}}).json["subnet"]
    assert admin.put(f"/v2.0/routers/{r['id']}/add_router_interface",
                     json={"subnet_id": sub["id"]}).status == 200
    assert hosting(admin, r["id"]) == [agent["host"]]
    ports = router_ports(admin, r["id"])
    assert [(p["device_owner"], p["binding:host_id"]) for p in ports] == [
        ("network:router_interface", agent["host"])]


def test_routers_go_to_the_agent_with_fewest_and_not_to_a_dead_or_disabled_one(admin):
    first, second, disabled = l3_agent(admin), l3_agent(admin), l3_agent(admin)
    assert admin.put(f"/v2.0/agents/{disabled['id']}",
                     json={"agent": {"admin_state_up": False}}).status == 200
    ext = external(admin)
    hosts = [hosting(admin, router(admin, ext)["id"])[0] for _ in range(4)]
    assert set(hosts) == {first["host"], second["host"]}

    def load(agent: dict) -> int:  # routers of earlier tests' deleted agents moved here too
        return len(admin.get(f"/v2.0/agents/{agent['id']}/l3-routers").json["routers"])
    assert abs(load(first) - load(second)) <= 1 and load(disabled) == 0


def test_router_moves_when_its_agent_dies(admin):
    doomed = l3_agent(admin)
    r = router(admin, external(admin))
    assert hosting(admin, r["id"]) == [doomed["host"]]
    survivor = new_host()

    def moved() -> bool:
        l3_agent(admin, survivor)  # heartbeats: the survivor stays alive meanwhile
        return hosting(admin, r["id"]) == [survivor]
    assert wait_for(moved, timeout=DOWN_TIME + 10)
    assert [p["binding:host_id"] for p in router_ports(admin, r["id"])] == [survivor]


def test_admin_adds_and_removes_a_router_as_neutron_answers(admin, quick):
    agent, other = l3_agent(admin), l3_agent(admin)
    assert admin.put(f"/v2.0/agents/{agent['id']}", json={"agent": {"admin_state_up": False}}).status == 200
    assert admin.put(f"/v2.0/agents/{other['id']}", json={"agent": {"admin_state_up": False}}).status == 200
    r = router(admin, external(admin))
    assert hosting(admin, r["id"]) == []
    assert admin.put(f"/v2.0/agents/{agent['id']}", json={"agent": {"admin_state_up": True}}).status == 200
    # Set admin up: the agent takes the router nobody carries.
    assert hosting(admin, r["id"]) == [agent["host"]]
    path = f"/v2.0/agents/{agent['id']}/l3-routers"
    assert admin.delete(f"{path}/{r['id']}").status == 204
    assert hosting(admin, r["id"]) == []
    assert [p["binding:host_id"] for p in router_ports(admin, r["id"])] == [""]
    again = admin.delete(f"{path}/{r['id']}")
    assert again.status == 409 and again.json["NeutronError"]["type"] == "RouterNotHostedByL3Agent"
    assert admin.post(path, json={"router_id": r["id"]}).status == 201
    assert hosting(admin, r["id"]) == [agent["host"]]
    twice = admin.post(path, json={"router_id": r["id"]})
    assert twice.status == 409 and twice.json["NeutronError"]["type"] == "RouterHostedByL3Agent"
    assert admin.post(path, json={}).status == 400
    assert admin.post(path, json={"router_id": str(uuid.uuid4())}).status == 404
    switch = [a for a in admin.get("/v2.0/agents", params={"host": agent["host"]}).json["agents"]
              if a["agent_type"] != L3][0]
    wrong = admin.post(f"/v2.0/agents/{switch['id']}/l3-routers", json={"router_id": r["id"]})
    assert wrong.status == 404 and wrong.json["NeutronError"]["type"] == "InvalidL3Agent"
    member = Client(quick.url, uuid.uuid4().hex, "member,reader")
    assert member.get(path).status == 404
    assert member.get(f"/v2.0/routers/{r['id']}/l3-agents").status == 404


def test_extension_is_listed(admin):
    r = admin.get("/v2.0/extensions/l3_agent_scheduler")
    assert r.status == 200 and r.json["extension"]["alias"] == "l3_agent_scheduler"


def test_feed_document_of_the_host_carries_its_router_and_floating_ips(admin):
    agent = l3_agent(admin)
    ext = external(admin)
    r = router(admin, ext)
    state = admin.get(f"/feed/v1/hosts/{agent['host']}/state").json
    # (Routers of earlier tests' deleted agents moved here too.)
    [doc] = [x for x in state["state"]["routers"] if x["id"] == r["id"]]
    assert doc["gw_port"]["device_owner"] == "network:router_gateway"
    assert doc["gw_port"]["binding:host_id"] == agent["host"]
    assert doc["_interfaces"] == [] and state["state"]["floatingips"] == []
    # A floating IP of the router arrives in a watch as a derived change.
    net = admin.post("/v2.0/networks", json={"network": {"name": "in"}}).json["network"]
    sub = admin.post("/v2.0/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "10.8.0.0/24", "ip_version": 4}}).json["subnet"]
    admin.put(f"/v2.0/routers/{r['id']}/add_router_interface", json={"subnet_id": sub["id"]})
    vm = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"]}}).json["port"]
    fip = admin.post("/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": ext["id"], "port_id": vm["id"]}})
    assert fip.status == 201, fip
    watch = admin.get(f"/feed/v1/hosts/{agent['host']}/watch",
                      params={"cursor": state["cursor"], "timeout": 5}).json
    kinds = {(c["resource_type"], c["resource_id"]) for c in watch["changes"]}
    assert ("floatingip", fip.json["floatingip"]["id"]) in kinds and ("router", r["id"]) in kinds
    routers = [c["body"] for c in watch["changes"] if c["resource_type"] == "router"]
    assert [p["network_id"] for p in routers[-1]["_interfaces"]] == [net["id"]]
    # Deleted: a delete of each.
    admin.delete(f"/v2.0/floatingips/{fip.json['floatingip']['id']}")
    later = admin.get(f"/feed/v1/hosts/{agent['host']}/watch",
                      params={"cursor": watch["cursor"], "timeout": 5}).json
    assert ("floatingip", fip.json["floatingip"]["id"], "delete") in {
        (c["resource_type"], c["resource_id"], c["operation"]) for c in later["changes"]}


def test_l3_agent_reports_floating_ip_status_of_its_routers_only(admin):
    agent, other = l3_agent(admin), l3_agent(admin)
    ext = external(admin)
    r = router(admin, ext)
    host = hosting(admin, r["id"])[0]
    elsewhere = other["host"] if host == agent["host"] else agent["host"]
    net = admin.post("/v2.0/networks", json={"network": {"name": "in"}}).json["network"]
    sub = admin.post("/v2.0/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "10.7.0.0/24", "ip_version": 4}}).json["subnet"]
    admin.put(f"/v2.0/routers/{r['id']}/add_router_interface", json={"subnet_id": sub["id"]})
    vm = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"]}}).json["port"]
    fip = admin.post("/v2.0/floatingips", json={"floatingip": {
        "floating_network_id": ext["id"], "port_id": vm["id"]}}).json["floatingip"]
    assert fip["status"] == "DOWN"
    ignored = admin.post(f"/feed/v1/hosts/{elsewhere}/floatingips",
                         json={"floatingips": {fip["id"]: "ACTIVE"}})
    assert ignored.status == 200 and ignored.json == {"floatingips": {}}
    done = admin.post(f"/feed/v1/hosts/{host}/floatingips", json={"floatingips": {fip["id"]: "ACTIVE"}})
    assert done.status == 200 and done.json == {"floatingips": {fip["id"]: "ACTIVE"}}
    shown = admin.get(f"/v2.0/floatingips/{fip['id']}").json["floatingip"]
    assert shown["status"] == "ACTIVE" and shown["revision_number"] > fip["revision_number"]
    for bad in ({"floatingips": {fip["id"]: "UP"}}, {"floatingips": {"nope": "DOWN"}},
                {"floatingips": []}, {"statuses": {}}):
        r400 = admin.post(f"/feed/v1/hosts/{host}/floatingips", json=bad)
        assert r400.status == 400, (bad, r400)
    assert admin.get(f"/v2.0/floatingips/{fip['id']}").json["floatingip"]["status"] == "ACTIVE"
