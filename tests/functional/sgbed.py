"""The shared testbed of the security group tests, and probes for real traffic.

One testbed per test module (two hosts; VMs a1 and a2 on host-a, b1 on host-b,
IPv4 and IPv6): every test converges both agents to its own groups first, so
tests are independent of each other's rules; they use distinct ports so a
conntrack entry of one test never answers for another.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from pathlib import Path

import pytest

from neutrino.agent.desired import DesiredState, Network, Port, SecurityGroup, SecurityGroupRule
from neutrino.agent.reconciler import Agent

from .conftest import _require_dataplane
from .testbed import OvsHost, Testbed, Vm, ns_exec, run

HERE = Path(__file__).parent
NET = Network("sgnet", "vxlan", 6001)
V4, V6 = "192.168.30", "fd00:30::"


def rule(rule_id: str, direction: str, ethertype: str = "IPv4", protocol: str | None = None,
         low: int | None = None, high: int | None = None, prefix: str | None = None,
         group: str | None = None) -> SecurityGroupRule:
    return SecurityGroupRule(rule_id, direction, ethertype, protocol, low, high, prefix, group)


EGRESS_ANY = (rule("eg4", "egress"), rule("eg6", "egress", "IPv6"))


def default_group(group_id: str = "default") -> SecurityGroup:
    """Neutron's default group: all egress, ingress from members of the same group."""
    return SecurityGroup(group_id, True, (*EGRESS_ANY, rule(f"{group_id}-in4", "ingress", group=group_id),
                                          rule(f"{group_id}-in6", "ingress", "IPv6", group=group_id)))


@dataclass
class Bed:
    testbed: Testbed
    hosts: dict[str, OvsHost]
    agents: dict[str, Agent]
    vms: dict[str, Vm]
    ports: dict[str, Port]

    def converge(self, groups: tuple[SecurityGroup, ...], port_groups: dict[str, tuple[str, ...]],
                 members: dict[str, tuple[str, ...]] | None = None, *,
                 logs: tuple[dict, ...] = (), **changes: dict) -> DesiredState:
        """Sync both hosts; members default to what the server computes from the ports.
        ``logs``: packet logs as the API shows them (the agent keeps the enabled ones)."""
        ports = []
        for name, port in self.ports.items():
            port = replace(port, security_groups=port_groups.get(name, ()), **changes.get(name, {}))
            ports.append(port)
        if members is None:
            members = {}
            for port in ports:
                addresses = (*port.fixed_ips, *(ip for ip, _ in port.allowed_address_pairs))
                for group in port.security_groups:
                    members[group] = members.get(group, ()) + addresses
        desired = DesiredState((NET,), tuple(ports), {h.name: h.tunnel_ip for h in self.hosts.values()},
                               security_groups=groups, security_group_members=members,
                               logs=DesiredState.from_api((), (), logs=logs).logs)
        for agent in self.agents.values():
            agent.sync(desired)
        return desired


def enable_ipv6(vm: Vm, address: str) -> None:
    run(ns_exec(vm.ns, ["sysctl", "-q", "-w", "net.ipv6.conf.all.disable_ipv6=0",
                        "net.ipv6.conf.eth0.disable_ipv6=0"]))
    run(ns_exec(vm.ns, ["ip", "-6", "addr", "add", f"{address}/64", "dev", "eth0", "nodad"]))


@pytest.fixture(scope="module")
def bed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bed]:
    _require_dataplane()
    testbed = Testbed(tmp_path_factory.mktemp("sg"))
    try:
        hosts = {name: testbed.add_host(name) for name in ("host-a", "host-b")}
        agents = {name: testbed.start_agent(host) for name, host in hosts.items()}
        ports, vms = {}, {}
        for index, (name, host) in enumerate((("a1", "host-a"), ("a2", "host-a"), ("b1", "host-b")), 1):
            port = Port(f"sg-{name}", NET.id, f"fa:16:3e:30:00:{index:02x}", host,
                        (f"{V4}.{index}", f"{V6}{index}"))
            ports[name] = port
            vms[name] = testbed.add_vm(hosts[host], port.id, port.mac_address, port.fixed_ips[0])
            enable_ipv6(vms[name], port.fixed_ips[1])
        yield Bed(testbed, hosts, agents, vms, ports)
    finally:
        testbed.close()


