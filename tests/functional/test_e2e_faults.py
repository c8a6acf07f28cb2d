"""Faults, end to end: agents and the API server die and return; traffic does not notice.

Each test reads the agent's status file (``[agent] state_path``/status.json) to
tell a resumed feed (same cursor, no new full state) from a resync.
"""

from __future__ import annotations

import signal
import time
import uuid
from typing import Any

import pytest

from tests.support.waiting import wait_for

from .cloud import AGENT_DOWN_TIME, Cloud
from .testbed import Vm

pytestmark = [pytest.mark.dataplane, pytest.mark.xdist_group("e2e-faults")]


@pytest.fixture(scope="module")
def pair(cloud: Cloud) -> dict[str, Any]:
    """A tenant network with one VM per host, ICMP allowed in by their group."""
    sdk = cloud.sdk
    net = sdk.network.create_network(name="faults")
    sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.30.1.0/24")
    group = sdk.network.create_security_group(name="faults-ping")
    sdk.network.create_security_group_rule(security_group_id=group.id, direction="ingress",
                                           ethertype="IPv4", protocol="icmp")
    host_a, host_b = cloud.hosts
    port_a, vm_a = cloud.boot(host_a, net, security_group_ids=[group.id])
    port_b, vm_b = cloud.boot(host_b, net, security_group_ids=[group.id])
    cloud.wait_status(port_a, "ACTIVE")
    cloud.wait_status(port_b, "ACTIVE")
    assert vm_a.reaches(vm_b.ip, tries=30)
    return {"net": net, "group": group, "a": (port_a, vm_a), "b": (port_b, vm_b)}


def feed_stats(cloud: Cloud, host: str) -> dict[str, Any]:
    status = cloud.agents[host].status()
    assert status is not None, f"{host}'s agent wrote no status"
    return status["feed"]


def ping_result(ping: Any) -> str:
    out, _ = ping.communicate(timeout=120)
    return out


def test_agents_killed_and_restarted_during_a_ping_lose_no_packet(cloud: Cloud, pair: dict) -> None:
    host_a, host_b = cloud.hosts
    vm_a: Vm = pair["a"][1]
    vm_b: Vm = pair["b"][1]
    # A third port on host-a, deleted while host-a's agent is dead.
    spare, _ = cloud.boot(host_a, pair["net"], security_group_ids=[pair["group"].id])
    cloud.wait_status(spare, "ACTIVE")

    ping = vm_a.start_ping(vm_b.ip, count=80, interval=0.1)
    time.sleep(1.0)
    cloud.agents["host-a"].kill()
    cloud.sdk.network.delete_port(spare.id)
    time.sleep(0.5)
    first_a = cloud.start_agent(host_a).wait_synced()["first"]
    cloud.agents["host-b"].kill()
    time.sleep(0.5)
    first_b = cloud.start_agent(host_b).wait_synced()["first"]
    out = ping_result(ping)

    assert "80 packets transmitted, 80 received, 0% packet loss" in out, out
    # host-b restarted with nothing changed: its first sync found every flow in place.
    assert first_b == {**first_b, "added": 0, "deleted": 0, "observed": True}
    # host-a's first sync removed the flows of the port deleted meanwhile.
    assert first_a["observed"] and first_a["deleted"] > 0
    assert not [f for f in host_a.dump_flows() if spare.mac_address in f]
    cloud.wait_alive(host_a)
    cloud.wait_alive(host_b)


def test_a_rule_added_while_an_agent_is_down_is_in_force_when_it_returns(
        cloud: Cloud, pair: dict) -> None:
    sdk = cloud.sdk
    host_b = cloud.hosts[1]
    vm_a: Vm = pair["a"][1]
    port_b, vm_b = pair["b"]
    # A group of its own on B's port: nothing may come in, ping is refused.
    closed = sdk.network.create_security_group(name=f"closed-{uuid.uuid4().hex[:6]}")
    for rule in list(sdk.network.security_group_rules(security_group_id=closed.id)):
        if rule.direction == "ingress":
            sdk.network.delete_security_group_rule(rule.id)
    sdk.network.update_port(port_b.id, security_group_ids=[closed.id])
    assert wait_for(lambda: vm_a.ping(vm_b.ip, count=1)[1] == 0, 20)

    cloud.agents["host-b"].kill()
    sdk.network.create_security_group_rule(security_group_id=closed.id, direction="ingress",
                                           ethertype="IPv4", protocol="icmp")
    cloud.start_agent(host_b).wait_synced()
    try:
        assert vm_a.reaches(vm_b.ip, tries=20)
    finally:
        sdk.network.update_port(port_b.id, security_group_ids=[pair["group"].id])


