"""Port binding (alias ``binding``) through the openvswitch mechanism driver, and
the port status the host's agent reports."""
from __future__ import annotations

import uuid

import pytest

from tests.support.agents import new_host, ovs_configurations, register_ok, report
from tests.support.client import Client
from tests.support.databases import new_database
from tests.support.server import ServerProcess
from tests.support.waiting import wait_for

DOWN_TIME = 5
OVS_DETAILS = {"port_filter": True, "ovs_hybrid_plug": False, "datapath_type": "netdev",
               "bridge_name": "br-int", "connectivity": "l2"}


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def quick(request, tmp_path_factory):
    url = new_database(request, tmp_path_factory.mktemp("binding"), "binding")
    server = ServerProcess(database_url=url, extra_conf=(
        f"agent_down_time = {DOWN_TIME}\nagent_check_interval = 1\n"
        "[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:100:199,physnet2:200:299\n")).start()
    yield server
    server.stop()


@pytest.fixture
def admin(quick) -> Client:
    return Client(quick.url)


def network(admin: Client, **provider) -> dict:
    r = admin.post("/v2.0/networks", json={"network": {"name": "n", **provider}})
    assert r.status == 201, r
    net = r.json["network"]
    assert admin.post("/v2.0/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "10.9.0.0/24", "ip_version": 4}}).status == 201
    return net


def port(admin: Client, net: dict, **attrs) -> dict:
    r = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"], **attrs}})
    assert r.status == 201, r
    return r.json["port"]


def show(admin: Client, port_id: str) -> dict:
    return admin.get(f"/v2.0/ports/{port_id}").json["port"]


def update(admin: Client, port_id: str, **attrs) -> dict:
    r = admin.put(f"/v2.0/ports/{port_id}", json={"port": attrs})
    assert r.status == 200, r
    return r.json["port"]


def binding(p: dict) -> tuple:
    return p["binding:vif_type"], p["binding:vif_details"]


def test_port_without_host_is_unbound_and_down(admin):
    p = port(admin, network(admin))
    assert binding(p) == ("unbound", {}) and p["status"] == "DOWN"
    assert p["binding:host_id"] == "" and p["binding:vnic_type"] == "normal"


def test_port_on_a_host_with_an_ovs_agent_is_bound_ovs(admin):
    host = new_host()
    register_ok(admin, host)
    p = port(admin, network(admin), **{"binding:host_id": host})
    assert binding(p) == ("ovs", OVS_DETAILS) and p["status"] == "DOWN"
    assert binding(show(admin, p["id"])) == ("ovs", OVS_DETAILS)


def test_datapath_type_comes_from_the_agent(admin):
    host = new_host()
    register_ok(admin, host, configurations=ovs_configurations(datapath_type="system"))
    p = port(admin, network(admin), **{"binding:host_id": host})
    assert p["binding:vif_details"]["datapath_type"] == "system"


def test_port_on_a_host_without_agent_fails_to_bind_without_error(admin):
    p = port(admin, network(admin), **{"binding:host_id": new_host()})
    assert binding(p) == ("binding_failed", {}) and p["status"] == "DOWN"


def test_agent_without_the_tunnel_type_cannot_bind(admin):
    host = new_host()
    register_ok(admin, host, configurations=ovs_configurations(tunnel_types=("geneve",)))
    p = port(admin, network(admin), **{"binding:host_id": host})
    assert binding(p) == ("binding_failed", {})


@pytest.mark.parametrize("provider", [
    {"provider:network_type": "vlan", "provider:physical_network": "physnet1"},
    {"provider:network_type": "flat", "provider:physical_network": "physnet1"}])
def test_physical_network_needs_a_bridge_mapping(admin, provider):
    mapped, unmapped = new_host(), new_host()
    register_ok(admin, mapped, configurations=ovs_configurations(
        bridge_mappings={"physnet1": "br-phys"}))
    register_ok(admin, unmapped, configurations=ovs_configurations(
        bridge_mappings={"physnet2": "br-phys"}))
    net = network(admin, **provider)
    assert binding(port(admin, net, **{"binding:host_id": mapped}))[0] == "ovs"
    assert binding(port(admin, net, **{"binding:host_id": unmapped}))[0] == "binding_failed"


def test_agent_that_is_admin_down_does_not_bind(admin):
    host = new_host()
    agent = register_ok(admin, host)
    admin.put(f"/v2.0/agents/{agent['id']}", json={"agent": {"admin_state_up": False}})
    assert binding(port(admin, network(admin), **{"binding:host_id": host}))[0] == \
        "binding_failed"


def test_setting_the_host_on_update_binds(admin):
    host = new_host()
    register_ok(admin, host)
    p = port(admin, network(admin))
    assert binding(update(admin, p["id"], **{"binding:host_id": host})) == ("ovs", OVS_DETAILS)


def test_moving_to_another_host_rebinds_there(admin):
    bound, empty = new_host(), new_host()
    register_ok(admin, bound)
    p = port(admin, network(admin), **{"binding:host_id": bound})
    moved = update(admin, p["id"], **{"binding:host_id": empty})
    assert binding(moved) == ("binding_failed", {}) and moved["binding:host_id"] == empty
    back = update(admin, p["id"], **{"binding:host_id": bound})
    assert binding(back) == ("ovs", OVS_DETAILS)


def test_clearing_the_host_unbinds(admin):
    host = new_host()
    register_ok(admin, host)
    p = port(admin, network(admin), **{"binding:host_id": host})
    cleared = update(admin, p["id"], **{"binding:host_id": ""})
    assert binding(cleared) == ("unbound", {}) and cleared["status"] == "DOWN"


def test_failed_ports_are_bound_when_the_hosts_agent_registers(admin):
    host = new_host()
    net = network(admin)
    ports = [port(admin, net, **{"binding:host_id": host}) for _ in range(2)]
    revisions = [p["revision_number"] for p in ports]
    register_ok(admin, host)
    for p, rev in zip(ports, revisions):
        now = show(admin, p["id"])
        assert binding(now) == ("ovs", OVS_DETAILS)
        assert now["revision_number"] > rev


def test_update_retries_a_failed_binding(admin):
    host = new_host()
    p = port(admin, network(admin), **{"binding:host_id": host})
    # Its registration bound the port; with the agent set admin-down a rebinding fails,
    # and once it is up again any update binds again.
    agent = register_ok(admin, host)
    assert binding(show(admin, p["id"]))[0] == "ovs"
    admin.put(f"/v2.0/agents/{agent['id']}", json={"agent": {"admin_state_up": False}})
    failed = update(admin, p["id"], **{"binding:profile": {"x": 1}})
    assert binding(failed)[0] == "binding_failed"
    admin.put(f"/v2.0/agents/{agent['id']}", json={"agent": {"admin_state_up": True}})
    assert binding(update(admin, p["id"], name="again"))[0] == "ovs"


def test_vnic_type_change_rebinds(admin):
    host = new_host()
    register_ok(admin, host)
    p = port(admin, network(admin), **{"binding:host_id": host})
    direct = update(admin, p["id"], **{"binding:vnic_type": "direct"})
    assert binding(direct) == ("binding_failed", {})  # no SR-IOV agent there
    assert binding(update(admin, p["id"], **{"binding:vnic_type": "normal"}))[0] == "ovs"


@pytest.mark.parametrize("vnic", ["bogus", "", 7, None])
def test_unknown_vnic_type_is_400(admin, vnic):
    net = network(admin)
    r = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"],
                                                 "binding:vnic_type": vnic}})
    assert r.status == 400 and "binding:vnic_type" in r.error_message, r
    p = port(admin, net)
    r = admin.put(f"/v2.0/ports/{p['id']}", json={"port": {"binding:vnic_type": vnic}})
    assert r.status == 400, r
    assert show(admin, p["id"])["binding:vnic_type"] == "normal"


