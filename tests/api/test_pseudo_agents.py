"""Pseudo-agents (alias pseudo-agents, ours): agent records an admin registers
(POST /v2.0/agents) for a host no agent runs on, shown like any agent, never dead
by heartbeat, and the hosts the pseudo_agent mechanism driver binds ports on."""
from __future__ import annotations

import time
import uuid

import openstack
import pytest

from tests.support.agents import OVS, new_host, ovs_configurations, register, register_ok, report
from tests.support.client import Client
from tests.support.databases import new_database
from tests.support.server import ServerProcess

DOWN_TIME = 2
PSEUDO = "Pseudo agent"
VHOSTUSER = {"vnic_type": "normal", "vif_type": "vhostuser",
             "vif_details": {"vhostuser_socket": "/var/run/sdn/vhu", "port_filter": False}}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    url = new_database(request, tmp_path_factory.mktemp("pseudo"), "pseudo")
    server = ServerProcess(database_url=url, extra_conf=(
        f"agent_down_time = {DOWN_TIME}\nagent_check_interval = 1\n"
        "[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:100:199,physnet2:200:299\n")).start()
    yield server
    server.stop()


@pytest.fixture
def admin(server) -> Client:
    return Client(server.url)


@pytest.fixture
def member(server) -> Client:
    return Client(server.url, uuid.uuid4().hex, "member,reader")


@pytest.fixture
def sdk(server):
    conn = openstack.connection.Connection(auth_type="none", auth={"endpoint": server.url},
                                           network_endpoint_override=server.url + "/")
    yield conn
    conn.close()


def pseudo_agent(admin: Client, host: str, **more) -> dict:
    body = {"host": host, "configurations": {"physical_networks": ["physnet1"],
                                             "supported_vnic_types": [VHOSTUSER]}, **more}
    r = admin.post("/v2.0/agents", json={"agent": body})
    assert r.status == 201, r
    return r.json["agent"]


def network(admin: Client, network_type: str = "vlan", physnet: str | None = "physnet1") -> dict:
    provider = {"provider:network_type": network_type}
    if physnet:
        provider["provider:physical_network"] = physnet
    net = admin.network(name="n", **provider)
    admin.subnet(net["id"], cidr="10.7.0.0/24")
    return net


def bound_port(admin: Client, net: dict, host: str, **attrs) -> dict:
    r = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"],
                                                 "binding:host_id": host, **attrs}})
    assert r.status == 201, r
    return r.json["port"]


def vif(port: dict) -> tuple:
    return port["binding:vif_type"], port["binding:vif_details"]


def agent_count(admin: Client) -> int:
    return len(admin.get("/v2.0/agents").json["agents"])


# ---- the record ------------------------------------------------------------------------

def test_pseudo_agent_is_created_and_shown_like_any_agent(admin):
    host = new_host()
    agent = pseudo_agent(admin, host, description="SDN-controlled host")
    assert agent["agent_type"] == PSEUDO and agent["host"] == host
    assert (agent["binary"], agent["topic"]) == ("N/A", "N/A")
    assert agent["alive"] is True and agent["admin_state_up"] is True
    assert agent["description"] == "SDN-controlled host"
    assert agent["physical_networks"] == ["physnet1"]
    assert agent["configurations"] == {
        "physical_networks": ["physnet1"], "allowed_network_types": ["flat", "vlan"],
        "supported_vnic_types": [VHOSTUSER]}
    assert admin.get(f"/v2.0/agents/{agent['id']}").json == {"agent": agent}
    listed = admin.get("/v2.0/agents", params={"host": host}).json["agents"]
    assert listed == [agent]
    by_physnet = admin.get("/v2.0/agents", params={"physical_networks": "physnet1",
                                                   "agent_type": PSEUDO}).json["agents"]
    assert agent["id"] in [a["id"] for a in by_physnet]


def test_pseudo_agent_never_dies_by_heartbeat(admin):
    agent = pseudo_agent(admin, new_host())
    time.sleep(DOWN_TIME + 1.5)  # past agent_down_time, and a dead-agent check
    assert admin.get(f"/v2.0/agents/{agent['id']}").json["agent"]["alive"] is True
    alive = admin.get("/v2.0/agents", params={"host": agent["host"], "alive": "true"})
    assert [a["id"] for a in alive.json["agents"]] == [agent["id"]]
    dead = admin.get("/v2.0/agents", params={"host": agent["host"], "alive": "false"})
    assert dead.json["agents"] == []


