"""Open vSwitch restarts: the canary notices the lost flows and they are repaired.

Agent process restarts under traffic are in test_e2e_faults.py (the agent fed by the server)."""

from __future__ import annotations

import threading

import pytest

from neutrino.agent.desired import DesiredState, Network
from neutrino.agent.reconciler import SyncResult

from .test_dataplane_l2 import endpoints, make_port
from .testbed import Testbed

pytestmark = pytest.mark.dataplane


def test_flows_lost_by_an_ovs_restart_are_detected_and_repaired(testbed: Testbed) -> None:
    host_a, host_b = testbed.add_host("host-a"), testbed.add_host("host-b")
    agent_a, agent_b = testbed.start_agent(host_a), testbed.start_agent(host_b)
    net = Network("sturdy", "vxlan", 4002)
    p1, p2 = make_port(net, "host-a", 1), make_port(net, "host-b", 2)
    vm1 = testbed.add_vm(host_a, p1.id, p1.mac_address, p1.fixed_ips[0])
    testbed.add_vm(host_b, p2.id, p2.mac_address, p2.fixed_ips[0])
    desired = DesiredState((net,), (p1, p2), endpoints(testbed))
    agent_b.sync(desired)

    results: list[SyncResult] = []
    stop = threading.Event()
    given: list[DesiredState] = []

    def load() -> DesiredState | None:
        if given:
            return None
        given.append(desired)
        return desired

    loop = threading.Thread(target=agent_a.run, args=(load, stop),
                            kwargs={"on_sync": results.append}, daemon=True)
    loop.start()
    try:
        assert vm1.reaches(p2.fixed_ips[0], tries=30)
        synced = len(results)
        host_a.restart_vswitchd()
        assert vm1.reaches(p2.fixed_ips[0], tries=30)
        assert any(r.observed and r.added for r in results[synced:])
        assert agent_a.canary_present()
    finally:
        stop.set()
        loop.join(timeout=10)
