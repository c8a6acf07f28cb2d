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

from .testbed import Testbed, Vm, ns_exec, run

pytestmark = pytest.mark.dataplane


def _port(net: Network, host: str, index: int, allocations: tuple[tuple[str, str], ...],
          **extra: object) -> Port:
    # Port security off, as in the L2 tests: what is tested here is DHCP, not filtering
    # (the security groups extension would drop VM-to-VM pings without a rule).
    extra.setdefault("port_security_enabled", False)
    return Port(id=f"{net.id[:8]}-p{index}-{uuid.uuid4().hex[:6]}", network_id=net.id,
                mac_address=f"fa:16:3e:{index:02x}:{uuid.uuid4().hex[:2]}:{uuid.uuid4().hex[:2]}",
                host=host, fixed_ips=tuple(ip for _, ip in allocations),
                allocations=allocations, **extra)  # type: ignore[arg-type]


class Scene:
    """host-a serves DHCP and has a VM; host-b has a VM; one VXLAN network, MTU 1450."""

    def __init__(self, bed: Testbed, network_type: str = "vxlan") -> None:
        self.bed = bed
        self.host_a, self.host_b = bed.add_host("host-a"), bed.add_host("host-b")
        self.agent_a = bed.start_dhcp_agent(self.host_a)
        self.agent_b = bed.start_agent(self.host_b)
        self.net = (Network(str(uuid.uuid4()), "vxlan", 4242, mtu=1450) if network_type == "vxlan"
                    else Network(str(uuid.uuid4()), "vlan", 342, "physnet1", mtu=1450))
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

    def logs(self, vm: Vm) -> str:
        """dnsmasq's log and the VM's dhclient output, for a failing assertion."""
        assert vm.workdir is not None
        clients = [p.read_text() for p in sorted(vm.workdir.glob("dhclient*.log"))]
        return "\n".join([self.paths.log.read_text() if self.paths.log.exists() else "", *clients])

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


def test_dhcp_on_a_vlan_provider_network_reaches_the_other_host(testbed: Testbed) -> None:
    scene = Scene(testbed, "vlan")
    scene.converge()
    lease = scene.vms[1].dhcp()
    assert (lease.address, lease.gateway, lease.mtu) == ("10.20.0.12", "10.20.0.1", 1450)


def test_port_whose_ip_changes_gets_the_new_one_by_sighup_without_restart(scene: Scene) -> None:
    vm = scene.vms[1]
    assert vm.dhcp().address == "10.20.0.12"
    pid = scene.pid()
    scene.converge()
    assert scene.agent_a.dhcp.last[scene.net.id].action == "none"  # nothing changed, no signal

    moved = replace(scene.vm_ports[1], fixed_ips=("10.20.0.99",),
                    allocations=((scene.subnet.id, "10.20.0.99"),))
    scene.vm_ports[1] = moved
    scene.converge()
    assert scene.agent_a.dhcp.last[scene.net.id].action == "reloaded"
    assert "10.20.0.99" in scene.paths.hosts.read_text()
    # The client asks for its old address first (it has a lease): NAK, then the new one.
    assert vm.dhcp().address == "10.20.0.99"
    assert scene.pid() == pid
    assert scene.vms[0].dhcp() is not None
    assert scene.vms[0].reaches("10.20.0.99")


def test_unknown_mac_gets_no_lease(scene: Scene, testbed: Testbed) -> None:
    # Plugged on a port of the network with an address, but its NIC's MAC is not
    # the port's: the frames reach dnsmasq, whose hosts file does not know it.
    port = _port(scene.net, "host-b", 8, ((scene.subnet.id, "10.20.0.50"),))
    # A port of the network with no address in a DHCP subnet gets nothing either.
    bare = _port(scene.net, "host-b", 9, ())
    scene.extra_ports += [port, bare]
    stranger = testbed.add_vm(scene.host_b, port.id, "fa:16:3e:ee:ee:ee")
    vm = testbed.add_vm(scene.host_b, bare.id, bare.mac_address)
    scene.converge()
    assert port.mac_address in scene.paths.hosts.read_text()
    assert "fa:16:3e:ee:ee:ee" not in scene.paths.hosts.read_text()
    assert stranger.dhcp(timeout=4) is None
    assert vm.dhcp(timeout=4) is None
    assert scene.vms[1].dhcp() is not None  # while known ones are served


