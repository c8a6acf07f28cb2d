"""Security group flow computation for one host: 1,000 ports with 10 rules each (pure computation).

Run as ``python -m bench.sg_bench``; needs no switch. One host, 100 VXLAN
networks x 10 local ports, each port in one of 10 groups of 10 rules (TCP
ports and ranges, UDP, ICMP type, remote_ip_prefix, IPv6, and two
remote-group rules), and a remote group of 1,000 member addresses (every
local port's fixed IP). Timed, median of several runs:

* ``cold_compute_seconds``: the extension's flows for the host from nothing
  (a fresh extension), checked for conflicts and their cookies computed (what
  ``Agent.sync`` does before diffing);
* ``warm_compute_seconds``: the same again on the extension that computed them
  (per-port flows are reused while port, ofport and groups are unchanged), as
  every sync after the first;
* ``membership_change_seconds``: a warm recompute after one member address is
  added, diffed against the previous flows (``flows_changed_by_one_member``).

Results go to bench/results/sg.json.
"""

from __future__ import annotations

import json
import statistics
import time
from pathlib import Path

from bench import machine
from neutrino.agent.desired import DesiredState, Network, Port, SecurityGroup, SecurityGroupRule
from neutrino.agent.extensions.security_groups import SecurityGroups
from neutrino.agent.openflow.manager import OpenFlowManager
from neutrino.agent.openflow.reconcile import check_conflicts, diff_flows
from neutrino.agent.topology import HostView, assign_network_ids, local_networks

NETWORKS = 100
PORTS_PER_NETWORK = 10
GROUPS = 10
REPEATS = 5
HOST = "bench-host"
RESULTS = Path(__file__).parent / "results" / "sg.json"


def rules_of(group: int) -> tuple[SecurityGroupRule, ...]:
    def rule(n: int, direction: str, ethertype: str = "IPv4", protocol: str | None = None,
             low: int | None = None, high: int | None = None, prefix: str | None = None,
             remote: str | None = None) -> SecurityGroupRule:
        return SecurityGroupRule(f"g{group}-r{n}", direction, ethertype, protocol, low, high, prefix,
                                 remote)
    return (
        rule(0, "egress"), rule(1, "egress", "IPv6"),
        rule(2, "ingress", protocol="tcp", low=22, high=22, prefix="10.200.0.0/16"),
        rule(3, "ingress", protocol="tcp", low=8000 + group, high=8999),
        rule(4, "ingress", protocol="udp", low=53, high=53),
        rule(5, "ingress", protocol="icmp", low=8, high=0),
        rule(6, "ingress", "IPv6", "tcp", 443, 443),
        rule(7, "ingress", "IPv6", "icmp"),
        rule(8, "ingress", remote="members"),
        rule(9, "ingress", protocol="tcp", low=5432, high=5432, remote="members"),
    )


def build_desired(extra_members: int = 0) -> DesiredState:
    networks, ports = [], []
    for n in range(NETWORKS):
        net = Network(f"net-{n:03d}", "vxlan", 10000 + n)
        networks.append(net)
        for i in range(PORTS_PER_NETWORK):
            k = n * PORTS_PER_NETWORK + i
            mac = "fa:16:3e:" + ":".join(f"{(k >> s) & 0xFF:02x}" for s in (16, 8, 0))
            ports.append(Port(f"port-{k:04d}", net.id, mac, HOST,
                              (f"10.{n}.0.{i + 2}", f"fd00:{n:x}::{i + 2:x}"),
                              security_groups=(f"group-{k % GROUPS}",)))
    groups = tuple(SecurityGroup(f"group-{g}", True, rules_of(g)) for g in range(GROUPS))
    members = tuple(ip for p in ports for ip in p.fixed_ips)
    members += tuple(f"10.250.0.{m + 1}" for m in range(extra_members))
    return DesiredState(tuple(networks), tuple(ports), security_groups=groups,
                        security_group_members={"members": members})


def view_of(desired: DesiredState) -> HostView:
    networks = local_networks(desired, HOST)
    ofports = {p.id: i for i, p in enumerate(desired.ports, 10)}
    return HostView(HOST, desired, networks, assign_network_ids(networks), local_ofports=ofports)


def compute(extension: SecurityGroups, owner, view: HostView) -> list:  # noqa: ANN001
    flows = list(extension.flows(owner, view))
    check_conflicts(flows)
    return flows


def main() -> dict[str, object]:
    manager = OpenFlowManager()
    owner = manager.register(SecurityGroups.name, SecurityGroups.stages)
    before_view, after_view = view_of(build_desired()), view_of(build_desired(extra_members=1))

    colds, warms, changes = [], [], []
    flows = changed = None
    for _ in range(REPEATS):
        extension = SecurityGroups()
        began = time.perf_counter()
        flows = compute(extension, owner, before_view)
        colds.append(time.perf_counter() - began)
        began = time.perf_counter()
        flows = compute(extension, owner, before_view)
        warms.append(time.perf_counter() - began)
        installed = [f.cookie for f in flows]
        began = time.perf_counter()
        diff = diff_flows(compute(extension, owner, after_view), installed, [owner.cookie])
        changes.append(time.perf_counter() - began)
        changed = len(diff.add) + len(diff.delete)
    assert flows is not None
    return {
        "benchmark": "security groups: flows for one host, pure computation",
        "setup": {"networks": NETWORKS, "local_ports": NETWORKS * PORTS_PER_NETWORK,
                  "groups": GROUPS, "rules_per_group": len(rules_of(0)),
                  "remote_group_members": len(before_view.desired.security_group_members["members"])},
        "flows": len(flows),
        "flows_per_port": round(len(flows) / (NETWORKS * PORTS_PER_NETWORK), 1),
        "cold_compute_seconds": round(statistics.median(colds), 3),
        "warm_compute_seconds": round(statistics.median(warms), 3),
        "membership_change_seconds": round(statistics.median(changes), 3),
        "flows_changed_by_one_member": changed,
        "repeats": REPEATS,
        "machine": machine.describe(),
        "load_average_after": machine.load_average(),
    }


if __name__ == "__main__":
    result = main()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