@pytest.mark.parametrize("attr, value", [("binding:profile", "x"), ("binding:host_id", 5),
                                         ("binding:vif_type", "ovs"),
                                         ("binding:vif_details", {})])
def test_bad_binding_attributes_are_400(admin, attr, value):
    net = network(admin)
    r = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"], attr: value}})
    assert r.status == 400 and attr in r.error_message, r


def test_members_may_not_set_the_host_but_the_service_role_may(admin, quick):
    host = new_host()
    register_ok(admin, host)
    project = uuid.uuid4().hex
    member = Client(quick.url, project, "member,reader")
    net = member.post("/v2.0/networks", json={"network": {"name": "m"}}).json["network"]
    r = member.post("/v2.0/ports", json={"port": {"network_id": net["id"],
                                                  "binding:host_id": host}})
    assert r.status == 403, r
    mine = member.post("/v2.0/ports", json={"port": {"network_id": net["id"]}}).json["port"]
    assert "binding:vif_type" not in mine and "binding:host_id" not in mine
    service = Client(quick.url, project, "service")
    r = service.put(f"/v2.0/ports/{mine['id']}", json={"port": {"binding:host_id": host}})
    assert r.status == 200 and r.json["port"]["binding:vif_type"] == "ovs", r


def test_device_report_makes_the_port_active_then_down(admin):
    host = new_host()
    register_ok(admin, host)
    p = port(admin, network(admin), **{"binding:host_id": host})
    r = report(admin, host, up=[p["id"]])
    assert r.status == 200 and r.json == {"ports": {p["id"]: "ACTIVE"}}, r
    active = show(admin, p["id"])
    assert active["status"] == "ACTIVE" and active["revision_number"] == p["revision_number"] + 1
    assert report(admin, host, up=[p["id"]]).json == {"ports": {p["id"]: "ACTIVE"}}
    assert show(admin, p["id"])["revision_number"] == active["revision_number"]  # no-op
    assert report(admin, host, down=[p["id"]]).json == {"ports": {p["id"]: "DOWN"}}
    assert show(admin, p["id"])["status"] == "DOWN"


