"""Agent feed benchmark: a fresh `neutrino serve` (one gunicorn gthread worker,
SQLite) and lightweight simulated agents (``neutrino.agent.feed.FeedClient`` in
threads), measured from outside over HTTP.

    python -m bench.feed_bench [--watchers 100] [--output bench/results/feed.json]

Figures (bench/README.md): the full state of a host with 1,000 bound ports
(median of 5, server CPU, size); 100 concurrent watchers while ports are created,
each change relevant to about a tenth of them: server CPU per delivered change
and the delay from the API's answer to the watcher's (median, p95); the server's
CPU while the 100 watchers wait and nothing changes (the one poller's cost).
"""
from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import threading
import time

import requests

from bench import machine
from bench.api_bench import UNLIMITED_QUOTAS, Server
from neutrino.agent.feed import FeedClient
from tests.support.server import ServerProcess

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "feed.json")
BIG_HOST_PORTS = 1000
NETWORKS = 10
STATE_REPEATS = 5
CHANGES = 200
IDLE_SECONDS = 5.0
TARGET_MISSED = 3
TARGETS = {"state_1000_ports": (1.0, False, "median < 1 s")}


def _post(url: str, path: str, body: dict) -> dict:
    r = requests.post(url + "/v2.0/" + path, json=body, timeout=120)
    r.raise_for_status()
    return r.json()


def setup(url: str) -> tuple[list[str], str]:
    """NETWORKS vxlan networks with a /20 each, a group without remote rules (so a new
    port changes no member list), and BIG_HOST_PORTS ports bound to one host."""
    nets = []
    for i in range(NETWORKS):
        net = _post(url, "networks", {"network": {"name": f"bench-{i}",
                                                  "provider:network_type": "vxlan"}})["network"]
        _post(url, "subnets", {"subnet": {"network_id": net["id"], "ip_version": 4,
                                          "cidr": f"10.{100 + i}.0.0/20"}})
        nets.append(net["id"])
    group = _post(url, "security-groups", {"security_group": {"name": "bench"}})["security_group"]
    per = BIG_HOST_PORTS // NETWORKS
    for net in nets:
        _post(url, "ports", {"ports": [{"network_id": net, "security_groups": [group["id"]],
                                        "binding:host_id": "big-host"} for _ in range(per)]})
    return nets, group["id"]


def measure_state(server: Server, url: str) -> dict:
    samples, size = [], 0
    cpu = server.cpu_seconds()
    for _ in range(STATE_REPEATS):
        began = time.perf_counter()
        r = requests.get(url + "/feed/v1/hosts/big-host/state", timeout=120)
        samples.append(time.perf_counter() - began)
        size = len(r.content)
        assert len(r.json()["state"]["ports"]) == BIG_HOST_PORTS
    figure = {"median_s": round(statistics.median(samples), 4), "min_s": round(min(samples), 4),
              "server_cpu_ms": round((server.cpu_seconds() - cpu) / STATE_REPEATS * 1000, 1),
              "bytes": size, "repeats": STATE_REPEATS}
    limit, _, text = TARGETS["state_1000_ports"]
    figure["target"], figure["pass"] = text, figure["median_s"] < limit
    return figure


class Watcher(threading.Thread):
    """One simulated agent: state, then watch until told to stop."""

    def __init__(self, url: str, host: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.client = FeedClient(url, host)
        self.stop = stop
        self.cursor, _ = self.client.state()
        self.received: dict[str, float] = {}  # port id -> when its create arrived
        self.changes = 0
        self.answers = 0
        self.error: Exception | None = None

    def run(self) -> None:
        try:
            while not self.stop.is_set():
                self.cursor, _ = self.client.watch(self.cursor, timeout=5)
                now = time.perf_counter()
                self.answers += 1
                for change in self.client.last_changes:
                    self.changes += 1
                    if change["resource_type"] == "port" and change["operation"] == "create":
                        self.received.setdefault(change["resource_id"], now)
        except Exception as err:  # noqa: BLE001 - reported in the results
            self.error = err


def measure_watchers(server: Server, url: str, nets: list[str], group: str, count: int) -> dict:
    # Each watcher's host carries one network: a port created there concerns 1/NETWORKS of them.
    hosts = [f"watcher-{i}" for i in range(count)]
    for i, host in enumerate(hosts):
        _post(url, "ports", {"port": {"network_id": nets[i % NETWORKS], "security_groups": [group],
                                      "binding:host_id": host}})
    stop = threading.Event()
    watchers = [Watcher(url, host, stop) for host in hosts]
    for w in watchers:
        w.start()
    time.sleep(1.0)  # all waiting
    cpu = server.cpu_seconds()
    time.sleep(IDLE_SECONDS)
    idle_cpu = server.cpu_seconds() - cpu
    rng = random.Random(7)
    made: dict[str, tuple[float, int]] = {}
    cpu = server.cpu_seconds()
    for _ in range(CHANGES):
        k = rng.randrange(NETWORKS)
        port = _post(url, "ports", {"port": {"network_id": nets[k], "security_groups": [group],
                                             "binding:host_id": f"elsewhere-{k}"}})["port"]
        made[port["id"]] = (time.perf_counter(), k)
        time.sleep(0.02)
    deadline = time.time() + 30
    expected = sum(1 for _pid, (_t, k) in made.items() for i in range(count) if i % NETWORKS == k)
    while time.time() < deadline and sum(len(w.received) for w in watchers) < expected:
        time.sleep(0.1)
    busy_cpu = server.cpu_seconds() - cpu
    stop.set()
    delays = sorted(w.received[pid] - made[pid][0] for w in watchers for pid in w.received
                    if pid in made)
    delivered = sum(w.changes for w in watchers)
    wrong = sum(1 for i, w in enumerate(watchers) for pid in w.received
                if pid in made and made[pid][1] != i % NETWORKS)
    errors = [repr(w.error) for w in watchers if w.error]
    return {
        "watchers": count, "api_changes": CHANGES, "deliveries_expected": expected,
        "deliveries_received": len(delays), "deliveries_to_unconcerned_hosts": wrong,
        "changes_delivered": delivered,
        "server_cpu_ms_per_delivered_change": round(busy_cpu / max(delivered, 1) * 1000, 3),
        "server_cpu_s_during_changes": round(busy_cpu, 2),
        "delay_median_ms": round(statistics.median(delays) * 1000, 1) if delays else None,
        "delay_p95_ms": round(delays[int(len(delays) * 0.95) - 1] * 1000, 1) if delays else None,
        "idle_server_cpu_percent": round(idle_cpu / IDLE_SECONDS * 100, 1),
        "errors": errors[:5],
    }


def run(watchers: int) -> dict:
    out: dict = {"machine": machine.describe(), "load_average_before": machine.load_average()}
    proc = ServerProcess(extra_conf=UNLIMITED_QUOTAS).start(timeout=60)
    try:
        server = Server(proc)
        nets, group = setup(proc.url)
        out["state_1000_ports"] = measure_state(server, proc.url)
        out["watch"] = measure_watchers(server, proc.url, nets, group, watchers)
    finally:
        proc.stop()
    out["load_average_after"] = machine.load_average()
    out["targets_met"] = out["state_1000_ports"]["pass"] and not out["watch"]["errors"] and (
        out["watch"]["deliveries_received"] == out["watch"]["deliveries_expected"])
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--watchers", type=int, default=100)
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args(argv)
    result = run(args.watchers)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(json.dumps(result, indent=2))
    return 0 if result["targets_met"] else TARGET_MISSED


if __name__ == "__main__":
    sys.exit(main())
