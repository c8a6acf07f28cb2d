"""SR-IOV through the API: the port attributes of uplink status propagation and NUMA
affinity (raw HTTP, openstacksdk), SR-IOV bonds in binding:profile, and binding by
the ``sriovnicswitch`` mechanism driver with a registered ``NIC Switch agent``
(raw HTTP and the ``openstack`` CLI)."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import openstack
import pytest
import yaml

from tests.support.agents import NIC_SWITCH, new_host, register_ok
from tests.support.client import Client
from tests.support.databases import new_database
from tests.support.server import ServerProcess


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def sriov_server(request, tmp_path_factory):
    url = new_database(request, tmp_path_factory.mktemp("sriov"), "sriov")
    server = ServerProcess(database_url=url, extra_conf=(
        "[ml2]\nmechanism_drivers = openvswitch,sriovnicswitch\n"
        "[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:100:199,physnet2:200:299\n")).start()
    yield server
    server.stop()


@pytest.fixture
def admin(sriov_server) -> Client:
    return Client(sriov_server.url)


@pytest.fixture
def sdk(sriov_server):
    conn = openstack.connection.Connection(
        auth_type="none", auth={"endpoint": sriov_server.url},
        network_endpoint_override=sriov_server.url + "/")
    yield conn
    conn.close()


def vlan_network(admin: Client, physnet: str = "physnet1") -> dict:
    """A VLAN network with a VLAN id the server allocates (tests share the range)."""
    r = admin.post("/v2.0/networks", json={"network": {
        "name": "sriov", "provider:network_type": "vlan", "provider:physical_network": physnet}})
    assert r.status == 201, r
    return r.json["network"]


def sriov_details(net: dict) -> dict:
    return {"port_filter": False, "vlan": str(net["provider:segmentation_id"]),
            "connectivity": "l2"}


def nic_switch_host(admin: Client, mappings: dict | None = None) -> str:
    host = new_host()
    register_ok(admin, host, NIC_SWITCH, configurations={
        "device_mappings": mappings or {"physnet1": ["ens5", "ens6"]}, "devices": 0,
        "extensions": []})
    return host


def vf_profile(slot: str = "0000:05:00.2", physnet: str = "physnet1") -> dict:
    return {"pci_slot": slot, "physical_network": physnet, "pci_vendor_info": "8086:10ed"}


def bond_profile(*slots: str, mode: str = "active-backup", physnet: str = "physnet1") -> dict:
    return {"bond": {"mode": mode, "members": [{"pci_slot": s, "physical_network": physnet}
                                               for s in slots]}}


def create_port(admin: Client, net: dict, **attrs) -> dict:
    r = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"], **attrs}})
    assert r.status == 201, r
    return r.json["port"]


def show(admin: Client, port_id: str) -> dict:
    return admin.get(f"/v2.0/ports/{port_id}").json["port"]


# ---- the attributes -------------------------------------------------------------------
def test_port_attributes_default_to_false_and_null(admin):
    p = create_port(admin, admin.network())
    assert p["propagate_uplink_status"] is False and p["numa_affinity_policy"] is None
    shown = show(admin, p["id"])
    assert shown["propagate_uplink_status"] is False and shown["numa_affinity_policy"] is None


def test_port_attributes_are_stored_on_create_and_update(admin):
    net = admin.network()
    p = create_port(admin, net, propagate_uplink_status=True, numa_affinity_policy="socket")
    assert show(admin, p["id"])["propagate_uplink_status"] is True
    r = admin.put(f"/v2.0/ports/{p['id']}", json={"port": {
        "propagate_uplink_status": False, "numa_affinity_policy": "required"}})
    assert r.status == 200, r
    shown = show(admin, p["id"])
    assert shown["propagate_uplink_status"] is False
    assert shown["numa_affinity_policy"] == "required"
    assert admin.put(f"/v2.0/ports/{p['id']}", json={"port": {
        "numa_affinity_policy": None}}).json["port"]["numa_affinity_policy"] is None
    listed = admin.get("/v2.0/ports", params={"network_id": net["id"]}).json["ports"]
    assert listed[0]["propagate_uplink_status"] is False


@pytest.mark.parametrize("attrs", [{"propagate_uplink_status": "maybe"},
                                   {"propagate_uplink_status": None},
                                   {"numa_affinity_policy": "strict"},
                                   {"numa_affinity_policy": 1}])
def test_bad_attribute_values_are_400_and_change_nothing(admin, attrs):
    net = admin.network()
    r = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"], **attrs}})
    # Neutron's type for a body its attribute validators refuse.
    assert r.status == 400 and r.error_type == "HTTPBadRequest", r
    assert next(iter(attrs)) in r.error_message
    assert admin.get("/v2.0/ports", params={"network_id": net["id"]}).json["ports"] == []
    p = create_port(admin, net, propagate_uplink_status=True, numa_affinity_policy="legacy")
    r = admin.put(f"/v2.0/ports/{p['id']}", json={"port": attrs})
    assert r.status == 400 and r.error_type == "HTTPBadRequest", r
    shown = show(admin, p["id"])
    assert (shown["propagate_uplink_status"], shown["numa_affinity_policy"]) == (True, "legacy")
    assert shown["revision_number"] == p["revision_number"]


@pytest.mark.parametrize("query", [{"propagate_uplink_status": "true"},
                                   {"numa_affinity_policy": "required"}])
def test_attributes_are_not_filters_as_in_neutron_lib(admin, query):
    r = admin.get("/v2.0/ports", params=query)
    assert r.status == 400 and "invalid attribute for filtering" in r.error_message


def test_sdk_port_attributes(sdk, admin):
    net = admin.network()
    port = sdk.network.create_port(network_id=net["id"], propagate_uplink_status=True,
                                   numa_affinity_policy="preferred")
    assert port.propagate_uplink_status is True and port.numa_affinity_policy == "preferred"
    port = sdk.network.update_port(port, propagate_uplink_status=False,
                                   numa_affinity_policy="legacy")
    got = sdk.network.get_port(port.id)
    assert got.propagate_uplink_status is False and got.numa_affinity_policy == "legacy"


def test_aliases_are_advertised(admin):
    aliases = {e["alias"] for e in admin.get("/v2.0/extensions").json["extensions"]}
    assert {"uplink-status-propagation", "uplink-status-propagation-updatable",
            "port-numa-affinity-policy", "port-numa-affinity-policy-socket"} <= aliases


# ---- binding --------------------------------------------------------------------------
def test_direct_port_binds_hw_veb_with_a_nic_switch_agent(admin):
    host = nic_switch_host(admin)
    net = vlan_network(admin)
    p = create_port(admin, net, **{
        "binding:host_id": host, "binding:vnic_type": "direct", "binding:profile": vf_profile()})
    assert (p["binding:vif_type"], p["binding:vif_details"]) == ("hw_veb", sriov_details(net))
    assert p["status"] == "DOWN"
    assert show(admin, p["id"])["binding:vif_type"] == "hw_veb"


def test_macvtap_port_binds_hw_veb(admin):
    host = nic_switch_host(admin)
    p = create_port(admin, vlan_network(admin), **{
        "binding:host_id": host, "binding:vnic_type": "macvtap", "binding:profile": vf_profile()})
    assert p["binding:vif_type"] == "hw_veb"


def test_direct_physical_port_binds_hostdev_physical_active_without_agent(admin):
    net = vlan_network(admin)
    p = create_port(admin, net, **{
        "binding:host_id": new_host(), "binding:vnic_type": "direct-physical",
        "binding:profile": vf_profile("0000:05:00.0")})
    assert (p["binding:vif_type"], p["binding:vif_details"]) == ("hostdev_physical",
                                                                sriov_details(net))
    assert p["status"] == "ACTIVE"


def test_flat_network_binds_with_vlan_0(admin):
    host = nic_switch_host(admin)
    r = admin.post("/v2.0/networks", json={"network": {
        "provider:network_type": "flat", "provider:physical_network": "physnet1"}})
    net = r.json["network"]
    p = create_port(admin, net, **{"binding:host_id": host, "binding:vnic_type": "direct",
                                   "binding:profile": vf_profile()})
    assert p["binding:vif_type"] == "hw_veb" and p["binding:vif_details"]["vlan"] == "0"


@pytest.mark.parametrize("case", ["no agent", "wrong physnet in profile", "agent lacks physnet",
                                  "no pci_slot", "vxlan network"])
def test_direct_port_binding_fails(admin, case):
    host = new_host() if case == "no agent" else nic_switch_host(
        admin, {"physnet2": ["ens7"]} if case == "agent lacks physnet" else None)
    profile = {"no pci_slot": {"physical_network": "physnet1"},
               "wrong physnet in profile": vf_profile(physnet="physnet2")}.get(case, vf_profile())
    net = admin.network() if case == "vxlan network" else vlan_network(admin)
    p = create_port(admin, net, **{"binding:host_id": host, "binding:vnic_type": "direct",
                                   "binding:profile": profile})
    assert (p["binding:vif_type"], p["binding:vif_details"]) == ("binding_failed", {})
    assert p["status"] == "DOWN"


def test_openvswitch_does_not_bind_a_direct_port(admin):
    host = new_host()
    register_ok(admin, host)  # an Open vSwitch agent reaching every tunnelled network
    p = create_port(admin, admin.network(), **{"binding:host_id": host,
                                               "binding:vnic_type": "direct"})
    assert p["binding:vif_type"] == "binding_failed"


def test_binding_follows_a_profile_update(admin):
    host = nic_switch_host(admin)
    net = vlan_network(admin)
    p = create_port(admin, net, **{"binding:host_id": host, "binding:vnic_type": "direct",
                                   "binding:profile": vf_profile(physnet="physnet2")})
    assert p["binding:vif_type"] == "binding_failed"
    r = admin.put(f"/v2.0/ports/{p['id']}", json={"port": {"binding:profile": vf_profile()}})
    assert r.status == 200 and r.json["port"]["binding:vif_type"] == "hw_veb"


# ---- bonds ----------------------------------------------------------------------------
def test_bond_port_binds_hw_veb(admin):
    host = nic_switch_host(admin)
    p = create_port(admin, vlan_network(admin), **{
        "binding:host_id": host, "binding:vnic_type": "direct",
        "binding:profile": bond_profile("0000:05:00.2", "0000:06:00.2")})
    assert p["binding:vif_type"] == "hw_veb"


def test_bond_member_on_another_physnet_fails_binding(admin):
    host = nic_switch_host(admin)
    profile = bond_profile("0000:05:00.2", "0000:06:00.2")
    profile["bond"]["members"][1]["physical_network"] = "physnet2"
    p = create_port(admin, vlan_network(admin), **{
        "binding:host_id": host, "binding:vnic_type": "direct", "binding:profile": profile})
    assert p["binding:vif_type"] == "binding_failed"


@pytest.mark.parametrize("bond", [
    "active-backup",
    {"mode": "round-robin", "members": bond_profile("0000:05:00.2", "0000:06:00.2")["bond"][
        "members"]},
    {"mode": "active-backup", "members": [{"pci_slot": "0000:05:00.2",
                                           "physical_network": "physnet1"}]},
    {"mode": "active-backup", "members": [{"pci_slot": "0000:05:00.2"},
                                          {"pci_slot": "0000:06:00.2"}]},
    {"mode": "balance-tcp", "members": [{"pci_slot": "05:00.2", "physical_network": "p"},
                                        {"pci_slot": "06:00.2", "physical_network": "p"}]},
    bond_profile("0000:05:00.2", "0000:05:00.2")["bond"],
])
def test_malformed_bond_is_400_and_changes_nothing(admin, bond):
    net = vlan_network(admin)
    r = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"],
                                                 "binding:profile": {"bond": bond}}})
    assert r.status == 400 and r.error_type == "InvalidInput", r
    assert admin.get("/v2.0/ports", params={"network_id": net["id"]}).json["ports"] == []
    p = create_port(admin, net)
    r = admin.put(f"/v2.0/ports/{p['id']}", json={"port": {"binding:profile": {"bond": bond}}})
    assert r.status == 400 and r.error_type == "InvalidInput", r
    assert show(admin, p["id"])["binding:profile"] == {}


def test_malformed_bond_in_a_port_binding_is_400(admin):
    host = nic_switch_host(admin)
    net = vlan_network(admin)
    p = create_port(admin, net, device_owner="compute:nova", **{
        "binding:host_id": host, "binding:vnic_type": "direct", "binding:profile": vf_profile()})
    bond = {"bond": {"mode": "active-backup", "members": [{}, {}]}}
    r = admin.post(f"/v2.0/ports/{p['id']}/bindings", json={"binding": {
        "host": nic_switch_host(admin), "vnic_type": "direct", "profile": bond}})
    assert r.status == 400 and r.error_type == "InvalidInput", r
    assert [b["host"] for b in admin.get(f"/v2.0/ports/{p['id']}/bindings").json[
        "bindings"]] == [host]


# ---- the openstack CLI ----------------------------------------------------------------
def test_cli_port_create_direct_with_binding_profile(sriov_server, admin, tmp_path):
    clouds = tmp_path / ".config" / "openstack" / "clouds.yaml"
    clouds.parent.mkdir(parents=True)
    clouds.write_text(yaml.safe_dump({"clouds": {"neutrino": {
        "auth_type": "none", "auth": {"endpoint": sriov_server.url},
        "network_endpoint_override": sriov_server.url + "/"}}}))
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("OS_CLIENT_CONFIG_FILE", None)
    cli = os.path.join(os.path.dirname(sys.executable), "openstack")
    host = nic_switch_host(admin)
    net = vlan_network(admin)
    name = "cli-vf-" + uuid.uuid4().hex[:6]
    out = subprocess.run(
        [cli, "--os-cloud", "neutrino", "port", "create", "--network", net["id"],
         "--vnic-type", "direct", "--host", host,
         "--binding-profile", "pci_slot=0000:05:00.3",
         "--binding-profile", "physical_network=physnet1",
         "--enable-uplink-status-propagation", "--numa-policy-socket", name, "-f", "json"],
        env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    made = json.loads(out.stdout)
    shown = show(admin, made["id"])
    assert shown["binding:vnic_type"] == "direct" and shown["binding:vif_type"] == "hw_veb"
    assert shown["binding:profile"] == {"pci_slot": "0000:05:00.3",
                                        "physical_network": "physnet1"}
    assert shown["propagate_uplink_status"] is True
    assert shown["numa_affinity_policy"] == "socket"