def test_an_api_server_restart_keeps_forwarding_and_agents_resume_from_their_cursor(
        cloud: Cloud, pair: dict) -> None:
    vm_a: Vm = pair["a"][1]
    vm_b: Vm = pair["b"][1]
    assert wait_for(lambda: feed_stats(cloud, "host-a")["connected"], 10)
    before = {h.name: feed_stats(cloud, h.name) for h in cloud.hosts}

    ping = vm_a.start_ping(vm_b.ip, count=50, interval=0.1)
    time.sleep(0.5)
    cloud.server.stop()
    assert wait_for(lambda: not feed_stats(cloud, "host-a")["connected"], 20)
    cloud.server.start(timeout=120)
    out = ping_result(ping)
    assert "50 packets transmitted, 50 received, 0% packet loss" in out, out

    for host in cloud.hosts:
        assert wait_for(lambda h=host: feed_stats(cloud, h.name)["connected"], 20)
        after = feed_stats(cloud, host.name)
        # Resumed from the cursor: no full state fetched again, no resync asked for.
        assert after["state_fetches"] == before[host.name]["state_fetches"]
        assert after["resyncs"] == before[host.name]["resyncs"]
        assert after["errors"] > before[host.name]["errors"]
    # And the feed works after the restart: a new VM is reachable across hosts.
    port, vm = cloud.boot(cloud.hosts[1], pair["net"], security_group_ids=[pair["group"].id])
    cloud.wait_status(port, "ACTIVE")
    assert vm_a.reaches(vm.ip, tries=30)


def test_a_journal_pruned_under_a_disconnected_agent_makes_it_resync(cloud: Cloud, pair: dict) -> None:
    """Last in the module: it turns the server's journal retention down (SIGHUP) and back."""
    sdk = cloud.sdk
    host_b = cloud.hosts[1]
    vm_a: Vm = pair["a"][1]
    port_b, vm_b = pair["b"]
    closed = sdk.network.create_security_group(name=f"pruned-{uuid.uuid4().hex[:6]}")
    sdk.network.update_port(port_b.id, security_group_ids=[closed.id])
    assert wait_for(lambda: vm_a.ping(vm_b.ip, count=1)[1] == 0, 20)
    before = feed_stats(cloud, "host-b")

    cloud.bridge.disconnect(host_b)  # the agent runs on, but cannot reach the server
    assert wait_for(lambda: not feed_stats(cloud, "host-b")["connected"], 20)
    sdk.network.create_security_group_rule(security_group_id=closed.id, direction="ingress",
                                           ethertype="IPv4", protocol="icmp")
    server = cloud.server
    original = open(server.conf_path).read()
    server.write_conf(f"agent_down_time = {AGENT_DOWN_TIME}\n"
                      "[journal]\nmax_rows = 1\nprune_interval = 0.2\n")
    server.signal(signal.SIGHUP)
    try:
        # More changes, so the rows after host-b's cursor are gone for sure.
        for n in range(3):
            sdk.network.create_network(name=f"churn-{n}")
        time.sleep(2)
        cloud.bridge.connect(host_b)
        assert wait_for(lambda: feed_stats(cloud, "host-b")["resyncs"] > before["resyncs"], 30)
        assert wait_for(lambda: feed_stats(cloud, "host-b")["state_fetches"]
                        > before["state_fetches"], 30)
        # The full state it fetched carries the rule made while it was away.
        assert vm_a.reaches(vm_b.ip, tries=20)
    finally:
        with open(server.conf_path, "w") as f:
            f.write(original)
        server.signal(signal.SIGHUP)
        sdk.network.update_port(port_b.id, security_group_ids=[pair["group"].id])