def test_device_report_ignores_ports_of_other_hosts(admin):
    mine, theirs = new_host(), new_host()
    register_ok(admin, theirs)
    other = port(admin, network(admin), **{"binding:host_id": theirs})
    r = report(admin, mine, up=[other["id"], str(uuid.uuid4()), "not-a-port"])
    assert r.status == 200 and r.json == {"ports": {}}, r
    assert show(admin, other["id"])["status"] == "DOWN"


@pytest.mark.parametrize("payload", [{"up": "x"}, {"up": [1]}, {"sideways": []}, [], "x"])
def test_device_report_bad_input_is_400(admin, payload):
    r = admin.post(f"/feed/v1/hosts/{new_host()}/devices", json=payload)
    assert r.status == 400, r


def test_rebinding_an_active_port_makes_it_down(admin):
    host, other = new_host(), new_host()
    register_ok(admin, host)
    register_ok(admin, other)
    p = port(admin, network(admin), **{"binding:host_id": host})
    report(admin, host, up=[p["id"]])
    moved = update(admin, p["id"], **{"binding:host_id": other})
    assert moved["status"] == "DOWN" and binding(moved)[0] == "ovs"


def test_ports_go_down_when_their_hosts_agent_dies(admin):
    host = new_host()
    register_ok(admin, host)
    p = port(admin, network(admin), **{"binding:host_id": host})
    report(admin, host, up=[p["id"]])
    assert show(admin, p["id"])["status"] == "ACTIVE"
    assert wait_for(lambda: show(admin, p["id"])["status"] == "DOWN", timeout=DOWN_TIME + 6)
    agents = admin.get("/v2.0/agents", params={"host": host}).json["agents"]
    assert [a["alive"] for a in agents] == [False]


def test_sdk_port_binding_attributes(quick):
    import openstack
    admin = Client(quick.url)
    host = new_host()
    register_ok(admin, host)
    conn = openstack.connection.Connection(auth_type="none", auth={"endpoint": quick.url},
                                           network_endpoint_override=quick.url + "/")
    try:
        net = conn.network.create_network(name="sdk-binding")
        conn.network.create_subnet(network_id=net.id, cidr="10.8.0.0/24", ip_version=4)
        p = conn.network.create_port(network_id=net.id, binding_host_id=host)
        assert p.binding_vif_type == "ovs" and p.binding_vif_details["bridge_name"] == "br-int"
        p = conn.network.update_port(p, binding_host_id="")
        assert p.binding_vif_type == "unbound"
    finally:
        conn.close()
