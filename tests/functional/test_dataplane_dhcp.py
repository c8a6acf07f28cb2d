"""DHCP on the wire: dnsmasq in qdhcp namespaces, real dhclient in VM namespaces.

The agent is driven with DesiredState directly; VMs are plugged without an
address and get everything from their DHCP client.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from pathlib import Path

import pytest
from pyroute2 import netns

from neutrino.agent.desired import DesiredState, Network, Port, Subnet
from neutrino.agent.dhcp import Dhcp, dnsmasq
from neutrino.agent.dhcp.plan import Paths
from neutrino.agent.reconciler import Agent

from .testbed import OvsHost, Testbed

pytestmark = pytest.mark.dataplane


def _port(net: Network, host: str, index: int, allocations: tuple[tuple[str, str], ...],
          **extra: object) -> Port:
    return Port(id=f"{net.id[:8]}-p{index}-{uuid.uuid4().hex[:6]}", network_id=net.id,
                mac_address=f"fa:16:3e:{index:02x}:{uuid.uuid4().hex[:2]}:{uuid.uuid4().hex[:2]}",
                host=host, fixed_ips=tuple(ip for _, ip in allocations),
                allocations=allocations, **extra)  # type: ignore[arg-type]


class Scene:
    """host-a serves DHCP and has a VM; host-b has a VM; one VXLAN network, MTU 1450."""

    def __init__(self, bed: Testbed) -> None:
        self.bed = bed
        self.host_a, self.host_b = bed.add_host("host-a"), bed.add_host("host-b")
        self.agent_a = bed.start_dhcp_agent(self.host_a)
        self.agent_b = bed.start_agent(self.host_b)
        self.net = Network(str(uuid.uuid4()), "vxlan", 4242, mtu=1450)
        self.subnet = Subnet(str(uuid.uuid4()), self.net.id, 4, "10.20.0.0/24",
                             gateway_ip="10.20.0.1", dns_nameservers=("10.20.0.53", "10.20.0.54"),
                             host_routes=(("192.168.77.0/24", "10.20.0.254"),))
        self.subnets: tuple[Subnet, ...] = (self.subnet,)
        s = self.subnet.id
        self.dhcp_port = _port(self.net, "host-a", 1, ((s, "10.20.0.2"),),
                               device_owner="network:dhcp")
        self.vm_ports = [_port(self.net, "host-a", 2, ((s, "10.20.0.11"),)),
                         _port(self.net, "host-b", 3, ((s, "10.20.0.12"),))]
        self.extra_ports: list[Port] = []
        self.served = (self.net.id,)
        self.vms = [bed.add_vm(self.host_a if p.host == "host-a" else self.host_b, p.id,
                               p.mac_address) for p in self.vm_ports]

    @property
    def paths(self) -> Paths:
        return Paths.of(self.bed.dhcp_agent_config(self.host_a).state_path, self.net.id)

    def desired(self) -> DesiredState:
        return DesiredState((self.net,), (self.dhcp_port, *self.vm_ports, *self.extra_ports),
                            {h.name: h.tunnel_ip for h in self.bed.hosts}, subnets=self.subnets,
                            dhcp_networks=self.served)

    def converge(self) -> None:
        desired = self.desired()
        self.agent_a.sync(desired)
        self.agent_b.sync(desired)

    def pid(self) -> int:
        found = dnsmasq.running(self.paths)
        assert found is not None, "dnsmasq is not running"
        return found[0]


@pytest.fixture
def scene(testbed: Testbed) -> Scene:
    s = Scene(testbed)
    s.converge()
    return s


def test_vms_on_both_hosts_get_their_port_address_gateway_routes_dns_and_mtu(scene: Scene) -> None:
    for vm, port in zip(scene.vms, scene.vm_ports, strict=True):
        lease = vm.dhcp()
        assert lease is not None, f"no lease for the VM of {port.host}"
        assert (lease.address, lease.prefixlen) == (port.fixed_ips[0], 24)
        assert lease.gateway == "10.20.0.1"
        expected_routes = [("192.168.77.0/24", "10.20.0.254"), ("0.0.0.0/0", "10.20.0.1")]
        assert lease.routes == expected_routes
        assert lease.ms_routes == expected_routes
        assert lease.dns == ["10.20.0.53", "10.20.0.54"]
        assert lease.mtu == 1450
        assert lease.hostname == "host-" + port.fixed_ips[0].replace(".", "-")
    # The addresses are usable: the VMs reach each other across the tunnel.
    assert scene.vms[0].reaches("10.20.0.12")