def test_extra_dhcp_opts_reach_only_their_port(scene: Scene) -> None:
    tuned = replace(scene.vm_ports[1], extra_dhcp_opts=(("ntp-server", "10.20.0.123", 4),
                                                         ("dns-server", "10.9.9.9", 4),
                                                         ("26", "1400", 4)))
    scene.vm_ports[1] = tuned
    scene.converge()
    lease = scene.vms[1].dhcp()
    assert lease.env.get("new_ntp_servers") == "10.20.0.123"
    # A port's option wins over its subnet's (by name and by number).
    assert (lease.dns, lease.mtu) == (["10.9.9.9"], 1400)
    other = scene.vms[0].dhcp()
    assert "new_ntp_servers" not in other.env
    assert (other.dns, other.mtu) == (["10.20.0.53", "10.20.0.54"], 1450)


def test_second_subnet_added_restarts_dnsmasq_and_serves_both(scene: Scene, testbed: Testbed) -> None:
    assert scene.vms[0].dhcp().address == "10.20.0.11"
    pid = scene.pid()
    second = Subnet(str(uuid.uuid4()), scene.net.id, 4, "10.30.0.0/24", gateway_ip="10.30.0.1")
    scene.subnets = (scene.subnet, second)
    scene.dhcp_port = replace(scene.dhcp_port, fixed_ips=("10.20.0.2", "10.30.0.2"),
                              allocations=((scene.subnet.id, "10.20.0.2"), (second.id, "10.30.0.2")))
    newcomer = _port(scene.net, "host-b", 4, ((second.id, "10.30.0.40"),))
    scene.vm_ports.append(newcomer)
    vm = testbed.add_vm(scene.host_b, newcomer.id, newcomer.mac_address)
    scene.converge()
    assert scene.agent_a.dhcp.last[scene.net.id].action == "restarted"
    assert scene.pid() != pid
    lease = vm.dhcp()
    assert (lease.address, lease.gateway) == ("10.30.0.40", "10.30.0.1")
    # No host routes on the second subnet, but the first is on the same link.
    assert lease.routes == [("10.20.0.0/24", "0.0.0.0"), ("0.0.0.0/0", "10.30.0.1")]
    # No dns_nameservers: the DHCP port's own address in that subnet, where
    # dnsmasq answers the network's names.
    assert lease.dns == ["10.30.0.2"]
    answer = run(ns_exec(vm.ns, ["busybox", "nslookup", "host-10-20-0-12", "10.30.0.2"]),
                 check=False).stdout
    assert "10.20.0.12" in answer
    # The first subnet's clients keep being served.
    assert scene.vms[0].dhcp().address == "10.20.0.11"


def test_network_no_longer_served_loses_namespace_port_and_process(scene: Scene) -> None:
    pid = scene.pid()
    namespace = f"qdhcp-{scene.net.id}"
    assert namespace in netns.listnetns()
    assert scene.dhcp_port.id in scene.host_a.vsctl("--columns=external_ids", "list", "Interface")
    scene.served = ()
    scene.converge()
    assert namespace not in netns.listnetns()
    assert scene.dhcp_port.id not in scene.host_a.vsctl("--columns=external_ids", "list",
                                                        "Interface")
    assert not Path(f"/proc/{pid}").exists() or dnsmasq.running(scene.paths) is None
    assert not scene.paths.root.exists()
    assert scene.vms[0].dhcp(timeout=4) is None


