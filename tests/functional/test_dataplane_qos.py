"""QoS on the wire: bandwidth limits measured with iperf3 and DSCP marks read off
received packets, end to end (`neutrino serve`, one `neutrino agent` per host,
resources made through the API; docs/qos.md, docs/classifications.md).

What is asserted is what the packets show: the rate iperf3's receiver measured,
and the DSCP of each UDP datagram as the receiving socket got it (IP_RECVTOS).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator

import pytest

from tests.support.client import Client
from tests.support.waiting import wait_for

from .cloud import Cloud
from .testbed import Vm, ns_exec, run

pytestmark = [pytest.mark.dataplane, pytest.mark.xdist_group("e2e-qos")]

LIMIT_KBPS = 10_000
TOLERANCE = 0.15
PROBE = os.path.join(os.path.dirname(__file__), "dscpprobe.py")


@pytest.fixture(scope="module")
def vms(cloud: Cloud) -> Iterator[tuple[Client, dict, Vm, dict, Vm]]:
    """Two VMs on two hosts on one tenant network (the default group lets them talk)."""
    if shutil.which("iperf3") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("iperf3 not installed (Debian: iperf3)")
        pytest.skip("iperf3 not installed (Debian: iperf3)")
    api = Client(cloud.url)
    net = cloud.sdk.network.create_network(name="qos-net")
    cloud.sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.30.1.0/24")
    host_a, host_b = cloud.hosts
    port_a, vm_a = cloud.boot(host_a, net)
    port_b, vm_b = cloud.boot(host_b, net)
    assert vm_a.reaches(vm_b.ip, tries=30)
    yield api, port_a.to_dict(), vm_a, port_b.to_dict(), vm_b


def _policy(api: Client, port: dict) -> dict:
    r = api.post("/v2.0/qos/policies", {"policy": {"name": "qos-" + uuid.uuid4().hex[:6]}})
    assert r.status == 201, r
    policy = r.json["policy"]
    r = api.put(f"/v2.0/ports/{port['id']}", {"port": {"qos_policy_id": policy["id"]}})
    assert r.status == 200, r
    return policy


def _detach(api: Client, port: dict, policy: dict) -> None:
    assert api.put(f"/v2.0/ports/{port['id']}", {"port": {"qos_policy_id": None}}).status == 200
    assert api.delete(f"/v2.0/qos/policies/{policy['id']}").status == 204


def _rule(api: Client, policy: dict, kind: str, **attrs) -> dict:
    r = api.post(f"/v2.0/qos/policies/{policy['id']}/{kind}_rules", {f"{kind}_rule": attrs})
    assert r.status == 201, r
    return r.json[f"{kind}_rule"]


# ---- bandwidth -------------------------------------------------------------------------

def iperf_kbps(sender: Vm, receiver: Vm, seconds: int = 4, port: int = 5201) -> float:
    """TCP goodput from ``sender`` to ``receiver`` as iperf3's receiving side measured it
    (the first second, TCP's ramp and the meter's burst, left out)."""
    server = subprocess.Popen(ns_exec(receiver.ns, ["iperf3", "-s", "-1", "-B", receiver.ip,
                                                    "-p", str(port)]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        found: dict = {}

        def measured() -> bool:  # until the server listens
            done = run(ns_exec(sender.ns, ["iperf3", "-c", receiver.ip, "-p", str(port), "-t",
                                           str(seconds), "-O", "1", "-J"]),
                       timeout=seconds + 30, check=False)
            out = json.loads(done.stdout or "{}")
            if done.returncode == 0 and "sum_received" in out.get("end", {}):
                found["out"] = out
            else:
                print("iperf3:", done.returncode, done.stdout[-2000:], done.stderr[-500:])
            return "out" in found
        assert wait_for(measured, 30), "iperf3 never connected"
        out = found["out"]
        return out["end"]["sum_received"]["bits_per_second"] / 1000
    finally:
        server.kill()
        server.wait(timeout=10)


def within(kbps: float) -> bool:
    return abs(kbps - LIMIT_KBPS) <= TOLERANCE * LIMIT_KBPS


@pytest.mark.parametrize("direction", ["egress", "ingress"])
def test_bandwidth_limit_holds_within_15_percent_and_goes_with_the_rule(vms, direction) -> None:
    api, port_a, vm_a, port_b, vm_b = vms
    unlimited = iperf_kbps(vm_a, vm_b)
    assert unlimited > LIMIT_KBPS * (1 + TOLERANCE) * 1.5, (
        f"without a limit the testbed carries only {unlimited:.0f} kbit/s: the limit could "
        "not be told apart")
    # Egress: the sender's port is limited; ingress: the receiver's.
    limited_port = port_a if direction == "egress" else port_b
    policy = _policy(api, limited_port)
    rule = _rule(api, policy, "bandwidth_limit", max_kbps=LIMIT_KBPS, direction=direction)
    rates: list[float] = []
    # The agent applies the rule within a few seconds; measure until it shows.
    assert wait_for(lambda: rates.append(iperf_kbps(vm_a, vm_b, 2)) or rates[-1] <
                    LIMIT_KBPS * (1 + TOLERANCE), 60), rates
    measured = iperf_kbps(vm_a, vm_b, 5)
    assert within(measured), f"{direction} limit {LIMIT_KBPS} kbit/s, measured {measured:.0f}"
    # A higher limit: the measured rate follows.
    r = api.put(f"/v2.0/qos/policies/{policy['id']}/bandwidth_limit_rules/{rule['id']}",
                {"bandwidth_limit_rule": {"max_kbps": LIMIT_KBPS * 2}})
    assert r.status == 200, r
    assert wait_for(lambda: iperf_kbps(vm_a, vm_b, 2) > LIMIT_KBPS * (1 + TOLERANCE) * 1.2, 60)
    # The rule gone: unlimited again.
    assert api.delete(f"/v2.0/qos/policies/{policy['id']}/bandwidth_limit_rules/"
                      f"{rule['id']}").status == 204
    assert wait_for(lambda: iperf_kbps(vm_a, vm_b, 2) > LIMIT_KBPS * 2 * (1 + TOLERANCE), 60)
    _detach(api, limited_port, policy)


def iperf_udp_pps(sender: Vm, receiver: Vm, seconds: int = 4, port: int = 5202) -> float:
    """Small UDP datagrams (about 4,000 a second offered) from ``sender``: how many a
    second ``receiver`` got, as iperf3 counted them. (The meter's burst, 80 % of a
    second's worth, is in the count: measured over 10 s it adds 8 %.)"""
    server = subprocess.Popen(ns_exec(receiver.ns, ["iperf3", "-s", "-1", "-B", receiver.ip,
                                                    "-p", str(port)]),
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        found: dict = {}

        def measured() -> bool:
            done = run(ns_exec(sender.ns, ["iperf3", "-c", receiver.ip, "-p", str(port), "-u",
                                           "-b", "2M", "-l", "64", "-t", str(seconds), "-J"]),
                       timeout=seconds + 30, check=False)
            out = json.loads(done.stdout or "{}")
            if done.returncode == 0 and "sum" in out.get("end", {}):
                found["sum"] = out["end"]["sum"]
            return "sum" in found
        assert wait_for(measured, 30), "iperf3 never connected"
        total = found["sum"]
        return (total["packets"] - total["lost_packets"]) / total["seconds"]
    finally:
        server.kill()
        server.wait(timeout=10)


def test_packet_rate_limit_holds_within_15_percent(vms) -> None:
    api, port_a, vm_a, port_b, vm_b = vms
    limit_pps = 1000
    unlimited = iperf_udp_pps(vm_a, vm_b)
    assert unlimited > limit_pps * (1 + TOLERANCE) * 1.5, (
        f"without a limit only {unlimited:.0f} packets/s arrive: the limit could not be told "
        "apart")
    policy = _policy(api, port_a)
    _rule(api, policy, "packet_rate_limit", max_kpps=limit_pps // 1000, direction="egress")
    rates: list[float] = []
    assert wait_for(lambda: rates.append(iperf_udp_pps(vm_a, vm_b, 2)) or rates[-1] <
                    limit_pps * (1 + TOLERANCE), 60), rates
    measured = iperf_udp_pps(vm_a, vm_b, 10)
    assert abs(measured - limit_pps) <= TOLERANCE * limit_pps, (limit_pps, measured)
    _detach(api, port_a, policy)
    assert wait_for(lambda: iperf_udp_pps(vm_a, vm_b, 2) > limit_pps * (1 + TOLERANCE) * 1.5, 60)


# ---- DSCP marking -----------------------------------------------------------------------

def received_marks(sender: Vm, receiver: Vm, port: int, count: int = 5) -> list[int]:
    """The DSCP of each UDP datagram ``receiver`` got of ``count`` sent to ``port``."""
    listener = subprocess.Popen(ns_exec(receiver.ns, [sys.executable, PROBE, "recv", receiver.ip,
                                                      str(port), "4"]),
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert listener.stdout is not None
        assert listener.stdout.readline().strip() == "ready", listener.stderr.read()
        run(ns_exec(sender.ns, [sys.executable, PROBE, "send", receiver.ip, str(port),
                                str(count)]))
        out, _ = listener.communicate(timeout=30)
    finally:
        if listener.poll() is None:
            listener.kill()
            listener.wait(timeout=10)
    return [int(line) for line in out.split()]


def marked(sender: Vm, receiver: Vm, expected: dict[int, int]) -> bool:
    """Whether every datagram to each port arrives with the DSCP expected for it."""
    for port, dscp in expected.items():
        marks = received_marks(sender, receiver, port)
        if not marks or set(marks) != {dscp}:
            return False
    return True


def test_dscp_marks_only_what_the_classification_group_matches(vms) -> None:
    api, port_a, vm_a, port_b, vm_b = vms
    assert marked(vm_a, vm_b, {5300: 0, 5301: 0}), "no marking before any rule"
    r = api.post("/v2.0/classifications", {"classification": {
        "type": "udp", "definition": {"dst_port_min": 5300, "dst_port_max": 5300}}})
    assert r.status == 201, r
    udp = r.json["classification"]
    r = api.post("/v2.0/classifications", {"classification": {
        "type": "ipv4", "definition": {"dst_addr": f"{vm_b.ip}/32"}}})
    assert r.status == 201, r
    to_b = r.json["classification"]
    r = api.post("/v2.0/classification_groups", {"classification_group": {
        "classifications": [udp["id"], to_b["id"]], "operator": "AND"}})
    assert r.status == 201, r
    group = r.json["classification_group"]

    policy = _policy(api, port_a)
    rule = _rule(api, policy, "dscp_marking", dscp_mark=26, classification_group_id=group["id"])
    # Only UDP to port 5300 of vm_b is marked (AF31); the rest leaves unmarked.
    assert wait_for(lambda: marked(vm_a, vm_b, {5300: 26, 5301: 0}), 60)

    # A rule for all other traffic beside it: 5301 now gets its mark, 5300 keeps the group's.
    plain = _rule(api, policy, "dscp_marking", dscp_mark=10)
    assert wait_for(lambda: marked(vm_a, vm_b, {5300: 26, 5301: 10}), 60)

    # Changing the classified rule's mark changes what the wire carries.
    r = api.put(f"/v2.0/qos/policies/{policy['id']}/dscp_marking_rules/{rule['id']}",
                {"dscp_marking_rule": {"dscp_mark": 34}})
    assert r.status == 200, r
    assert wait_for(lambda: marked(vm_a, vm_b, {5300: 34, 5301: 10}), 60)

    # Removing it: the unclassified rule marks everything.
    assert api.delete(f"/v2.0/qos/policies/{policy['id']}/dscp_marking_rules/"
                      f"{rule['id']}").status == 204
    assert wait_for(lambda: marked(vm_a, vm_b, {5300: 10, 5301: 10}), 60)
    # And the group, no longer used, may go.
    assert api.delete(f"/v2.0/classification_groups/{group['id']}").status == 204
    assert api.delete(f"/v2.0/qos/policies/{policy['id']}/dscp_marking_rules/"
                      f"{plain['id']}").status == 204
    assert wait_for(lambda: marked(vm_a, vm_b, {5300: 0, 5301: 0}), 60)
    _detach(api, port_a, policy)
