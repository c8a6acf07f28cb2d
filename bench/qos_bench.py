"""QoS over HTTP and the Placement sync.

Policy create and rule create (each type in turn, one policy per rule) per second
on one keep-alive connection against a fresh `neutrino serve` (SQLite); port
create with a QoS policy beside port create without one; and the sync of 100
agents with 4 devices each into a real Placement (tests/support/placement.py),
as a server process runs it (one sync thread here): the first sync (every provider
created), the same reports again (nothing to change), one device's bandwidth
changed on every agent, the periodic verifying pass, and a process that has
nothing cached (reads all, writes nothing).

    python -m bench.qos_bench [--output FILE] [--no-placement]
"""
from __future__ import annotations

import argparse
import json
import time
import uuid
from pathlib import Path

from bench import machine
from bench.api_bench import Client, Server, discard
from bench.l3_bench import rate
from tests.support.server import ServerProcess

RESULTS = Path(__file__).parent / "results" / "qos.json"
COUNT = 300
# One sync thread: a Placement on SQLite (as the tests run it) does not take concurrent
# writers ("database is locked"); the pool of [placement] sync_workers is for a real one.
AGENTS, DEVICES, WORKERS = 100, 4, 1
RULES = (("bandwidth_limit", {"max_kbps": 10_000}), ("dscp_marking", {"dscp_mark": 26}),
         ("minimum_bandwidth", {"min_kbps": 1000}), ("minimum_packet_rate", {"min_kpps": 10}),
         ("packet_rate_limit", {"max_kpps": 100}))
UNLIMITED = "[quotas]\nquota_network = -1\nquota_subnet = -1\nquota_port = -1\n"


def api(out: dict) -> None:
    proc = ServerProcess(threads=8, extra_conf=UNLIMITED).start(timeout=60)
    try:
        server = Server(proc)
        c = Client(proc.port)
        policies: list[str] = []
        out["policy_create"] = rate(server, [lambda: policies.append(c.post(
            "/qos/policies", {"policy": {"name": "p"}})["policy"]["id"]) for _ in range(COUNT)])
        calls = [(lambda p=p, t=t, b=b: c.post(f"/qos/policies/{p}/{t}_rules", {f"{t}_rule": b}))
                 for i, p in enumerate(policies) for t, b in [RULES[i % len(RULES)]]]
        out["rule_create"] = rate(server, calls)
        net = c.post("/networks", {"network": {}})["network"]
        c.post("/subnets", {"subnet": {"network_id": net["id"], "ip_version": 4,
                                       "cidr": "10.128.0.0/9"}})
        out["port_create_without_policy"] = rate(server, [lambda: c.post(
            "/ports", {"port": {"network_id": net["id"]}}) for _ in range(COUNT)])
        limited = policies[0]  # a bandwidth_limit rule
        out["port_create_with_policy"] = rate(server, [lambda: c.post(
            "/ports", {"port": {"network_id": net["id"], "qos_policy_id": limited}})
            for _ in range(COUNT)])
        c.close()
    finally:
        discard(proc)


def _counted(client) -> list[int]:
    """A one-element list counting the client's Placement calls."""
    count, real_call = [0], client._call

    def call(*args, **kw):
        count[0] += 1
        return real_call(*args, **kw)

    client._call = call
    return count


def placement_sync(out: dict) -> None:
    """The sync as a server process runs it: a Reporter (WORKERS threads) over one
    PlacementSync, every agent submitted at once, waited for."""
    from keystoneauth1 import session
    from keystoneauth1.adapter import Adapter
    from keystoneauth1.token_endpoint import Token

    from neutrino.services.qos.placement.client import PlacementClient
    from neutrino.services.qos.placement.reporter import Reporter
    from neutrino.services.qos.placement.sync import PlacementSync
    from tests.support.placement import Placement

    placement = Placement().start()
    try:
        def reporter() -> tuple[Reporter, list[int]]:
            sess = session.Session(auth=Token(placement.url, placement.token))
            client = PlacementClient(Adapter(sess, service_type="placement"), timeout=60)
            return Reporter(PlacementSync(client), lambda agent, ok: None, WORKERS), \
                _counted(client)

        agents = []
        for i in range(AGENTS):
            host = f"bench-{i}-{uuid.uuid4().hex[:6]}"
            placement.create_compute_node(host)
            bridges = {f"br-{d}": {"egress": 10_000_000, "ingress": 10_000_000}
                       for d in range(DEVICES)}
            agents.append({"id": str(uuid.uuid4()), "host": host,
                           "agent_type": "Open vSwitch agent", "configurations": {
                               "bridge_mappings": {f"physnet{d}": f"br-{d}" for d in range(DEVICES)},
                               "resource_provider_bandwidths": bridges}})
        running, calls = reporter()
        restarted, restarted_calls = reporter()  # another process: nothing cached
        changed = [{**a, "configurations": {**a["configurations"], "resource_provider_bandwidths": {
            **a["configurations"]["resource_provider_bandwidths"],
            "br-0": {"egress": 10_000_000, "ingress": 5_000_000}}}} for a in agents]
        for key, rep, count, verify, reports, what in (
                ("placement_sync_first", running, calls, False, agents,
                 "every provider created"),
                ("placement_sync_unchanged", running, calls, False, agents,
                 "the same reports again: nothing to compare"),
                ("placement_sync_changed", running, calls, False, changed,
                 "one device's ingress bandwidth changed on every agent"),
                ("placement_sync_verify", running, calls, True, changed,
                 "the periodic verifying pass: one listing per agent"),
                ("placement_sync_fresh_process", restarted, restarted_calls, False, changed,
                 "a process with nothing cached: reads everything, writes nothing")):
            before = count[0]
            began = time.perf_counter()
            futures = [rep.submit(agent, verify=verify) for agent in reports]
            ok = all(f.result() for f in futures)
            seconds = time.perf_counter() - began
            out[key] = {"agents": AGENTS, "devices_per_agent": DEVICES, "workers": WORKERS,
                        "what": what, "all_synced": ok, "seconds": round(seconds, 2),
                        "ms_per_agent": round(seconds / AGENTS * 1000, 1),
                        "placement_calls": count[0] - before,
                        "load_average": machine.load_average()}
    finally:
        placement.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default=str(RESULTS))
    parser.add_argument("--no-placement", action="store_true")
    args = parser.parse_args(argv)
    out: dict = {"benchmark": "qos: one fresh `neutrino serve` over HTTP (SQLite); a real "
                              "Placement (SQLite, noauth2) for the sync",
                 "machine": machine.describe(), "load_average_before": machine.load_average()}
    api(out)
    if not args.no_placement:
        placement_sync(out)
    out["load_average_after"] = machine.load_average()
    Path(args.output).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps({k: v for k, v in out.items() if k != "machine"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
