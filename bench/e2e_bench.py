"""End-to-end benchmark: from an API call to flows on a host, and one host's full sync.

Run as ``python -m bench.e2e_bench`` (root; Open vSwitch installed). It starts
`neutrino serve` (SQLite) and the testbed of tests/functional (hosts are
namespaces with their own Open vSwitch, userspace datapath):

* ``api_to_flows``: two hosts, each with its `neutrino agent` process; host-a
  carries a VXLAN network (one VM plugged). Each sample creates a port with
  ``binding:host_id = host-b`` (one POST, as Nova binds) and times until
  host-a's br-int holds the flow that sends the new MAC to host-b's tunnel (the
  POST, the journal, the feed's long-poll answer, the agent's sync and its
  OpenFlow bundle). ``dump-flows`` is polled every ~5 ms, which bounds the
  resolution. ~50 samples: median and p95.
* ``plug_to_active``: after such a create on host-a itself, the VIF plugged as
  Nova does (OVSDB ``iface-id``; timed from ovs-vsctl's return) until the API
  shows the port ACTIVE (the agent saw OVSDB move, wired the port, reported it up).
* ``sg_rule_to_flows`` and ``remote_group_member_to_flows``: a security group rule
  created, and a port of host-b joining a group another group's rule names, until
  host-a (where a VM of that group is) has the flow (see
  ``security_groups_to_flows``). ~50 samples each: median and p95.
* ``full_sync_1000``: one host with 1,000 bound, plugged ports on 100 networks
  (bulk-created, plugging untimed): a new agent's ``state()`` from the server
  (the whole desired state over HTTP, parsed) and its first ``sync`` on an
  empty br-int (flows computed and installed in one bundle).

Results go to bench/results/e2e.json.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import requests

from bench import machine
from neutrino.agent.feed import FeedClient
from neutrino.agent.reconciler import Agent
from neutrino.agent.reporting import OVS_AGENT_TYPE, OVS_BINARY
from tests.functional.cloud import ApiBridge, spawn_agent
from tests.functional.testbed import PHYS_BRIDGE, PHYSNET, OvsHost, Testbed
from tests.support.server import ServerProcess

SAMPLES = 50
NETWORKS = 100
PORTS_PER_NETWORK = 10
RESULTS = Path(__file__).parent / "results" / "e2e.json"


class Api:
    """Plain HTTP to the server (noauth: admin); the SDK's own cost is not ours to time."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.http = requests.Session()

    def post(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self.http.post(self.url + path, json=body, timeout=60)
        if r.status_code >= 300:
            raise RuntimeError(f"POST {path}: {r.status_code} {r.text[:300]}")
        return r.json()

    def put(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = self.http.put(self.url + path, json=body, timeout=60)
        if r.status_code >= 300:
            raise RuntimeError(f"PUT {path}: {r.status_code} {r.text[:300]}")
        return r.json()

    def get(self, path: str) -> dict[str, Any]:
        r = self.http.get(self.url + path, timeout=60)
        r.raise_for_status()
        return r.json()


def wait(predicate: Any, timeout: float = 30.0, poll: float = 0.005) -> float:
    began = time.perf_counter()
    while not predicate():
        if time.perf_counter() - began > timeout:
            raise RuntimeError("timed out")
        time.sleep(poll)
    return time.perf_counter() - began


def has_mac_flow(host: OvsHost, mac: str) -> bool:
    return any(f"dl_dst={mac}" in f for f in host.dump_flows())


def has_flow_with(host: OvsHost, match: str) -> bool:
    """A flow on br-int whose match has ``match`` (e.g. ``tp_dst=20000``) as a whole field."""
    return any(f"{match}," in f or f"{match} " in f for f in host.dump_flows())


def plug_all(host: OvsHost, port_ids: list[str]) -> None:
    """Plug ports as OVS internal ports in one OVSDB transaction (Nova's part, untimed)."""
    args: list[str] = []
    for port_id in port_ids:
        name = f"t{port_id.replace('-', '')[:13]}"
        args += ["--", "--may-exist", "add-port", "br-int", name, "--", "set", "interface",
                 name, "type=internal", f"external_ids:iface-id={port_id}"]
    # --no-wait: ovs-vswitchd takes its time creating 1,000 ports; the caller waits for
    # their ofports instead of ovs-vsctl's own timeout.
    host.vsctl("--no-wait", *args)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def figure(samples: list[float]) -> dict[str, Any]:
    return {"median_ms": round(statistics.median(samples) * 1000, 1),
            "p95_ms": round(percentile(samples, 0.95) * 1000, 1),
            "max_ms": round(max(samples) * 1000, 1), "samples": len(samples)}


def api_to_flows(api: Api, bed: Testbed, server: ServerProcess) -> dict[str, Any]:
    bridge = ApiBridge(server.port)
    try:
        host_a, host_b = bed.add_host("host-a"), bed.add_host("host-b")
        agents = []
        for host in (host_a, host_b):
            bridge.connect(host)
            agents.append(spawn_agent(bed, host, server.url))
        for agent in agents:
            agent.wait_synced()
        wait(lambda: sum(a["alive"] for a in api.get("/v2.0/agents")["agents"]) == 2, 30, 0.1)
        net = api.post("/v2.0/networks", {"network": {"name": "bench", "port_security_enabled": False}})
        net_id = net["network"]["id"]
        api.post("/v2.0/subnets", {"subnet": {"network_id": net_id, "ip_version": 4,
                                              "cidr": "10.40.0.0/16"}})
        anchor = api.post("/v2.0/ports", {"port": {"network_id": net_id,
                                                   "binding:host_id": "host-a"}})["port"]
        bed.add_vm(host_a, anchor["id"], anchor["mac_address"], None)
        wait(lambda: api.get(f"/v2.0/ports/{anchor['id']}")["port"]["status"] == "ACTIVE", 30, 0.05)

        to_flows = []
        for _ in range(SAMPLES):
            began = time.perf_counter()
            port = api.post("/v2.0/ports", {"port": {"network_id": net_id,
                                                     "binding:host_id": "host-b"}})["port"]
            wait(lambda p=port: has_mac_flow(host_a, p["mac_address"]))
            to_flows.append(time.perf_counter() - began)

        to_active = []
        for _ in range(min(20, SAMPLES)):
            port = api.post("/v2.0/ports", {"port": {"network_id": net_id,
                                                     "binding:host_id": "host-a",
                                                     "device_owner": "compute:nova",
                                                     "device_id": str(uuid.uuid4())}})["port"]
            time.sleep(0.3)  # the agent has the port by now
            # Timed from the moment the VIF is in OVSDB (add_vm's namespace and veth are
            # the compute host's work, not ours).
            bed.add_vm(host_a, port["id"], port["mac_address"], None)
            began = time.perf_counter()
            wait(lambda p=port: api.get(f"/v2.0/ports/{p['id']}")["port"]["status"] == "ACTIVE",
                 30, 0.01)
            to_active.append(time.perf_counter() - began)
        return {"api_to_flows": {**figure(to_flows), "what": "POST port bound to host-b -> "
                                 "its MAC's flow on host-a's br-int"},
                "plug_to_active": {**figure(to_active), "what": "VIF plugged on host-a -> "
                                   "GET port shows ACTIVE"},
                **security_groups_to_flows(api, bed, host_a, host_b)}
    finally:
        bridge.close()


def security_groups_to_flows(api: Api, bed: Testbed, host_a: OvsHost,
                             host_b: OvsHost) -> dict[str, Any]:
    """A VM on host-a in group ``guarded``, which admits TCP from members of ``members``.

    * ``sg_rule_to_flows``: each sample POSTs a rule to ``guarded`` (ingress TCP to a
      port of its own) and times until host-a's br-int has a flow matching that port;
    * ``remote_group_member_to_flows``: each sample PUTs one of host-b's ports (made
      beforehand, in no group) into ``members`` and times until host-a's br-int has a
      flow matching its address (its clause of the remote-group conjunction).
    """
    net_id = api.post("/v2.0/networks", {"network": {"name": "bench-sg"}})["network"]["id"]
    api.post("/v2.0/subnets", {"subnet": {"network_id": net_id, "ip_version": 4,
                                          "cidr": "10.41.0.0/16"}})
    guarded, members = (api.post("/v2.0/security-groups", {"security_group": {"name": name}})
                        ["security_group"]["id"] for name in ("guarded", "members"))
    api.post("/v2.0/security-group-rules", {"security_group_rule": {
        "security_group_id": guarded, "direction": "ingress", "ethertype": "IPv4",
        "protocol": "tcp", "remote_group_id": members}})
    vm = api.post("/v2.0/ports", {"port": {"network_id": net_id, "binding:host_id": "host-a",
                                           "security_groups": [guarded]}})["port"]
    bed.add_vm(host_a, vm["id"], vm["mac_address"], None)
    wait(lambda: api.get(f"/v2.0/ports/{vm['id']}")["port"]["status"] == "ACTIVE", 30, 0.05)

    to_rule_flows = []
    for n in range(SAMPLES):
        port = 20000 + n
        began = time.perf_counter()
        api.post("/v2.0/security-group-rules", {"security_group_rule": {
            "security_group_id": guarded, "direction": "ingress", "ethertype": "IPv4",
            "protocol": "tcp", "port_range_min": port, "port_range_max": port}})
        wait(lambda p=port: has_flow_with(host_a, f"tp_dst={p}"))
        to_rule_flows.append(time.perf_counter() - began)

    joiners = api.post("/v2.0/ports", {"ports": [
        {"network_id": net_id, "binding:host_id": host_b.name, "security_groups": []}
        for _ in range(SAMPLES)]})["ports"]
    to_member_flows = []
    for joiner in joiners:
        address = joiner["fixed_ips"][0]["ip_address"]
        began = time.perf_counter()
        api.put(f"/v2.0/ports/{joiner['id']}", {"port": {"security_groups": [members]}})
        wait(lambda a=address: has_flow_with(host_a, f"nw_src={a}"))
        to_member_flows.append(time.perf_counter() - began)
    return {"sg_rule_to_flows": {**figure(to_rule_flows), "what": "POST security group rule "
                                 "-> its flow on host-a's br-int (a VM in the group there)"},
            "remote_group_member_to_flows": {**figure(to_member_flows), "what": "PUT a host-b "
                                             "port into a remote group -> its address's flow "
                                             "on host-a's br-int"}}


def full_sync(api: Api, bed: Testbed, server: ServerProcess) -> dict[str, Any]:
    host = bed.add_host("host-big")
    client = FeedClient(server.url, host.name)
    client.register({"host": host.name, "agent_type": OVS_AGENT_TYPE, "binary": OVS_BINARY,
                     "topic": "N/A", "start_flag": True,
                     "configurations": {"tunnel_types": ["vxlan"], "tunneling_ip": host.tunnel_ip,
                                        "bridge_mappings": {PHYSNET: PHYS_BRIDGE}}})
    for n in range(NETWORKS):
        net_id = api.post("/v2.0/networks", {"network": {"name": f"big-{n}"}})["network"]["id"]
        api.post("/v2.0/subnets", {"subnet": {"network_id": net_id, "ip_version": 4,
                                              "cidr": f"10.{100 + n // 100}.{n % 100}.0/24"}})
        api.post("/v2.0/ports", {"ports": [{"network_id": net_id, "binding:host_id": host.name}
                                           for _ in range(PORTS_PER_NETWORK)]})
    began = time.perf_counter()
    _, desired = client.state()
    fetch = time.perf_counter() - began
    local = [p for p in desired.ports if p.host == host.name]
    agent = Agent(host.agent_config())
    bed.agents.append(agent)
    agent.start()  # br-int exists: plug the VIFs into it
    plug_all(host, [p.id for p in local])
    wanted = {p.id for p in local}

    def plugged() -> bool:
        assert agent.ovsdb is not None
        return wanted <= {i.iface_id for i in agent.ovsdb.interfaces("br-int") if i.ofport > 0}
    wait(plugged, timeout=600, poll=0.5)
    converge = agent.sync(desired)
    return {"full_sync_1000": {
        "networks": NETWORKS, "bound_ports": len(local), "flows": converge.flows,
        "state_fetch_seconds": round(fetch, 3), "converge_seconds": round(converge.seconds, 3),
        "total_seconds": round(fetch + converge.seconds, 3)}}


def main() -> dict[str, Any]:
    load_before = machine.load_average()
    server = ServerProcess(extra_conf="agent_down_time = 75\n").start()
    try:
        api = Api(server.url)
        limits = api.get("/v2.0/quotas/admin")["quota"]
        api.http.put(f"{server.url}/v2.0/quotas/admin", timeout=30, json={"quota": {
            k: -1 for k in limits if k not in ("project_id", "tenant_id")}}).raise_for_status()
        with tempfile.TemporaryDirectory(prefix="e2e-bench-") as tmp:
            bed = Testbed(Path(tmp))
            try:
                result = api_to_flows(api, bed, server)
                result.update(full_sync(api, bed, server))
            finally:
                bed.close()
    finally:
        server.stop()
    return {"benchmark": "end to end: API call to flows on a host; full sync of one host",
            **result,
            "setup": {"server": "neutrino serve, SQLite, 1 worker x 8 threads",
                      "agents": "neutrino agent processes in host namespaces, userspace datapath",
                      "network_type": "vxlan"},
            "machine": {**machine.describe(),
                        "ovs": subprocess.run(["ovs-vswitchd", "--version"], capture_output=True,
                                              text=True, check=False).stdout.split("\n")[0]},
            "load_average_before": load_before, "load_average_after": machine.load_average()}


if __name__ == "__main__":
    figures = main()
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(figures, indent=2) + "\n")
    print(json.dumps(figures, indent=2))
