"""DHCP scheduling: a network with a DHCP-enabled subnet gets one DHCP port on an
alive DHCP agent's host (dhcp_agents_per_network = 1), shown by the scheduler's
sub-resources (alias dhcp_agent_scheduler)."""
from __future__ import annotations

import uuid

import pytest

from tests.support.agents import DHCP, new_host, register_ok
from tests.support.client import Client
from tests.support.databases import new_database
from tests.support.server import ServerProcess


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def quick(request, tmp_path_factory):
    """A server of its own: which agent gets a network depends on every DHCP agent
    registered, so other tests' agents must not be there."""
    url = new_database(request, tmp_path_factory.mktemp("dhcp"), "dhcp")
    server = ServerProcess(database_url=url, extra_conf="agent_down_time = 60").start()
    yield server
    server.stop()


@pytest.fixture
def admin(quick) -> Client:
    return Client(quick.url)


@pytest.fixture
def project(quick) -> Client:
    return Client(quick.url, uuid.uuid4().hex, "member,reader")


@pytest.fixture
def dhcp_agent(admin) -> dict:
    """A DHCP agent (and the switch agent of its host), alone among DHCP agents."""
    for agent in admin.get("/v2.0/agents").json["agents"]:
        admin.delete(f"/v2.0/agents/{agent['id']}")
    host = new_host()
    register_ok(admin, host)
    return register_ok(admin, host, DHCP, configurations={"dhcp_driver": "dnsmasq"})


def dhcp_ports(admin: Client, network_id: str) -> list[dict]:
    return admin.get("/v2.0/ports", params={"network_id": network_id,
                                            "device_owner": "network:dhcp"}).json["ports"]


def subnet(client: Client, network_id: str, cidr: str, **attrs) -> dict:
    r = client.post("/v2.0/subnets", json={"subnet": {"network_id": network_id, "cidr": cidr,
                                                      "ip_version": 4, **attrs}})
    assert r.status == 201, r
    return r.json["subnet"]


def net(client: Client) -> dict:
    r = client.post("/v2.0/networks", json={"network": {"name": "d"}})
    assert r.status == 201, r
    return r.json["network"]


def test_dhcp_subnet_gets_a_dhcp_port_on_the_dhcp_agents_host(admin, project, dhcp_agent):
    n = net(project)
    s = subnet(project, n["id"], "10.20.0.0/24")
    [p] = dhcp_ports(admin, n["id"])
    host = dhcp_agent["host"]
    assert p["binding:host_id"] == host and p["binding:vif_type"] == "ovs"
    assert p["device_id"] == f"dhcp{uuid.uuid5(uuid.NAMESPACE_DNS, host)}-{n['id']}"
    assert p["project_id"] == n["project_id"]
    # The first free address of the pool (after the gateway), as Neutron gives DHCP ports.
    assert p["fixed_ips"] == [{"subnet_id": s["id"], "ip_address": "10.20.0.2"}]
    agents = admin.get(f"/v2.0/networks/{n['id']}/dhcp-agents")
    assert agents.status == 200 and [a["id"] for a in agents.json["agents"]] == [dhcp_agent["id"]]
    hosted = admin.get(f"/v2.0/agents/{dhcp_agent['id']}/dhcp-networks").json["networks"]
    assert n["id"] in [x["id"] for x in hosted]


def test_second_dhcp_subnet_adds_an_address_not_a_port(admin, project, dhcp_agent):
    n = net(project)
    first = subnet(project, n["id"], "10.21.0.0/24")
    second = subnet(project, n["id"], "10.22.0.0/24")
    [p] = dhcp_ports(admin, n["id"])
    assert sorted(ip["subnet_id"] for ip in p["fixed_ips"]) == sorted([first["id"], second["id"]])
    assert sorted(ip["ip_address"] for ip in p["fixed_ips"]) == ["10.21.0.2", "10.22.0.2"]


def test_subnet_without_dhcp_gets_no_port_until_dhcp_is_enabled(admin, project, dhcp_agent):
    n = net(project)
    s = subnet(project, n["id"], "10.23.0.0/24", enable_dhcp=False)
    assert dhcp_ports(admin, n["id"]) == []
    project.put(f"/v2.0/subnets/{s['id']}", json={"subnet": {"enable_dhcp": True}})
    assert len(dhcp_ports(admin, n["id"])) == 1


def test_dhcp_port_goes_with_the_last_dhcp_subnet(admin, project, dhcp_agent):
    n = net(project)
    s = subnet(project, n["id"], "10.24.0.0/24")
    assert len(dhcp_ports(admin, n["id"])) == 1
    assert project.delete(f"/v2.0/subnets/{s['id']}").status == 204
    assert dhcp_ports(admin, n["id"]) == []
    assert admin.get(f"/v2.0/networks/{n['id']}/dhcp-agents").json == {"agents": []}
    # The network can then go, like any network without ports.
    assert project.delete(f"/v2.0/networks/{n['id']}").status == 204


def test_network_with_a_dhcp_port_can_be_deleted_by_its_owner(project, dhcp_agent):
    n = net(project)
    subnet(project, n["id"], "10.25.0.0/24")
    assert project.delete(f"/v2.0/networks/{n['id']}").status == 204


