"""Segments and port bindings through the real openstacksdk, and
``openstack network segment create`` through the real CLI."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import yaml

from tests.support.agents import new_host, register_ok
from tests.support.client import Client


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_sdk_segment_create_get_update_list_delete(sdk):
    net = sdk.network.create_network(name=_name("sdk-seg"))
    seg = sdk.network.create_segment(network_id=net.id, network_type="vxlan",
                                     name=_name("seg"))
    assert seg.network_id == net.id and seg.network_type == "vxlan"
    assert isinstance(seg.segmentation_id, int) and seg.physical_network is None
    assert sdk.network.get_segment(seg.id).name == seg.name
    updated = sdk.network.update_segment(seg, name="renamed", description="two")
    assert updated.name == "renamed" and updated.description == "two"
    listed = list(sdk.network.segments(network_id=net.id))
    assert len(listed) == 2 and seg.id in {s.id for s in listed}
    assert [s.id for s in sdk.network.segments(network_id=net.id, name="renamed")] == [seg.id]
    shown = sdk.network.get_network(net.id)
    assert len(shown.segments) == 2
    sdk.network.delete_segment(seg)
    assert sdk.network.find_segment(seg.id) is None
    sdk.network.delete_network(net)


def test_sdk_subnet_on_a_segment(sdk):
    net = sdk.network.create_network(name=_name("sdk-routed"))
    [seg] = list(sdk.network.segments(network_id=net.id))
    sub = sdk.network.create_subnet(network_id=net.id, cidr="10.61.0.0/24", ip_version=4,
                                    segment_id=seg.id)
    assert sub.segment_id == seg.id
    sdk.network.delete_subnet(sub)
    sdk.network.delete_network(net)


def test_sdk_subnet_update_puts_it_on_the_networks_segment(sdk):
    net = sdk.network.create_network(name=_name("sdk-to-routed"))
    [seg] = list(sdk.network.segments(network_id=net.id))
    sub = sdk.network.create_subnet(network_id=net.id, cidr="10.62.0.0/24", ip_version=4)
    assert sub.segment_id is None
    assert sdk.network.update_subnet(sub, segment_id=seg.id).segment_id == seg.id
    assert sdk.network.get_subnet(sub.id).segment_id == seg.id
    sdk.network.delete_subnet(sub)
    sdk.network.delete_network(net)


def test_sdk_port_bindings_live_migration(sdk, server):
    admin = Client(server.url)
    source, dest = new_host(), new_host()
    for host in (source, dest):
        register_ok(admin, host)
    net = sdk.network.create_network(name=_name("sdk-migrate"))
    port = sdk.network.create_port(network_id=net.id, device_owner="compute:nova",
                                   binding_host_id=source)
    made = sdk.network.create_port_binding(port, host=dest, vnic_type="normal",
                                           profile={"migrating_to": dest})
    assert made.host == dest and made.status == "INACTIVE" and made.vif_type == "ovs"
    assert {b.host: b.status for b in sdk.network.port_bindings(port)} == {
        source: "ACTIVE", dest: "INACTIVE"}
    assert sdk.network.activate_port_binding(port, host=dest) is not None
    assert sdk.network.get_port(port.id).binding_host_id == dest
    sdk.network.delete_port_binding(port, source)
    assert [b.host for b in sdk.network.port_bindings(port)] == [dest]
    sdk.network.delete_port(port)
    sdk.network.delete_network(net)


def openstack_cli(server, tmp_path):
    """``openstack ... -f json`` against the server, configured as `make run` writes
    clouds.yaml (no auth)."""
    clouds = tmp_path / ".config" / "openstack" / "clouds.yaml"
    clouds.parent.mkdir(parents=True)
    clouds.write_text(yaml.safe_dump({"clouds": {"neutrino": {
        "auth_type": "none", "auth": {"endpoint": server.url},
        "network_endpoint_override": server.url + "/"}}}))
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("OS_CLIENT_CONFIG_FILE", None)
    cli = os.path.join(os.path.dirname(sys.executable), "openstack")

    def openstack(*args: str) -> dict | list:
        out = subprocess.run([cli, "--os-cloud", "neutrino", *args, "-f", "json"],
                             env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)
    return openstack


def test_cli_network_segment_create(server, tmp_path):
    openstack = openstack_cli(server, tmp_path)
    admin = Client(server.url)
    net = admin.post("/v2.0/networks", json={"network": {}}).json["network"]
    name = _name("cli-seg")
    seg = openstack("network", "segment", "create", "--network", net["id"],
                    "--network-type", "vxlan", "--description", "from the CLI", name)
    shown = admin.get(f"/v2.0/segments/{seg['id']}").json["segment"]
    assert shown["name"] == name and shown["network_type"] == "vxlan"
    assert shown["description"] == "from the CLI" and shown["network_id"] == net["id"]
    listed = openstack("network", "segment", "list", "--network", net["id"])
    assert seg["id"] in {s["ID"] for s in listed}


def test_cli_network_segment_create_vlan_with_its_id(server, tmp_path):
    openstack = openstack_cli(server, tmp_path)
    admin = Client(server.url)
    net = admin.post("/v2.0/networks", json={"network": {}}).json["network"]
    seg = openstack("network", "segment", "create", "--network", net["id"],
                    "--network-type", "vlan", "--physical-network", "physnet1",
                    "--segment", "200", _name("seg1"))
    shown = admin.get(f"/v2.0/segments/{seg['id']}").json["segment"]
    assert (shown["network_type"], shown["physical_network"], shown["segmentation_id"]) == (
        "vlan", "physnet1", 200)
    assert admin.delete(f"/v2.0/segments/{seg['id']}").status == 204
    assert admin.delete(f"/v2.0/networks/{net['id']}").status == 204


def test_cli_network_segment_range_create_list_delete(server, tmp_path):
    openstack = openstack_cli(server, tmp_path)
    admin = Client(server.url)
    name = _name("cli-range")
    made = openstack("network", "segment", "range", "create", "--shared",
                     "--network-type", "geneve", "--minimum", "70000", "--maximum", "70009",
                     name)
    shown = admin.get(f"/v2.0/network_segment_ranges/{made['id']}").json[
        "network_segment_range"]
    assert (shown["name"], shown["shared"], shown["minimum"], shown["maximum"]) == (
        name, True, 70000, 70009)
    listed = openstack("network", "segment", "range", "list")
    assert made["id"] in {r["ID"] for r in listed}
    assert openstack("network", "segment", "range", "show", made["id"])["name"] == name
    assert admin.delete(f"/v2.0/network_segment_ranges/{made['id']}").status == 204
