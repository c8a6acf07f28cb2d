"""VLAN transparency: a VM's own 802.1Q tag crosses a VLAN provider network untouched."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neutrino.agent.desired import DesiredState, Network

from .test_dataplane_l2 import endpoints, make_port
from .testbed import Testbed, ns_exec

pytestmark = pytest.mark.dataplane

RAWFRAMES = str(Path(__file__).with_name("rawframes.py"))
CUSTOMER_VID = 42
PROVIDER_VID = 310


def start_capture(ns: str, ifname: str, marker: bytes) -> subprocess.Popen[str]:
    proc = subprocess.Popen(
        ns_exec(ns, [sys.executable, RAWFRAMES, "capture", ifname, "3", marker.hex()]),
        stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def captured(proc: subprocess.Popen[str]) -> list[dict]:
    out, _ = proc.communicate(timeout=15)
    return [json.loads(line) for line in out.splitlines() if line.startswith("{")]


def test_customer_vlan_tag_passes_inside_an_8021ad_provider_tag(testbed: Testbed) -> None:
    host_a, host_b = testbed.add_host("host-a"), testbed.add_host("host-b")
    agents = [testbed.start_agent(host_a), testbed.start_agent(host_b)]
    net = Network("qinq", "vlan", PROVIDER_VID, "physnet1", vlan_transparent=True)
    p1, p2 = make_port(net, "host-a", 1), make_port(net, "host-b", 2)
    vm1 = testbed.add_vm(host_a, p1.id, p1.mac_address, p1.fixed_ips[0])
    vm2 = testbed.add_vm(host_b, p2.id, p2.mac_address, p2.fixed_ips[0])
    desired = DesiredState((net,), (p1, p2), endpoints(testbed))
    for agent in agents:
        agent.sync(desired)
    assert vm1.reaches(p2.fixed_ips[0])  # untagged traffic works too

    marker = f"neutrino-qinq-{testbed.tag}".encode()
    frame = (bytes.fromhex(p2.mac_address.replace(":", "")) +
             bytes.fromhex(p1.mac_address.replace(":", "")) +
             bytes.fromhex(f"8100{CUSTOMER_VID:04x}88b5") + marker.ljust(46, b"\0"))
    at_vm = start_capture(vm2.ns, "eth0", marker)
    on_wire = start_capture(testbed.underlay, "upl2", marker)  # cable to host-b
    time.sleep(0.2)
    subprocess.run(ns_exec(vm1.ns, [sys.executable, RAWFRAMES, "send", "eth0", frame.hex()]),
                   check=True, timeout=10)

    received = captured(at_vm)
    assert received and received[0]["vid"] == CUSTOMER_VID and received[0]["tpid"] == 0x8100
    wire = captured(on_wire)
    # On the physical network: the provider's 802.1ad tag outside, the customer's inside.
    assert wire and wire[0]["vid"] == PROVIDER_VID and wire[0]["tpid"] == 0x88A8
    assert wire[0]["data"][24:32] == f"8100{CUSTOMER_VID:04x}"
