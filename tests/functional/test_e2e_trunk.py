"""End to end: a trunk made through the API, wired by the agent, seen ACTIVE by the user.

`neutrino serve` and one `neutrino agent` per host (``cloud``). A user makes three
networks, a parent port and two more ports, and a trunk with one VLAN subport and
one ``mac`` child; Nova binds the parent to host-a and plugs the trunk VM
(``trunkvm.py``: its one VIF, the parent's, carries all three). The server binds
the subports with the parent; the agent wires them and reports the trunk ACTIVE,
and DOWN once the VIF is unplugged.
"""

from __future__ import annotations

import uuid

import pytest

from tests.support.waiting import wait_for

from .cloud import Cloud
from .test_e2e_agents import allow_ping
from .trunkvm import Interface, add_trunk_vm

pytestmark = [pytest.mark.dataplane, pytest.mark.xdist_group("e2e-trunk")]

VLAN = 101


def trunk_status(cloud: Cloud, trunk_id: str, status: str, timeout: float = 30) -> bool:
    return wait_for(lambda: cloud.sdk.network.get_trunk(trunk_id).status == status, timeout)


def test_a_trunk_vm_reaches_each_subport_network_and_the_trunk_becomes_active(
        cloud: Cloud) -> None:
    sdk = cloud.sdk
    host_a, host_b = cloud.hosts
    group = allow_ping(cloud)
    nets = {}
    for name, cidr in (("parent", "10.31.1.0/24"), ("vlan", "10.31.2.0/24"),
                       ("mac", "10.31.3.0/24")):
        nets[name] = sdk.network.create_network(name=f"trunk-{name}")
        sdk.network.create_subnet(network_id=nets[name].id, ip_version=4, cidr=cidr,
                                  enable_dhcp=False)
    ports = {name: sdk.network.create_port(network_id=net.id, security_group_ids=[group.id])
             for name, net in nets.items()}
    trunk = sdk.network.create_trunk(port_id=ports["parent"].id, sub_ports=[
        {"port_id": ports["vlan"].id, "segmentation_type": "vlan", "segmentation_id": VLAN},
        {"port_id": ports["mac"].id, "segmentation_type": "mac"}])
    # Nova: bind the parent to host-a, plug the VIF.
    device = str(uuid.uuid4())
    parent = sdk.network.update_port(ports["parent"], binding_host_id=host_a.name,
                                     device_owner="compute:nova", device_id=device)

    def iface(name: str, vlan: int = 0) -> Interface:
        port = ports[name]
        return Interface(port.id, port.mac_address, port.fixed_ips[0]["ip_address"], vlan)

    guests = add_trunk_vm(cloud.bed, host_a, iface("parent"), [iface("vlan", VLAN), iface("mac")])
    remote = {name: cloud.boot(host_b, net, dhcp=False, security_group_ids=[group.id])[1]
              for name, net in nets.items()}

    assert trunk_status(cloud, trunk.id, "ACTIVE"), sdk.network.get_trunk(trunk.id)
    for name in ("parent", "vlan", "mac"):
        port = cloud.wait_status(ports[name], "ACTIVE")
        assert port.binding_host_id == host_a.name
    assert sdk.network.get_port(ports["vlan"].id).device_owner == "trunk:subport"
    assert parent.id == ports["parent"].id
    for name in ("parent", "vlan", "mac"):
        guest = guests[ports[name].id]
        assert guest.reaches(remote[name].ip, tries=30), f"the {name} interface cannot reach its network"
        assert remote[name].reaches(guest.ip, tries=10)

    # The VLAN subport removed: exactly its traffic stops; the MAC child's goes on.
    sdk.network.delete_trunk_subports(trunk, [{"port_id": ports["vlan"].id}])
    gone = guests[ports["vlan"].id]
    assert wait_for(lambda: gone.ping(remote["vlan"].ip, count=1)[1] == 0, 30)
    assert gone.ping(remote["vlan"].ip, count=3)[1] == 0
    assert guests[ports["mac"].id].reaches(remote["mac"].ip, tries=5)
    assert guests[ports["parent"].id].reaches(remote["parent"].ip, tries=5)
    assert trunk_status(cloud, trunk.id, "ACTIVE")

    # The VIF unplugged: the trunk goes DOWN, and so does the subport still on it.
    cloud.bed.unplug_vm(host_a, guests[ports["parent"].id])
    assert trunk_status(cloud, trunk.id, "DOWN"), sdk.network.get_trunk(trunk.id)
    cloud.wait_status(ports["mac"], "DOWN")
