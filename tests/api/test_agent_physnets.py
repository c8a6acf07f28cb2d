"""physical_networks of agents (alias agent-physical-networks, ours): every agent
record shows the physical networks it reaches, normalised from the mappings its
backend reports, and lists filter on them."""
from __future__ import annotations

import pytest

from tests.support.agents import DHCP, OVS, new_host, ovs_configurations, register_ok
from tests.support.client import Client
from tests.support.databases import new_database
from tests.support.server import ServerProcess

SRIOV = "NIC Switch agent"
LINUX_BRIDGE = "Linux bridge agent"


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    url = new_database(request, tmp_path_factory.mktemp("physnets"), "physnets")
    server = ServerProcess(database_url=url).start()
    yield server
    server.stop()


@pytest.fixture
def admin(server) -> Client:
    return Client(server.url)


def physnets_of(admin: Client, agent: dict) -> list[str]:
    return admin.get(f"/v2.0/agents/{agent['id']}").json["agent"]["physical_networks"]


def test_ovs_agent_shows_the_physnets_of_its_bridge_mappings(admin):
    agent = register_ok(admin, new_host(), configurations=ovs_configurations(
        bridge_mappings={"physnet2": "br-p2", "physnet1": "br-p1"}))
    assert agent["physical_networks"] == ["physnet1", "physnet2"]
    assert physnets_of(admin, agent) == ["physnet1", "physnet2"]
    # configurations are shown as the agent reported them
    assert agent["configurations"]["bridge_mappings"] == {"physnet2": "br-p2",
                                                          "physnet1": "br-p1"}


def test_sriov_agent_shows_the_physnets_of_its_device_mappings(admin):
    agent = register_ok(admin, new_host(), SRIOV, configurations={
        "device_mappings": {"sriovnet": ["ens1f0", "ens1f1"], "physnet1": ["ens2f0"]}})
    assert agent["physical_networks"] == ["physnet1", "sriovnet"]


def test_linux_bridge_agent_joins_interface_and_bridge_mappings(admin):
    agent = register_ok(admin, new_host(), LINUX_BRIDGE, configurations={
        "interface_mappings": {"physnet1": "eth1"}, "bridge_mappings": {"physnet3": "br-x"}})
    assert agent["physical_networks"] == ["physnet1", "physnet3"]


def test_agent_without_mappings_shows_an_empty_list(admin):
    agent = register_ok(admin, new_host(), DHCP, configurations={"networks": 0})
    assert agent["physical_networks"] == []
    odd = register_ok(admin, new_host(), configurations=ovs_configurations(
        bridge_mappings=None, interface_mappings=["not", "a", "mapping"]))
    assert odd["physical_networks"] == []


def test_a_new_report_changes_the_physnets(admin):
    host = new_host()
    register_ok(admin, host, configurations=ovs_configurations(bridge_mappings={"a": "br-a"}))
    agent = register_ok(admin, host, configurations=ovs_configurations(
        bridge_mappings={"b": "br-b"}))
    assert physnets_of(admin, agent) == ["b"]


def test_list_filters_agents_reaching_any_of_the_physnets(admin):
    tag = new_host()
    both = register_ok(admin, new_host(), configurations=ovs_configurations(
        bridge_mappings={f"{tag}-1": "br-1", f"{tag}-2": "br-2"}))
    one = register_ok(admin, new_host(), SRIOV, configurations={
        "device_mappings": {f"{tag}-2": ["ens1f0"]}})
    register_ok(admin, new_host(), configurations=ovs_configurations(
        bridge_mappings={"elsewhere": "br-e"}))

    def ids(*names: str) -> list[str]:
        r = admin.get("/v2.0/agents", params={"physical_networks": list(names)})
        assert r.status == 200, r
        return sorted(a["id"] for a in r.json["agents"])

    assert ids(f"{tag}-1") == [both["id"]]
    assert ids(f"{tag}-2") == sorted([both["id"], one["id"]])
    assert ids(f"{tag}-1", f"{tag}-2") == sorted([both["id"], one["id"]])
    assert ids(f"{tag}-missing") == []
    r = admin.get("/v2.0/agents", params={"physical_networks": f"{tag}-2",
                                          "agent_type": OVS})
    assert [a["id"] for a in r.json["agents"]] == [both["id"]]


def test_fields_selects_physical_networks(admin):
    agent = register_ok(admin, new_host(), configurations=ovs_configurations(
        bridge_mappings={"physnet1": "br-p1"}))
    r = admin.get(f"/v2.0/agents/{agent['id']}", params={"fields": ["id", "physical_networks"]})
    assert r.json == {"agent": {"id": agent["id"], "physical_networks": ["physnet1"]}}


def test_physical_networks_cannot_be_updated(admin):
    agent = register_ok(admin, new_host(), configurations=ovs_configurations(
        bridge_mappings={"physnet1": "br-p1"}))
    r = admin.put(f"/v2.0/agents/{agent['id']}",
                  json={"agent": {"physical_networks": ["other"]}})
    assert r.status == 400, r
    assert physnets_of(admin, agent) == ["physnet1"]


def test_physical_networks_is_in_the_openapi_document(admin):
    doc = admin.get("/openapi.json").json
    text = str(doc)
    assert "physical_networks" in text and "agent-physical-networks" in text
    aliases = {e["alias"] for e in admin.get("/v2.0/extensions").json["extensions"]}
    assert {"agent-physical-networks", "pseudo-agents"} <= aliases


def test_sdk_reads_the_agent_and_its_configurations_unchanged(server):
    import openstack
    agent = register_ok(Client(server.url), new_host(), configurations=ovs_configurations(
        bridge_mappings={"physnet1": "br-p1"}))
    conn = openstack.connection.Connection(auth_type="none", auth={"endpoint": server.url},
                                           network_endpoint_override=server.url + "/")
    try:
        found = conn.network.get_agent(agent["id"])
        assert found.configuration["bridge_mappings"] == {"physnet1": "br-p1"}
    finally:
        conn.close()
