"""Live migration on the wire, in Nova's order, through the port bindings API
(binding-extended): a VM keeps answering a continuous ping while its port moves
from host-b to host-a, and both rollbacks leave the source working.

The VM is a namespace whose NIC's host end (the veth os-vif plugs) is moved from
one simulated host's br-int to the other's, as the hypervisor moves the guest;
the agents learn where the port is from the active binding (the port's
``binding:host_id``) over the agent feed.
"""

from __future__ import annotations

import signal
import uuid

import pytest

from tests.support.waiting import wait_for

from .cloud import Cloud
from .testbed import longest_silence, move_vif, parse_ping

pytestmark = [pytest.mark.dataplane, pytest.mark.xdist_group("e2e-agents")]

PING_INTERVAL = 0.1


def _network(cloud: Cloud, cidr: str):
    sdk = cloud.sdk
    net = sdk.network.create_network(name=f"migrate-{uuid.uuid4().hex[:6]}")
    sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr=cidr, enable_dhcp=False)
    group = sdk.network.create_security_group(name=f"ping-{uuid.uuid4().hex[:6]}")
    sdk.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", ethertype="IPv4", protocol="icmp")
    return net, group


def _bindings(cloud: Cloud, port) -> dict[str, str]:
    return {b.host: b.status for b in cloud.sdk.network.port_bindings(port)}


def test_vm_migrated_in_novas_order_keeps_answering(cloud: Cloud) -> None:
    sdk = cloud.sdk
    host_a, host_b = cloud.hosts
    net, group = _network(cloud, "10.30.1.0/24")
    _peer_port, peer = cloud.boot(host_a, net, dhcp=False, security_group_ids=[group.id])
    port, vm = cloud.boot(host_b, net, dhcp=False, security_group_ids=[group.id])
    cloud.wait_status(port, "ACTIVE")
    assert peer.reaches(vm.ip, tries=30)

    ping = peer.start_ping(vm.ip, count=600, interval=PING_INTERVAL)
    # (1) pre_live_migration: an inactive binding on the destination.
    made = sdk.network.create_port_binding(port, host=host_a.name, vnic_type="normal",
                                           profile={"migrating_to": host_a.name})
    assert made.status == "INACTIVE" and made.vif_type == "ovs"
    assert sdk.network.get_port(port.id).binding_host_id == host_b.name
    # (2) the guest moves; (3) post_live_migration: activate; (4) delete the source's.
    move_vif(host_b, host_a, vm, port.id, sdk.network.get_port(port.id).device_id)
    sdk.network.activate_port_binding(port, host=host_a.name)
    sdk.network.delete_port_binding(port, host_b.name)
    assert _bindings(cloud, port) == {host_a.name: "ACTIVE"}
    assert cloud.wait_status(port, "ACTIVE").binding_host_id == host_a.name
    # Traffic resumed on the destination (the continuous ping's later replies).
    assert peer.reaches(vm.ip, tries=30)
    ping.send_signal(signal.SIGINT)  # ping prints its summary on SIGINT
    out, _err = ping.communicate(timeout=30)
    sent, received = parse_ping(out)
    print(f"live migration: no reply for {longest_silence(out):.2f} s "
          f"({sent - received} of {sent} pings at {PING_INTERVAL} s lost; target < 1 s)")
    # Replies before the move and after the activation; the silence is the time the
    # guest's NIC was on no wired host (printed, not asserted: no timing in tests;
    # bench/ measures it).
    assert received > 0


def test_rollback_before_activation_leaves_the_source_working(cloud: Cloud) -> None:
    sdk = cloud.sdk
    host_a, host_b = cloud.hosts
    net, group = _network(cloud, "10.30.2.0/24")
    _peer_port, peer = cloud.boot(host_a, net, dhcp=False, security_group_ids=[group.id])
    port, vm = cloud.boot(host_b, net, dhcp=False, security_group_ids=[group.id])
    cloud.wait_status(port, "ACTIVE")
    sdk.network.create_port_binding(port, host=host_a.name)
    sdk.network.delete_port_binding(port, host_a.name)
    assert _bindings(cloud, port) == {host_b.name: "ACTIVE"}
    assert cloud.wait_status(port, "ACTIVE").binding_host_id == host_b.name
    assert peer.reaches(vm.ip, tries=30)


def test_rollback_after_activation_brings_the_port_back_to_the_source(cloud: Cloud) -> None:
    sdk = cloud.sdk
    host_a, host_b = cloud.hosts
    net, group = _network(cloud, "10.30.3.0/24")
    _peer_port, peer = cloud.boot(host_a, net, dhcp=False, security_group_ids=[group.id])
    port, vm = cloud.boot(host_b, net, dhcp=False, security_group_ids=[group.id])
    cloud.wait_status(port, "ACTIVE")
    assert peer.reaches(vm.ip, tries=30)
    sdk.network.create_port_binding(port, host=host_a.name)
    # Activated on the destination, but the guest never moved: the source stops
    # carrying the port, the VM goes silent.
    sdk.network.activate_port_binding(port, host=host_a.name)
    assert wait_for(lambda: peer.ping(vm.ip, count=1)[1] == 0, 30)
    # Rollback: the source's binding active again, the destination's deleted.
    sdk.network.activate_port_binding(port, host=host_b.name)
    sdk.network.delete_port_binding(port, host_a.name)
    assert _bindings(cloud, port) == {host_b.name: "ACTIVE"}
    assert cloud.wait_status(port, "ACTIVE").binding_host_id == host_b.name
    assert peer.reaches(vm.ip, tries=30)