def test_physical_networks_are_sorted_and_defaults_filled_in(admin):
    agent = pseudo_agent(admin, new_host(), admin_state_up=False, configurations={
        "physical_networks": ["zeta", "alpha"], "allowed_network_types": ["vxlan"],
        "supported_vnic_types": [{"vnic_type": "baremetal", "vif_type": "other"}]})
    assert agent["physical_networks"] == ["alpha", "zeta"]
    assert agent["admin_state_up"] is False
    assert agent["configurations"]["supported_vnic_types"] == [
        {"vnic_type": "baremetal", "vif_type": "other", "vif_details": {}}]


def test_sdk_lists_gets_updates_and_deletes_a_pseudo_agent(admin, sdk):
    agent = pseudo_agent(admin, new_host())
    found = list(sdk.network.agents(host=agent["host"]))
    assert [(a.id, a.agent_type, a.is_alive) for a in found] == [(agent["id"], PSEUDO, True)]
    got = sdk.network.get_agent(agent["id"])
    assert got.configuration["supported_vnic_types"] == [VHOSTUSER]
    assert sdk.network.update_agent(got, description="tor").description == "tor"
    sdk.network.delete_agent(got)
    assert list(sdk.network.agents(host=agent["host"])) == []


def _configurations(**changes) -> dict:
    conf = {"physical_networks": ["physnet1"], "supported_vnic_types": [VHOSTUSER]}
    conf.update(changes)
    return {k: v for k, v in conf.items() if v is not None}


@pytest.mark.parametrize("body, named", [
    ({}, "host"),
    ({"configurations": _configurations()}, "host"),
    ({"host": "", "configurations": _configurations()}, "host"),
    ({"host": "h" * 256, "configurations": _configurations()}, "host"),
    ({"host": "HOST"}, "configurations"),
    ({"host": "HOST", "agent_type": OVS, "configurations": _configurations()}, "agent_type"),
    ({"host": "HOST", "configurations": []}, "configurations"),
    ({"host": "HOST", "configurations": _configurations(supported_vnic_types=None)},
     "supported_vnic_types"),
    ({"host": "HOST", "configurations": _configurations(supported_vnic_types=[])},
     "supported_vnic_types"),
    ({"host": "HOST", "configurations": _configurations(supported_vnic_types=[
        {"vnic_type": "sparkly", "vif_type": "ovs"}])}, "sparkly"),
    ({"host": "HOST", "configurations": _configurations(supported_vnic_types=[
        {"vnic_type": "normal"}])}, "vif_type"),
    ({"host": "HOST", "configurations": _configurations(supported_vnic_types=[
        {"vnic_type": "normal", "vif_type": "binding_failed"}])}, "binding_failed"),
    ({"host": "HOST", "configurations": _configurations(supported_vnic_types=[
        VHOSTUSER, {"vnic_type": "normal", "vif_type": "ovs"}])}, "normal"),
    ({"host": "HOST", "configurations": _configurations(supported_vnic_types=[
        {"vnic_type": "normal", "vif_type": "ovs", "vif_details": "x"}])}, "x"),
    ({"host": "HOST", "configurations": _configurations(allowed_network_types=["ethernet"])},
     "ethernet"),
    ({"host": "HOST", "configurations": _configurations(physical_networks="physnet1")},
     "physnet1"),
    ({"host": "HOST", "configurations": _configurations(physical_networks=["p" * 65])},
     "64"),
    ({"host": "HOST", "configurations": _configurations(physical_networks=["a", "a"])},
     "Duplicate"),
    ({"host": "HOST", "configurations": _configurations(bridge_mappings={"a": "br"})},
     "bridge_mappings"),
    ({"host": "HOST", "configurations": _configurations(), "alive": False}, "alive"),
    ({"host": "HOST", "configurations": _configurations(), "admin_state_up": "maybe"},
     "admin_state_up"),
    ({"host": "HOST", "configurations": _configurations(), "description": "d" * 256},
     "description"),
])
def test_bad_input_is_400_naming_the_problem_and_creates_nothing(admin, body, named):
    before = agent_count(admin)
    if body.get("host") == "HOST":
        body = {**body, "host": new_host()}
    r = admin.post("/v2.0/agents", json={"agent": body})
    assert r.status == 400 and named in r.error_message, r
    assert r.error_type in ("HTTPBadRequest", "InvalidInput", "BadRequest"), r
    assert agent_count(admin) == before


def test_non_admin_may_not_create_one(admin, member):
    before = agent_count(admin)
    r = member.post("/v2.0/agents", json={"agent": {
        "host": new_host(), "configurations": _configurations()}})
    assert r.status == 403, r
    assert agent_count(admin) == before


def test_second_pseudo_agent_on_a_host_is_409_and_changes_nothing(admin):
    agent = pseudo_agent(admin, new_host())
    r = admin.post("/v2.0/agents", json={"agent": {
        "host": agent["host"], "configurations": _configurations(physical_networks=["x"])}})
    assert r.status == 409 and r.error_type == "AgentAlreadyExists", r
    assert agent["id"] in r.error_message
    assert admin.get(f"/v2.0/agents/{agent['id']}").json["agent"] == agent