def test_agent_restart_adopts_dnsmasq_and_leases_continue(scene: Scene, testbed: Testbed) -> None:
    assert scene.vms[1].dhcp().address == "10.20.0.12"
    pid = scene.pid()
    flows = scene.host_a.dump_flows()
    scene.agent_a.stop()
    # A new process: nothing in memory, only what is on disk, in OVSDB and in /proc.
    config = testbed.dhcp_agent_config(scene.host_a)
    scene.agent_a = Agent(config, dhcp=Dhcp(config))
    testbed.agents.append(scene.agent_a)
    scene.agent_a.start()
    scene.converge()
    assert scene.agent_a.dhcp.last[scene.net.id].action == "none"
    assert scene.pid() == pid
    assert scene.host_a.dump_flows() == flows
    assert scene.vms[1].dhcp().address == "10.20.0.12"
    assert scene.vms[0].dhcp().address == "10.20.0.11"


def _with_ipv6(scene: Scene, mode: str, dns: tuple[str, ...] = ()) -> Subnet:
    """Add an IPv6 subnet of the given DHCPv6 mode; the DHCP port and VM ports get addresses."""
    prefix = "2001:db8:20" if mode == "dhcpv6-stateful" else "2001:db8:21"
    v6 = Subnet(str(uuid.uuid4()), scene.net.id, 6, f"{prefix}::/64", gateway_ip=f"{prefix}::1",
                dns_nameservers=dns, ipv6_address_mode=mode, ipv6_ra_mode=mode)
    scene.subnets = (*scene.subnets, v6)

    def add(port: Port, ip: str) -> Port:
        return replace(port, fixed_ips=(*port.fixed_ips, ip),
                       allocations=(*port.allocations, (v6.id, ip)))

    scene.dhcp_port = add(scene.dhcp_port, f"{prefix}::2")
    scene.vm_ports = [add(p, f"{prefix}::{11 + i}") for i, p in enumerate(scene.vm_ports)]
    return v6


def test_dhcpv6_stateful_gives_each_vm_its_port_address(scene: Scene) -> None:
    _with_ipv6(scene, "dhcpv6-stateful", dns=("2001:db8:20::53",))
    scene.converge()
    assert scene.agent_a.dhcp.last[scene.net.id].action == "restarted"
    for vm, expected in zip(scene.vms, ("2001:db8:20::11", "2001:db8:20::12"), strict=True):
        lease = vm.dhcp6()
        assert lease is not None, scene.logs(vm)
        assert lease.address == expected
        assert lease.dns == ["2001:db8:20::53"]
    # IPv4 is still served beside it.
    assert scene.vms[1].dhcp().address == "10.20.0.12"


def test_dhcpv6_stateless_gives_options_and_no_address(scene: Scene) -> None:
    _with_ipv6(scene, "dhcpv6-stateless")
    scene.converge()
    assert "2001:db8:21::" not in scene.paths.hosts.read_text()  # SLAAC: the VM makes its own
    lease = scene.vms[1].dhcp6(stateless=True)
    assert lease is not None, scene.logs(scene.vms[1])
    assert lease.address is None
    assert lease.dns == ["2001:db8:21::2"]  # none configured: the DHCP port itself


def test_network_dropped_while_the_agent_was_down_is_torn_down_by_the_next(scene: Scene,
                                                                         testbed: Testbed) -> None:
    pid = scene.pid()
    scene.agent_a.stop()
    scene.served = ()
    config = testbed.dhcp_agent_config(scene.host_a)
    scene.agent_a = Agent(config, dhcp=Dhcp(config))
    testbed.agents.append(scene.agent_a)
    scene.agent_a.start()
    scene.converge()
    assert f"qdhcp-{scene.net.id}" not in netns.listnetns()
    assert scene.dhcp_port.id not in scene.host_a.vsctl("--columns=external_ids", "list",
                                                        "Interface")
    assert not Path(f"/proc/{pid}").exists() or dnsmasq.running(scene.paths) is None
    assert not scene.paths.root.exists()


def test_dhcp_disabled_on_the_last_subnet_stops_serving(scene: Scene) -> None:
    assert scene.vms[0].dhcp() is not None
    scene.subnets = (replace(scene.subnet, enable_dhcp=False),)
    scene.converge()
    assert f"qdhcp-{scene.net.id}" not in netns.listnetns()
    assert dnsmasq.running(scene.paths) is None
    assert scene.vms[1].dhcp(timeout=4) is None
