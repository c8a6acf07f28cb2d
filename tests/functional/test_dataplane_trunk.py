"""Trunks with real packets: one VIF carries the parent, VLAN subports and a MAC child.

One two-host testbed for the module. On host-a a trunk VM (``trunkvm.py``): its
parent on network ``tkp``, VLAN subports on ``tka`` (VLAN 101) and on the
provider VLAN network ``tkb`` (VLAN 102 on the VIF, 321 on the wire), and a
``mac`` child on ``tkc``. On host-b one plain VM on each network. Every port is
in one stateful group admitting its members only, so each subport's traffic
passes its own port's anti-spoofing and conntrack on its own network.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

import pytest

from neutrino.agent.desired import DesiredState, Network, Port, SubPort, Trunk
from neutrino.agent.reconciler import Agent

from .conftest import _require_dataplane
from .sgbed import default_group
from .testbed import OvsHost, Testbed, Vm, ns_exec, run
from .trunkvm import Interface, add_trunk_vm

pytestmark = [pytest.mark.dataplane, pytest.mark.xdist_group("trunk")]

NETWORKS = {"tkp": Network("tkp", "vxlan", 4101), "tka": Network("tka", "vxlan", 4102),
            "tkb": Network("tkb", "vlan", 321, "physnet1"), "tkc": Network("tkc", "vxlan", 4104)}
SUBNET = {"tkp": "192.168.41", "tka": "192.168.42", "tkb": "192.168.43", "tkc": "192.168.44"}
GROUP = default_group("tk")
# The trunk VM's interfaces: network -> (port id, VLAN on the VIF; None: the parent, 0: mac).
TRUNK = {"tkp": ("tk-parent", None), "tka": ("tk-sa", 101), "tkb": ("tk-sb", 102),
         "tkc": ("tk-mc", 0)}


def port(net: str, host: str, index: int, port_id: str) -> Port:
    return Port(port_id, net, f"fa:16:3e:4{index}:{int(SUBNET[net][-2:]):02x}:01", host,
                (f"{SUBNET[net]}.{index}",), security_groups=(GROUP.id,))


@dataclass
class Bed:
    testbed: Testbed
    hosts: dict[str, OvsHost]
    agents: dict[str, Agent]
    ports: dict[str, Port]  # port id -> port
    guests: dict[str, Vm]  # port id -> the namespace with its addresses

    def converge(self, sub_ports: tuple[SubPort, ...], *, parent_bound: bool = True,
                 ) -> DesiredState:
        """Both hosts synced with the trunk's subports as given; ports not a subport
        are unbound (as the server leaves a subport removed from its trunk)."""
        subs = {s.port_id for s in sub_ports}
        ports = []
        for p in self.ports.values():
            if p.id.startswith("tk-s") or p.id == "tk-mc":
                p = p if p.id in subs else replace(p, host="")
            ports.append(p)
        members = {GROUP.id: tuple(ip for p in ports if p.is_bound for ip in p.fixed_ips)}
        trunk = Trunk("tk", "tk-parent", sub_ports=sub_ports)
        desired = DesiredState(tuple(NETWORKS.values()), tuple(ports),
                               {h.name: h.tunnel_ip for h in self.hosts.values()},
                               security_groups=(GROUP,), security_group_members=members,
                               trunks=(trunk,) if parent_bound else ())
        for agent in self.agents.values():
            agent.sync(desired)
        return desired

    def remote(self, net: str) -> str:
        return f"{SUBNET[net]}.2"


ALL = (SubPort("tk-sa", "vlan", 101), SubPort("tk-sb", "vlan", 102), SubPort("tk-mc", "mac"))


@pytest.fixture(scope="module")
def bed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bed]:
    _require_dataplane()
    testbed = Testbed(tmp_path_factory.mktemp("trunk"))
    try:
        hosts = {name: testbed.add_host(name) for name in ("host-a", "host-b")}
        agents = {name: testbed.start_agent(host) for name, host in hosts.items()}
        ports: dict[str, Port] = {}
        guests: dict[str, Vm] = {}
        interfaces = []
        for net, (port_id, vlan) in TRUNK.items():
            ports[port_id] = port(net, "host-a", 1, port_id)
            p = ports[port_id]
            interfaces.append(Interface(p.id, p.mac_address, p.fixed_ips[0], vlan or 0))
        guests.update(add_trunk_vm(testbed, hosts["host-a"], interfaces[0], interfaces[1:]))
        for net in NETWORKS:
            p = ports[f"b-{net}"] = port(net, "host-b", 2, f"b-{net}")
            guests[p.id] = testbed.add_vm(hosts["host-b"], p.id, p.mac_address, p.fixed_ips[0])
        yield Bed(testbed, hosts, agents, ports, guests)
    finally:
        testbed.close()


def pings(vm: Vm, target: str) -> bool:
    return vm.reaches(target, tries=6)


def test_parent_vlan_subports_and_mac_child_each_reach_their_own_network(bed: Bed) -> None:
    bed.converge(ALL)
    assert bed.agents["host-a"].trunk_statuses == {"tk": "ACTIVE"}
    for net, (port_id, _) in TRUNK.items():
        assert pings(bed.guests[port_id], bed.remote(net)), f"{port_id} cannot reach {net}"
    # And back: the remote VMs reach each guest interface (tagged as the trunk says).
    for net, (port_id, _) in TRUNK.items():
        assert bed.guests[f"b-{net}"].ping(f"{SUBNET[net]}.1", count=2) == (2, 2), port_id


def test_subport_frames_pass_the_subport_anti_spoofing(bed: Bed) -> None:
    bed.converge(ALL)
    child = bed.guests["tk-mc"]
    spoofed = f"{SUBNET['tkc']}.9"
    run(ns_exec(child.ns, ["ip", "addr", "add", f"{spoofed}/24", "dev", "eth0"]))
    try:
        out = run(ns_exec(child.ns, ["ping", "-n", "-q", "-c", "2", "-i", "0.2", "-W", "1",
                                     "-I", spoofed, bed.remote("tkc")]), check=False).stdout
        assert " 0 received" in out, "the MAC child sent from an address its port does not have"
        assert pings(child, bed.remote("tkc"))
    finally:
        run(ns_exec(child.ns, ["ip", "addr", "del", f"{spoofed}/24", "dev", "eth0"]))


def test_removing_a_subport_stops_exactly_its_traffic(bed: Bed) -> None:
    bed.converge(ALL)
    assert pings(bed.guests["tk-sa"], bed.remote("tka"))
    bed.converge(ALL[1:])
    assert bed.guests["tk-sa"].ping(bed.remote("tka"), count=3)[1] == 0
    assert bed.guests["b-tka"].ping(f"{SUBNET['tka']}.1", count=2)[1] == 0
    assert not [f for f in bed.hosts["host-a"].dump_flows() if "dl_vlan=101" in f]
    assert pings(bed.guests["tk-sb"], bed.remote("tkb")), "the other VLAN subport still works"
    assert pings(bed.guests["tk-mc"], bed.remote("tkc")), "the MAC child still works"
    assert pings(bed.guests["tk-parent"], bed.remote("tkp"))
    bed.converge(ALL)
    assert pings(bed.guests["tk-sa"], bed.remote("tka")), "added back, it works again"


def test_a_subport_that_cannot_be_wired_degrades_the_trunk_not_the_others(bed: Bed) -> None:
    bed.converge((SubPort("tk-sa", "vlan", 4095), *ALL[1:]))  # no such 802.1Q VLAN
    assert bed.agents["host-a"].trunk_statuses == {"tk": "DEGRADED"}
    assert bed.guests["tk-sa"].ping(bed.remote("tka"), count=2)[1] == 0
    assert pings(bed.guests["tk-sb"], bed.remote("tkb"))
    bed.converge(ALL)
    assert bed.agents["host-a"].trunk_statuses == {"tk": "ACTIVE"}


def test_a_restarted_agent_changes_no_flow(bed: Bed) -> None:
    desired = bed.converge(ALL)
    host = bed.hosts["host-a"]
    fresh = Agent(host.agent_config())
    bed.testbed.agents.append(fresh)
    fresh.start()
    result = fresh.sync(desired)
    assert (result.observed, result.added, result.deleted) == (True, 0, 0)
    assert fresh.trunk_statuses == {"tk": "ACTIVE"}
    assert pings(bed.guests["tk-sa"], bed.remote("tka"))
