"""A second extension shares br-int with L2 without either disturbing the other."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from neutrino.agent.desired import DesiredState, Network
from neutrino.agent.openflow.flows import OWNER_MASK, Flow
from neutrino.agent.openflow.manager import FlowOwner
from neutrino.agent.topology import HostView

from .test_dataplane_l2 import endpoints, make_port
from .testbed import Testbed

pytestmark = pytest.mark.dataplane


@dataclass
class IcmpBlock:
    """Test-only extension: drops ICMP delivered to one port, in its own stage."""

    port_id: str
    name: str = "test-icmp-block"
    stages: tuple[str, ...] = ("ingress_qos",)

    def flows(self, owner: FlowOwner, view: HostView) -> Iterator[Flow]:
        ofport = view.local_ofports.get(self.port_id)
        if ofport:
            yield owner.flow("ingress_qos", 100, f"reg7={ofport},icmp", "drop")


def owned_by(lines: list[str], owner: FlowOwner) -> set[str]:
    return {line for line in lines
            if int(line.split("cookie=")[1].split(",")[0], 16) & OWNER_MASK == owner.cookie}


def test_extension_flows_survive_l2_resyncs_and_leave_with_it(testbed: Testbed) -> None:
    host_a, host_b = testbed.add_host("host-a"), testbed.add_host("host-b")
    agent_a, agent_b = testbed.start_agent(host_a), testbed.start_agent(host_b)
    net = Network("shared", "vxlan", 5001)
    p1, p2, p3, p4 = (make_port(net, "host-a", 1), make_port(net, "host-b", 2),
                      make_port(net, "host-b", 3), make_port(net, "host-a", 4))
    vm1 = testbed.add_vm(host_a, p1.id, p1.mac_address, p1.fixed_ips[0])
    for port, host in ((p2, host_b), (p3, host_b), (p4, host_a)):
        testbed.add_vm(host, port.id, port.mac_address, port.fixed_ips[0])
    agent_b.remove_extension("qos")  # the test's extension takes QoS's stage
    blocker = agent_b.add_extension(IcmpBlock(p2.id))

    def converge(*ports) -> None:
        desired = DesiredState((net,), ports, endpoints(testbed))
        agent_a.sync(desired)
        agent_b.sync(desired)

    converge(p1, p2, p3)
    assert vm1.reaches(p3.fixed_ips[0])
    assert vm1.ping(p2.fixed_ips[0], count=3)[1] == 0
    ours = owned_by(host_b.dump_flows(), blocker)
    assert len(ours) == 1

    # A flow some other program put on br-int, with a cookie nobody registered.
    foreign = "cookie=0x1234, table=8, priority=5,dl_type=0x88b6 actions=drop"
    host_b.ofctl("add-flow", f"unix:{host_b.workdir}/br-int.mgmt",
                 "table=8,priority=5,cookie=0x1234,dl_type=0x88b6,actions=drop")
    assert foreign in host_b.dump_flows()

    # L2 changes (a port added) and a full resync leave the extension's flow alone.
    converge(p1, p2, p3, p4)
    agent_b.invalidate()
    converge(p1, p2, p3, p4)
    assert owned_by(host_b.dump_flows(), blocker) == ours
    assert foreign in host_b.dump_flows()
    assert vm1.ping(p2.fixed_ips[0], count=3)[1] == 0

    before = set(host_b.dump_flows())
    assert agent_b.remove_extension(blocker.name) == 1
    assert set(host_b.dump_flows()) == before - ours
    assert vm1.reaches(p2.fixed_ips[0])