def test_networks_without_a_dhcp_agent_are_served_when_one_registers(admin, project):
    for agent in admin.get("/v2.0/agents").json["agents"]:
        admin.delete(f"/v2.0/agents/{agent['id']}")
    n = net(project)
    subnet(project, n["id"], "10.26.0.0/24")
    assert dhcp_ports(admin, n["id"]) == []
    host = new_host()
    agent = register_ok(admin, host, DHCP, configurations={})
    [p] = dhcp_ports(admin, n["id"])
    assert p["binding:host_id"] == host
    assert p["binding:vif_type"] == "binding_failed"  # that host has no switch agent yet
    register_ok(admin, host)
    assert dhcp_ports(admin, n["id"])[0]["binding:vif_type"] == "ovs"
    assert [a["id"] for a in admin.get(f"/v2.0/networks/{n['id']}/dhcp-agents")
            .json["agents"]] == [agent["id"]]


def test_dhcp_ports_do_not_count_against_the_quota(admin, project, dhcp_agent, quick):
    project_id = project.session.headers["X-Project-Id"]
    r = admin.put(f"/v2.0/quotas/{project_id}", json={"quota": {"port": 0}})
    assert r.status == 200, r
    n = net(project)
    subnet(project, n["id"], "10.27.0.0/24")
    assert len(dhcp_ports(admin, n["id"])) == 1
    r = project.post("/v2.0/ports", json={"port": {"network_id": n["id"]}})
    assert r.status == 409 and r.error_type == "OverQuota", r


def test_add_and_remove_a_network_by_hand(admin, project, dhcp_agent):
    n = net(project)
    subnet(project, n["id"], "10.28.0.0/24")
    other = register_ok(admin, new_host(), DHCP, configurations={})
    path = f"/v2.0/agents/{other['id']}/dhcp-networks"
    r = admin.post(path, json={"network_id": n["id"]})
    assert r.status == 201, r
    hosts = sorted(p["binding:host_id"] for p in dhcp_ports(admin, n["id"]))
    assert hosts == sorted([dhcp_agent["host"], other["host"]])
    again = admin.post(path, json={"network_id": n["id"]})
    assert again.status == 409 and again.error_type == "NetworkHostedByDHCPAgent", again
    assert admin.delete(f"{path}/{n['id']}").status == 204
    assert [p["binding:host_id"] for p in dhcp_ports(admin, n["id"])] == [dhcp_agent["host"]]
    gone = admin.delete(f"{path}/{n['id']}")
    assert gone.status == 409 and gone.error_type == "NetworkNotHostedByDhcpAgent", gone


def test_scheduler_bad_input(admin, project, dhcp_agent):
    path = f"/v2.0/agents/{dhcp_agent['id']}/dhcp-networks"
    assert admin.post(path, json={"network_id": "nope"}).status == 400
    assert admin.post(path, json={}).status == 400
    missing = admin.post(path, json={"network_id": str(uuid.uuid4())})
    assert missing.status == 404 and missing.error_type == "NetworkNotFound", missing
    ovs = [a for a in admin.get("/v2.0/agents", params={"agent_type": "Open vSwitch agent"})
           .json["agents"]][0]
    n = net(project)
    wrong = admin.post(f"/v2.0/agents/{ovs['id']}/dhcp-networks", json={"network_id": n["id"]})
    assert wrong.status == 404 and wrong.error_type == "InvalidDHCPAgent", wrong
    unknown = admin.get(f"/v2.0/agents/{uuid.uuid4()}/dhcp-networks")
    assert unknown.status == 404 and unknown.error_type == "AgentNotFound", unknown
    assert admin.get(f"/v2.0/networks/{uuid.uuid4()}/dhcp-agents").status == 404


def test_scheduler_is_admin_only(project, dhcp_agent):
    n = net(project)
    assert project.get(f"/v2.0/agents/{dhcp_agent['id']}/dhcp-networks").status == 404
    assert project.post(f"/v2.0/agents/{dhcp_agent['id']}/dhcp-networks",
                        json={"network_id": n["id"]}).status == 404
    assert project.get(f"/v2.0/networks/{n['id']}/dhcp-agents").status == 404


def test_sdk_dhcp_agent_calls(quick, admin, dhcp_agent):
    import openstack
    conn = openstack.connection.Connection(auth_type="none", auth={"endpoint": quick.url},
                                           network_endpoint_override=quick.url + "/")
    try:
        network = conn.network.create_network(name="sdk-dhcp")
        conn.network.create_subnet(network_id=network.id, cidr="10.29.0.0/24", ip_version=4)
        hosting = list(conn.network.network_hosting_dhcp_agents(network))
        assert [a.id for a in hosting] == [dhcp_agent["id"]]
        other = register_ok(admin, new_host(), DHCP, configurations={})
        agent = conn.network.get_agent(other["id"])
        conn.network.add_dhcp_agent_to_network(agent, network)
        assert sorted(a.id for a in conn.network.network_hosting_dhcp_agents(network)) == \
            sorted([dhcp_agent["id"], other["id"]])
        assert network.id in [n.id for n in conn.network.dhcp_agent_hosting_networks(agent)]
        conn.network.remove_dhcp_agent_from_network(agent, network)
        assert [a.id for a in conn.network.network_hosting_dhcp_agents(network)] == \
            [dhcp_agent["id"]]
    finally:
        conn.close()
