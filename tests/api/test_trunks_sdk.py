"""Trunks through the real openstacksdk (openstack.network.v2.trunk) and the real
``openstack network trunk`` CLI."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid

import openstack.exceptions
import pytest
import yaml

from tests.support.client import Client


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _ports(sdk, count: int) -> list:
    net = sdk.network.create_network(name=_name("sdk-trunk"))
    sdk.network.create_subnet(network_id=net.id, cidr="10.71.0.0/24", ip_version=4)
    return [sdk.network.create_port(network_id=net.id) for _ in range(count)]


def test_sdk_trunk_lifecycle_and_subports(sdk):
    parent, a, b = _ports(sdk, 3)
    trunk = sdk.network.create_trunk(
        port_id=parent.id, name=_name("trunk"),
        sub_ports=[{"port_id": a.id, "segmentation_type": "vlan", "segmentation_id": 100}])
    assert trunk.status == "DOWN" and trunk.is_admin_state_up is True
    assert trunk.sub_ports == [{"port_id": a.id, "segmentation_type": "vlan",
                                "segmentation_id": 100}]
    updated = sdk.network.update_trunk(trunk, name="renamed", description="two")
    assert updated.name == "renamed" and updated.description == "two"
    assert [t.id for t in sdk.network.trunks(port_id=parent.id)] == [trunk.id]
    assert sdk.network.get_trunk(trunk.id).name == "renamed"

    sdk.network.add_trunk_subports(trunk, [{"port_id": b.id, "segmentation_type": "mac"}])
    subports = sdk.network.get_trunk_subports(trunk)["sub_ports"]
    assert subports == [
        {"port_id": a.id, "segmentation_type": "vlan", "segmentation_id": 100},
        {"port_id": b.id, "segmentation_type": "mac", "segmentation_id": None}]
    details = sdk.network.get_port(parent.id).trunk_details
    assert details["trunk_id"] == trunk.id
    assert [(s["port_id"], s["mac_address"]) for s in details["sub_ports"]] == [
        (a.id, a.mac_address), (b.id, b.mac_address)]
    assert sdk.network.get_port(a.id).trunk_details is None

    with pytest.raises(openstack.exceptions.ConflictException):
        sdk.network.delete_port(a)
    sdk.network.delete_trunk_subports(trunk, [{"port_id": a.id}])
    assert [s["port_id"] for s in sdk.network.get_trunk_subports(trunk)["sub_ports"]] == [b.id]
    sdk.network.delete_trunk(trunk)
    assert sdk.network.find_trunk(trunk.id) is None
    for port in (parent, a, b):
        sdk.network.delete_port(port)


def test_cli_network_trunk_create_set_unset(server, tmp_path):
    clouds = tmp_path / ".config" / "openstack" / "clouds.yaml"
    clouds.parent.mkdir(parents=True)
    clouds.write_text(yaml.safe_dump({"clouds": {"neutrino": {
        "auth_type": "none", "auth": {"endpoint": server.url},
        "network_endpoint_override": server.url + "/"}}}))
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("OS_CLIENT_CONFIG_FILE", None)
    cli = os.path.join(os.path.dirname(sys.executable), "openstack")

    def openstack(*args: str, output: bool = True) -> dict | list | None:
        out = subprocess.run([cli, "--os-cloud", "neutrino", *args,
                              *(("-f", "json") if output else ())],
                             env=env, capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout) if output else None

    admin = Client(server.url)
    net = admin.network()
    admin.subnet(net["id"], "10.72.0.0/24")
    parent, first, second, child = (admin.port(net["id"]) for _ in range(4))
    name = _name("cli-trunk")
    made = openstack("network", "trunk", "create", "--parent-port", parent["id"],
                     "--subport", f"port={first['id']},segmentation-type=vlan,segmentation-id=100",
                     name)
    trunk = admin.show("trunks", made["id"])
    assert trunk["name"] == name and trunk["port_id"] == parent["id"]
    assert trunk["sub_ports"] == [{"port_id": first["id"], "segmentation_type": "vlan",
                                   "segmentation_id": 100}]
    openstack("network", "trunk", "set",
              "--subport", f"port={second['id']},segmentation-type=vlan,segmentation-id=200",
              "--subport", f"port={child['id']},segmentation-type=mac", name, output=False)
    listed = openstack("network", "subport", "list", "--trunk", name)
    assert {(s["Port"], s["Segmentation Type"], s["Segmentation ID"]) for s in listed} == {
        (first["id"], "vlan", 100), (second["id"], "vlan", 200), (child["id"], "mac", None)}
    openstack("network", "trunk", "unset", "--subport", first["id"], name, output=False)
    assert [s["port_id"] for s in admin.show("trunks", made["id"])["sub_ports"]] == [
        second["id"], child["id"]]
    assert made["id"] in {t["ID"] for t in openstack("network", "trunk", "list")}
    openstack("network", "trunk", "delete", name, output=False)
    assert admin.get(f"/v2.0/trunks/{made['id']}").status == 404