def ip4(bed: Bed, name: str) -> str:
    return bed.ports[name].fixed_ips[0]


def ip6(bed: Bed, name: str) -> str:
    return bed.ports[name].fixed_ips[1]


@contextmanager
def listening(vm: Vm, proto: str, *ports: int, addr: str = "0.0.0.0") -> Iterator[None]:
    cmd = ns_exec(vm.ns, [sys.executable, str(HERE / "sockprobe.py"), "listen", proto, addr,
                          *map(str, ports)])
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
        yield
    finally:
        proc.kill()
        proc.wait(timeout=10)


def connects(vm: Vm, proto: str, addr: str, port: int, src: str | None = None) -> bool:
    args = [sys.executable, str(HERE / "sockprobe.py"), "connect", proto, addr, str(port)]
    return run(ns_exec(vm.ns, args + ([src] if src else [])), check=False).returncode == 0


def pings(vm: Vm, target: str, count: int = 2, src: str | None = None) -> bool:
    """True when every echo came back; the first try may wait for ARP/ND."""
    args = ["ping", "-n", "-q", "-c", str(count), "-i", "0.2", "-W", "1"]
    if src:
        args += ["-I", src]
    for _ in range(2):
        out = run(ns_exec(vm.ns, [*args, target]), check=False).stdout
        if f"{count} received" in out:
            return True
    return False


def delivered(bed: Bed, sender: Vm, receiver: Vm, frames: dict[str, bytes], marker: bytes) -> set[str]:
    """Names of the frames sent raw from ``sender`` that reached ``receiver``."""
    return delivered_to(sender, [receiver], frames, marker)[0]


def delivered_to(sender: Vm, receivers: list[Vm], frames: dict[str, bytes],
                 marker: bytes) -> list[set[str]]:
    """For each receiver, the names of the frames sent raw from ``sender`` that reached it."""
    script = str(HERE / "rawframes.py")
    captures = []
    for receiver in receivers:
        cap = subprocess.Popen(ns_exec(receiver.ns, [sys.executable, script, "capture", "eth0", "4",
                                                     marker.hex()]), stdout=subprocess.PIPE, text=True)
        assert cap.stdout is not None and cap.stdout.readline().strip() == "ready"
        captures.append(cap)
    # One sender process for all frames: on a loaded machine, one each would outlast the capture.
    run(ns_exec(sender.ns, [sys.executable, script, "send", "eth0",
                            *(frame.hex() for frame in frames.values())]))
    result = []
    for cap in captures:
        out, _ = cap.communicate(timeout=15)
        got = {bytes.fromhex(line.split('"data": "')[1].split('"')[0]) for line in out.splitlines()
               if '"data"' in line}
        result.append({name for name, frame in frames.items() if any(frame[12:] in data for data in got)})
    return result


@contextmanager
def session(vm: Vm, addr: str, port: int) -> Iterator[subprocess.Popen[str]]:
    proc = subprocess.Popen(ns_exec(vm.ns, [sys.executable, str(HERE / "sockprobe.py"), "session",
                                            addr, str(port)]),
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "connected"
        yield proc
    finally:
        proc.kill()
        proc.wait(timeout=10)


def exchange(proc: subprocess.Popen[str]) -> bool:
    assert proc.stdin is not None and proc.stdout is not None
    proc.stdin.write("hello\n")
    proc.stdin.flush()
    return proc.stdout.readline().strip() == "ok"


def conntrack(host: OvsHost) -> str:
    return run(["ovs-appctl", "-t", f"{host.workdir}/ovs-vswitchd.ctl", "dpctl/dump-conntrack"],
               env=host.env).stdout
