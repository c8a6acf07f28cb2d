"""Agent benchmark: converge an empty host to 1,000 ports on 100 networks, then one change.

Run as ``python -m bench.agent_bench`` (root; Open vSwitch installed). It starts
its own Open vSwitch (userspace datapath) in a private namespace, plugs 1,000
OVS internal ports on br-int with ``external_ids:iface-id`` as Nova would (not
timed: plugging is the compute service's job), and times the agent:

* ``converge_seconds``: from an empty br-int to all flows and tunnel ports, one
  ``sync`` (desired flows computed, installed flows dumped, one bundle applied);
* ``restart_resync_seconds``: a new agent's first sync on the loaded host (finds
  everything in place, applies nothing);
* ``port_add/admin_down/remove_seconds``: one port change on the loaded host
  (median of several runs).

Each of the 100 VXLAN networks has 10 local ports and one port on each of 3
remote hosts, so remote MACs, flooding lists and tunnel ports are exercised.
Results go to bench/results/agent.json.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import time
from dataclasses import replace
from pathlib import Path

from bench import machine
from neutrino.agent.desired import DesiredState, Network, Port
from neutrino.agent.reconciler import Agent
from tests.functional.testbed import OvsHost, Testbed

NETWORKS = 100
PORTS_PER_NETWORK = 10
REMOTE_HOSTS = ("remote-1", "remote-2", "remote-3")
REPEATS = 5
RESULTS = Path(__file__).parent / "results" / "agent.json"


def mac(n: int) -> str:
    return "fa:16:3e:" + ":".join(f"{(n >> s) & 0xFF:02x}" for s in (16, 8, 0))


def build_desired(host: str) -> DesiredState:
    networks, ports = [], []
    for n in range(NETWORKS):
        net = Network(f"net-{n:03d}", "vxlan", 10000 + n)
        networks.append(net)
        for i in range(PORTS_PER_NETWORK):
            k = n * PORTS_PER_NETWORK + i
            ports.append(Port(f"port-{k:04d}", net.id, mac(k), host, (f"10.{n}.0.{i + 2}",)))
        for r, remote in enumerate(REMOTE_HOSTS):
            k = 100000 + n * len(REMOTE_HOSTS) + r
            ports.append(Port(f"rport-{k}", net.id, mac(k), remote, (f"10.{n}.1.{r + 2}",)))
    endpoints = {remote: f"10.99.0.{i + 10}" for i, remote in enumerate(REMOTE_HOSTS)}
    return DesiredState(tuple(networks), tuple(ports), endpoints)


def plug(host: OvsHost, ports: list[Port]) -> None:
    """Plug ports as OVS internal ports, 200 per OVSDB transaction (Nova's part).

    In batches: at load average 20, one transaction of 1,000 ports outlasted ovs-vsctl's timeout.
    """
    for first in range(0, len(ports), 200):
        args: list[str] = []
        for port in ports[first:first + 200]:
            name = f"t{port.id[-6:]}"
            args += ["--", "--may-exist", "add-port", "br-int", name, "--", "set", "interface",
                     name, "type=internal", f"external_ids:iface-id={port.id}"]
        host.vsctl(*args)


CPU: list[float] = []  # the agent process's CPU time of each timed() call, both threads


def timed(fn) -> float:  # noqa: ANN001 - any zero-argument callable
    cpu = time.process_time()
    began = time.perf_counter()
    fn()
    CPU.append(time.process_time() - cpu)
    return time.perf_counter() - began


def main() -> dict[str, object]:
    with tempfile.TemporaryDirectory(prefix="agent-bench-") as tmp:
        bed = Testbed(Path(tmp))
        try:
            return run(bed)
        finally:
            bed.close()


def run(bed: Testbed) -> dict[str, object]:
    load_before = machine.load_average()
    host = bed.add_host("bench-host")
    agent = bed.start_agent(host)
    desired = build_desired(host.name)
    local = [p for p in desired.ports if p.host == host.name]
    plug_seconds = timed(lambda: plug(host, local))

    cpu = time.process_time()
    converge = agent.sync(desired)
    converge_cpu = time.process_time() - cpu
    flows = len(host.dump_flows())

    restarted = Agent(host.agent_config())
    bed.agents.append(restarted)
    restarted.start()
    resync = restarted.sync(desired)
    agent = restarted

    adds, downs, removes = [], [], []
    cpus: list[list[float]] = [[], [], []]
    for r in range(REPEATS):
        extra = Port(f"port-x{r:03d}", "net-007", mac(50000 + r), host.name, ("10.7.0.200",))
        plug(host, [extra])
        grown = replace(desired, ports=desired.ports + (extra,))
        agent.sync(grown)  # the plug itself moved OVSDB: settle before timing
        down_port = replace(extra, admin_state_up=False)
        downed = replace(desired, ports=desired.ports + (down_port,))
        adds_desired = grown
        agent.sync(desired)
        adds.append(timed(lambda d=adds_desired: agent.sync(d)))
        downs.append(timed(lambda d=downed: agent.sync(d)))
        removes.append(timed(lambda: agent.sync(desired)))
        for kind, spent in zip(cpus, CPU[-3:], strict=True):
            kind.append(spent)

    return {
        "benchmark": "agent: converge an empty host, then one port change",
        "setup": {
            "networks": NETWORKS, "local_ports": len(local),
            "remote_ports": len(desired.ports) - len(local), "remote_hosts": len(REMOTE_HOSTS),
            "network_type": "vxlan", "datapath": "netdev (userspace)",
            "ports": "OVS internal ports on br-int with external_ids:iface-id",
            "plug_seconds_untimed_part": round(plug_seconds, 3),
        },
        "flows_installed": flows,
        "converge_seconds": round(converge.seconds, 3),
        # The agent's own CPU (its threads; not ovs-ofctl or ovs-vswitchd).
        "converge_agent_cpu_seconds": round(converge_cpu, 3),
        "restart_resync_seconds": round(resync.seconds, 3),
        "restart_resync_changes": resync.added + resync.deleted,
        "port_add_seconds": round(statistics.median(adds), 4),
        "port_admin_down_seconds": round(statistics.median(downs), 4),
        "port_remove_seconds": round(statistics.median(removes), 4),
        "port_add_agent_cpu_seconds": round(statistics.median(cpus[0]), 4),
        "port_admin_down_agent_cpu_seconds": round(statistics.median(cpus[1]), 4),
        "port_remove_agent_cpu_seconds": round(statistics.median(cpus[2]), 4),
        "repeats": REPEATS,
        "load_average_before": load_before,
        "machine": {**machine.describe(),
                    "ovs": subprocess.run(["ovs-vswitchd", "--version"], capture_output=True,
                                          text=True, check=False).stdout.split("\n")[0]},
        "load_average_after": machine.load_average(),
    }


if __name__ == "__main__":
    result = main()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
