"""Layer 2 over br-int with real packets: tunnels, isolation, port lifecycle, providers."""

from __future__ import annotations

import pytest

from neutrino.agent.desired import DesiredState, Network, Port

from .testbed import Testbed, rx_packets

pytestmark = pytest.mark.dataplane

SUBNET = "192.168.10"


def make_port(net: Network, host: str, index: int, admin_state_up: bool = True) -> Port:
    """A port with a MAC unique across the test and an IP that may overlap across networks.

    Port security is off: these tests are about forwarding, not filtering.
    """
    tag = sum(map(ord, net.id)) % 256
    return Port(id=f"{net.id}-p{index}", network_id=net.id, host=host,
                mac_address=f"fa:16:3e:{tag:02x}:00:{index:02x}",
                fixed_ips=(f"{SUBNET}.{index}",), admin_state_up=admin_state_up,
                port_security_enabled=False)


def endpoints(bed: Testbed) -> dict[str, str]:
    return {h.name: h.tunnel_ip for h in bed.hosts}


def test_vxlan_networks_with_overlapping_cidrs_stay_isolated(testbed: Testbed) -> None:
    hosts = [testbed.add_host(f"host-{n}") for n in "abc"]
    agents = [testbed.start_agent(h) for h in hosts]
    red = Network("red", "vxlan", 1001)
    blue = Network("blue", "vxlan", 1002)
    # Same addresses on both networks; red has two VMs on host-a.
    red_ports = [make_port(red, "host-a", 1), make_port(red, "host-b", 2),
                 make_port(red, "host-c", 3), make_port(red, "host-a", 4)]
    blue_ports = [make_port(blue, "host-a", 1), make_port(blue, "host-b", 2),
                  make_port(blue, "host-c", 3)]
    host_of = {h.name: h for h in hosts}
    vms = {p.id: testbed.add_vm(host_of[p.host], p.id, p.mac_address, p.fixed_ips[0])
           for p in red_ports + blue_ports}
    desired = DesiredState((red, blue), tuple(red_ports + blue_ports), endpoints(testbed))
    for agent in agents:
        agent.sync(desired)

    red1, blue1 = vms["red-p1"], vms["blue-p1"]
    blue_rx = {p.id: rx_packets(vms[p.id]) for p in blue_ports}
    for target in (2, 3, 4):  # across hosts and on the same host
        assert red1.reaches(f"{SUBNET}.{target}"), f"red VM 1 cannot reach red VM {target}"
        assert red1.ping(f"{SUBNET}.{target}", count=3) == (3, 3)
    # Blue VMs hold the very addresses red just pinged, and saw none of it.
    assert {p.id: rx_packets(vms[p.id]) for p in blue_ports} == blue_rx
    # The red VM resolved the red MAC, not the blue one.
    red_rx = {p.id: rx_packets(vms[p.id]) for p in red_ports}
    for target in (2, 3):
        assert blue1.reaches(f"{SUBNET}.{target}")
    assert {p.id: rx_packets(vms[p.id]) for p in red_ports} == red_rx


def test_removed_port_stops_admin_down_drops_and_readding_restores(testbed: Testbed) -> None:
    host_a, host_b = testbed.add_host("host-a"), testbed.add_host("host-b")
    agent_a, agent_b = testbed.start_agent(host_a), testbed.start_agent(host_b)
    net = Network("green", "vxlan", 2001)
    p1, p2 = make_port(net, "host-a", 1), make_port(net, "host-b", 2)
    vm1 = testbed.add_vm(host_a, p1.id, p1.mac_address, p1.fixed_ips[0])
    testbed.add_vm(host_b, p2.id, p2.mac_address, p2.fixed_ips[0])

    def converge(*ports: Port) -> None:
        desired = DesiredState((net,), ports, endpoints(testbed))
        agent_a.sync(desired)
        agent_b.sync(desired)

    converge(p1, p2)
    assert vm1.reaches(p2.fixed_ips[0])

    converge(p1)
    assert vm1.ping(p2.fixed_ips[0], count=3)[1] == 0
    assert not [f for f in host_b.dump_flows() if p2.mac_address in f]
    assert not [f for f in host_a.dump_flows() if p2.mac_address in f]

    converge(p1, p2)
    assert vm1.reaches(p2.fixed_ips[0])

    down = Port(**{**p2.__dict__, "admin_state_up": False})
    converge(p1, down)
    assert vm1.ping(p2.fixed_ips[0], count=3)[1] == 0

    converge(p1, p2)
    assert vm1.reaches(p2.fixed_ips[0])


@pytest.mark.parametrize("network", [
    Network("flat", "flat", physical_network="physnet1"),
    Network("vlan", "vlan", 300, physical_network="physnet1"),
    Network("geneve", "geneve", 3001),
], ids=lambda n: n.network_type)
def test_two_hosts_ping_over(testbed: Testbed, network: Network) -> None:
    host_a, host_b = testbed.add_host("host-a"), testbed.add_host("host-b")
    agents = [testbed.start_agent(host_a), testbed.start_agent(host_b)]
    p1, p2 = make_port(network, "host-a", 1), make_port(network, "host-b", 2)
    vm1 = testbed.add_vm(host_a, p1.id, p1.mac_address, p1.fixed_ips[0])
    testbed.add_vm(host_b, p2.id, p2.mac_address, p2.fixed_ips[0])
    desired = DesiredState((network,), (p1, p2), endpoints(testbed))
    for agent in agents:
        agent.sync(desired)
    assert vm1.reaches(p2.fixed_ips[0])
    assert vm1.ping(p2.fixed_ips[0], count=3) == (3, 3)
    tunnels = [line for line in host_a.vsctl("list-ports", "br-int").split()
               if line.startswith(("vx-", "gn-"))]
    assert tunnels == (["gn-0a630002"] if network.network_type == "geneve" else [])
