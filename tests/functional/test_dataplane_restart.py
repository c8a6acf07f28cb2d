"""Agent and Open vSwitch restarts: traffic keeps flowing, flows are repaired."""

from __future__ import annotations

import threading
import time

import pytest

from neutrino.agent.desired import DesiredState, Network, to_json
from neutrino.agent.reconciler import SyncResult

from .test_dataplane_l2 import endpoints, make_port
from .testbed import Testbed

pytestmark = pytest.mark.dataplane


def test_killing_and_restarting_agents_loses_no_packet(testbed: Testbed) -> None:
    host_a, host_b = testbed.add_host("host-a"), testbed.add_host("host-b")
    net = Network("steady", "vxlan", 4001)
    p1, p2, p3 = (make_port(net, "host-a", 1), make_port(net, "host-b", 2),
                  make_port(net, "host-a", 3))
    desired_file = testbed.workdir / "desired.json"
    desired_file.write_text(to_json(DesiredState((net,), (p1, p2, p3), endpoints(testbed))))
    agent_a = testbed.spawn_agent(host_a, desired_file)
    agent_b = testbed.spawn_agent(host_b, desired_file)
    agent_a.wait_synced()
    agent_b.wait_synced()
    vm1 = testbed.add_vm(host_a, p1.id, p1.mac_address, p1.fixed_ips[0])
    testbed.add_vm(host_b, p2.id, p2.mac_address, p2.fixed_ips[0])
    testbed.add_vm(host_a, p3.id, p3.mac_address, p3.fixed_ips[0])
    assert vm1.reaches(p2.fixed_ips[0], tries=30)

    ping = vm1.start_ping(p2.fixed_ips[0], count=60, interval=0.1)
    time.sleep(1.0)
    agent_a.kill()
    # While host-a's agent is dead, one of its ports goes away.
    desired_file.write_text(to_json(DesiredState((net,), (p1, p2), endpoints(testbed))))
    time.sleep(0.5)
    agent_a = testbed.spawn_agent(host_a, desired_file)
    first_a = agent_a.wait_synced()["first"]
    agent_b.kill()
    time.sleep(0.5)
    agent_b = testbed.spawn_agent(host_b, desired_file)
    first_b = agent_b.wait_synced()["first"]
    out, _ = ping.communicate(timeout=30)

    assert "60 packets transmitted, 60 received, 0% packet loss" in out, out
    # Restarting with nothing changed touches nothing; the flows of the port
    # removed meanwhile were found and deleted as stale.
    assert first_b == {**first_b, "added": 0, "deleted": 0, "observed": True}
    assert first_a["observed"] and first_a["deleted"] > 0
    assert not [f for f in host_a.dump_flows() if p3.mac_address in f]


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