def test_host_agents_do_not_report_as_pseudo_agents(admin):
    host = new_host()
    r = register(admin, host, PSEUDO, configurations={"physical_networks": ["physnet1"]})
    assert r.status == 400 and "POST /v2.0/agents" in r.error_message, r
    assert admin.get("/v2.0/agents", params={"host": host}).json["agents"] == []


def test_delete_unknown_pseudo_agent_is_404(admin):
    r = admin.delete(f"/v2.0/agents/{uuid.uuid4()}")
    assert r.status == 404 and r.error_type == "AgentNotFound", r


# ---- binding ----------------------------------------------------------------------------

def test_port_binds_on_a_pseudo_agent_host_with_the_declared_vif(admin):
    host = new_host()
    pseudo_agent(admin, host)
    p = bound_port(admin, network(admin), host)
    assert vif(p) == ("vhostuser", VHOSTUSER["vif_details"])
    shown = admin.get(f"/v2.0/ports/{p['id']}").json["port"]
    assert vif(shown) == ("vhostuser", VHOSTUSER["vif_details"])


def test_binding_fails_where_the_pseudo_agent_does_not_reach(admin):
    host = new_host()
    pseudo_agent(admin, host)
    assert vif(bound_port(admin, network(admin, physnet="physnet2"), host)) == (
        "binding_failed", {})
    # Overlays are reached only when declared.
    assert vif(bound_port(admin, network(admin, "vxlan", None), host))[0] == "binding_failed"
    # An undeclared vnic type.
    assert vif(bound_port(admin, network(admin), host, **{"binding:vnic_type": "direct"}))[
        0] == "binding_failed"


def test_declared_overlay_and_vnic_types_bind(admin):
    host = new_host()
    pseudo_agent(admin, host, configurations={
        "allowed_network_types": ["vxlan", "vlan"], "physical_networks": ["physnet2"],
        "supported_vnic_types": [{"vnic_type": "direct", "vif_type": "hw_veb",
                                  "vif_details": {"vlan": "0"}}, VHOSTUSER]})
    assert vif(bound_port(admin, network(admin, "vxlan", None), host))[0] == "vhostuser"
    p = bound_port(admin, network(admin, physnet="physnet2"), host,
                   **{"binding:vnic_type": "direct"})
    assert vif(p) == ("hw_veb", {"vlan": "0"})


def test_removing_the_pseudo_agent_makes_new_bindings_fail(admin):
    host = new_host()
    agent = pseudo_agent(admin, host)
    net = network(admin)
    before = bound_port(admin, net, host)
    assert vif(before)[0] == "vhostuser"
    assert admin.delete(f"/v2.0/agents/{agent['id']}").status == 204
    assert vif(bound_port(admin, net, host)) == ("binding_failed", {})
    # What was bound stays bound.
    assert vif(admin.get(f"/v2.0/ports/{before['id']}").json["port"])[0] == "vhostuser"


def test_admin_down_pseudo_agent_binds_nothing(admin):
    host = new_host()
    agent = pseudo_agent(admin, host, admin_state_up=False)
    net = network(admin)
    assert vif(bound_port(admin, net, host))[0] == "binding_failed"
    assert admin.put(f"/v2.0/agents/{agent['id']}",
                     json={"agent": {"admin_state_up": True}}).status == 200
    assert vif(bound_port(admin, net, host))[0] == "vhostuser"


def test_failed_ports_bind_once_the_pseudo_agent_is_registered(admin):
    host = new_host()
    p = bound_port(admin, network(admin), host)
    assert vif(p)[0] == "binding_failed"
    pseudo_agent(admin, host)
    assert vif(admin.get(f"/v2.0/ports/{p['id']}").json["port"])[0] == "vhostuser"


def test_a_host_agent_comes_first_on_a_host_with_both(admin):
    host = new_host()
    pseudo_agent(admin, host)
    register_ok(admin, host, OVS, configurations=ovs_configurations(
        bridge_mappings={"physnet1": "br-p1"}))
    assert vif(bound_port(admin, network(admin), host))[0] == "ovs"


def test_the_controller_of_a_pseudo_agent_host_reports_its_ports_up(admin):
    host = new_host()
    pseudo_agent(admin, host)
    p = bound_port(admin, network(admin), host)
    assert p["status"] == "DOWN"
    r = report(admin, host, up=[p["id"]])
    assert r.status == 200 and r.json == {"ports": {p["id"]: "ACTIVE"}}, r
    assert admin.get(f"/v2.0/ports/{p['id']}").json["port"]["status"] == "ACTIVE"
