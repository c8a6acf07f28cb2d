"""API benchmark: a fresh `neutrino serve` (one gunicorn gthread worker x 8
threads, SQLite) measured from outside over HTTP, like a client would.

    python -m bench.api_bench [--ports 10000] [--output bench/results/api.json]

Figures (bench/README.md explains each): server start to first answer, port
create with one client and with 8 concurrent clients, lists of 1,000 and of
10,000 ports (full, filtered by device_id, fields=id), show, update, delete,
subnet-from-pool allocations per second, and the server's resident memory after
the run; then the same operations on a bare Falcon app (bench/floor_app.py), and
every API figure as a ratio to it (``ratios_to_floor``, bench/floor.py). A figure
with a target has
``target`` and ``pass``; ``targets_met`` sums them up. Next to wall-clock
times it records the server's CPU time per request, which varies less on a
shared machine, and the load average before and after the run.

The client is the standard library's http.client on one keep-alive connection
per client: about 0.3 ms of client CPU a request where `requests` takes
1.2-1.5 ms, so the figures are the server's rather than the client's.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from urllib.parse import urlencode

from bench import machine
from tests.support.server import ServerProcess

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results", "api.json")

THREADS = 8
STARTS = 5
SEQUENTIAL_CREATES = 500
CREATE_PAIRS = 10  # paired rounds with the floor (bench/floor.py) of 50 creates each
CONCURRENT_CLIENTS = 8
CREATES_PER_CLIENT = 15
CONCURRENT_PAIRS = 4  # rounds of 8 clients x 15 creates each
LIST_REPEATS = 5
LIST_PAIRS = 7  # paired rounds of one full list
ITEM_REPEATS = 200
ITEM_PAIRS = 10  # paired rounds of 20 shows (updates, deletes) each
BULK = 200
POOL_ALLOCATIONS = 200

TARGET_MISSED = 3  # exit status when the run completed but missed a target

# The targets, with whether a larger value is better.
TARGETS = {
    "start_to_first_answer": (1.0, False, "median < 1 s"),
    "port_create_sequential": (300.0, True, ">= 300 creates per second"),
    "list_10000_full": (0.5, False, "median < 0.5 s"),
    "memory_after_run": (150.0, False, "< 150 MB resident (master + worker)"),
}


UNLIMITED_QUOTAS = "[quotas]\nquota_network = -1\nquota_subnet = -1\nquota_port = -1\n"


def judged(name: str, figure: dict, value: float) -> dict:
    limit, higher_is_better, text = TARGETS[name]
    figure["target"] = text
    figure["pass"] = value >= limit if higher_is_better else value < limit
    return figure


class Server:
    """The server under test, with its processes' CPU time and memory."""

    def __init__(self, proc: ServerProcess) -> None:
        self.proc = proc
        self.master = proc.proc.pid
        with open(f"/proc/{self.master}/task/{self.master}/children") as f:
            self.workers = [int(pid) for pid in f.read().split()]

    def cpu_seconds(self) -> float:
        """User + system CPU time of the worker processes so far."""
        total = 0
        for pid in self.workers:
            with open(f"/proc/{pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def memory_mb(self) -> dict:
        """Resident (RSS) and proportional (PSS: shared pages split) memory."""
        def read(pid: int) -> tuple[float, float]:
            with open(f"/proc/{pid}/status") as f:
                rss = next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))
            with open(f"/proc/{pid}/smaps_rollup") as f:
                pss = next(int(line.split()[1]) for line in f if line.startswith("Pss:"))
            return round(rss / 1024, 1), round(pss / 1024, 1)
        master, workers = read(self.master), [read(pid) for pid in self.workers]
        return {
            "rss_mb": {"master": master[0], "workers": [w[0] for w in workers],
                       "total": round(master[0] + sum(w[0] for w in workers), 1)},
            "pss_mb": {"master": master[1], "workers": [w[1] for w in workers],
                       "total": round(master[1] + sum(w[1] for w in workers), 1)},
        }


def repeat(server: Server, fn: Callable[[], object], times: int) -> dict:
    """Median and fastest wall time of ``times`` calls, and server CPU per call."""
    samples = []
    cpu = server.cpu_seconds()
    for _ in range(times):
        began = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - began)
    return {"median_s": round(statistics.median(samples), 4), "min_s": round(min(samples), 4),
            "server_cpu_ms": round((server.cpu_seconds() - cpu) / times * 1000, 2),
            "repeats": times}


class Client:
    """One keep-alive HTTP/1.1 connection to the server, speaking JSON."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method: str, path: str, body: object = None, params: dict | None = None,
             expect: int = 200) -> bytes:
        if params:
            path += "?" + urlencode(params)
        headers = {"Content-Type": "application/json"} if body is not None else {}
        payload = None if body is None else json.dumps(body)
        try:
            self.conn.request(method, "/v2.0" + path, body=payload, headers=headers)
            response = self.conn.getresponse()
        except (BrokenPipeError, ConnectionResetError, http.client.RemoteDisconnected):
            # The server closed the idle keep-alive connection (gunicorn's keepalive
            # expired while the other server of a pair was driven) before it read the
            # request: send it again on a new connection.
            self.conn.close()
            self.conn.request(method, "/v2.0" + path, body=payload, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        if response.status != expect:
            raise RuntimeError(f"{method} {path}: {response.status} {data[:300]!r}")
        return data

    def post(self, path: str, body: object) -> dict:
        return json.loads(self.call("POST", path, body, expect=201))

    def close(self) -> None:
        self.conn.close()


def start_server() -> tuple[ServerProcess, float]:
    began = time.perf_counter()
    # Tens of thousands of ports in one project: far beyond the default quotas.
    proc = ServerProcess(threads=THREADS, extra_conf=UNLIMITED_QUOTAS).start(timeout=60,
                                                                             poll=0.005)
    return proc, time.perf_counter() - began


def discard(proc: ServerProcess) -> None:
    proc.stop()
    shutil.rmtree(proc.dir, ignore_errors=True)


def measure_start() -> tuple[ServerProcess, dict]:
    """Start ``STARTS`` fresh servers (new, empty database each); keep the last."""
    samples = []
    for i in range(STARTS):
        proc, seconds = start_server()
        samples.append(round(seconds, 3))
        if i < STARTS - 1:
            discard(proc)
    median = statistics.median(samples)
    figure = {"median_s": round(median, 3), "min_s": min(samples), "samples_s": samples}
    return proc, judged("start_to_first_answer", figure, median)


def measure_pool_allocations(server: Server, port: int) -> dict:
    """Subnets allocated one after another from one subnet pool (each one a /28 the
    server chooses, with the pool's row locked), on one network."""
    client = Client(port)
    pool = client.post("/subnetpools", {"subnetpool": {
        "name": "bench", "prefixes": ["172.16.0.0/12"], "default_prefixlen": 28}})["subnetpool"]
    net = client.post("/networks", {"network": {"name": "bench-pool"}})["network"]
    body = {"subnet": {"network_id": net["id"], "ip_version": 4, "subnetpool_id": pool["id"]}}
    cpu = server.cpu_seconds()
    began = time.perf_counter()
    for _ in range(POOL_ALLOCATIONS):
        client.post("/subnets", body)
    seconds = time.perf_counter() - began
    client.close()
    return {"subnets": POOL_ALLOCATIONS, "seconds": round(seconds, 3),
            "per_second": round(POOL_ALLOCATIONS / seconds, 1),
            "server_cpu_ms_per_allocation": round((server.cpu_seconds() - cpu)
                                                  / POOL_ALLOCATIONS * 1000, 2)}


def fill(client: Client, network_id: str, have: int, target: int) -> int:
    """Bulk-create ports (not timed) until the network has ``target``."""
    while have < target:
        batch = min(BULK, target - have)
        client.post("/ports", {"ports": [{"network_id": network_id,
                                          "device_id": f"bulk-{have + i}"}
                                         for i in range(batch)]})
        have += batch
    return have


def _api_figure(api: dict, per_round: int) -> dict:
    """An API time figure from paired rounds: median and fastest call, mean CPU."""
    samples = api["samples_s"]
    return {"median_s": round(statistics.median(samples), 4), "min_s": round(min(samples), 4),
            "server_cpu_ms": round(statistics.fmean(api["cpu_s"]) * 1000, 2),
            "repeats": len(api["wall_s"]) * per_round}


def _api_rate(api: dict, per_round: int) -> dict:
    """An API rate figure from paired rounds (its own rounds' time only)."""
    count = len(api["wall_s"]) * per_round
    seconds = sum(api["wall_s"]) * per_round
    return {"ports": count, "seconds": round(seconds, 3), "per_second": round(count / seconds, 1),
            "server_cpu_ms_per_create": round(statistics.fmean(api["cpu_s"]) * 1000, 2)}


def run(port_count: int) -> dict:
    # Imported here: bench.floor imports this module's client and server classes.
    from bench import floor
    from bench.floor import Side, paired, ratio_entry

    out: dict = {
        "benchmark": "api: one fresh `neutrino serve` over HTTP",
        "server": f"neutrino serve: gunicorn gthread, 1 worker x {THREADS} threads, SQLite (WAL)",
        "machine": machine.describe(),
        "load_average_before": machine.load_average(),
        "ratio_method": f"paired rounds, API and floor in turn (bench/README.md): "
                        f"creates {CREATE_PAIRS} x {SEQUENTIAL_CREATES // CREATE_PAIRS}, "
                        f"8 clients {CONCURRENT_PAIRS} x {CONCURRENT_CLIENTS} x "
                        f"{CREATES_PER_CLIENT}, lists {LIST_PAIRS} x 1, "
                        f"show/update/delete {ITEM_PAIRS} x {ITEM_REPEATS // ITEM_PAIRS}",
    }
    proc, out["start_to_first_answer"] = measure_start()
    floor_proc = None
    try:
        # Both servers run side by side; only one is driven at a time.
        floor_proc = floor.FloorProcess().start()
        server = Server(proc)
        api_side, floor_side = Side("api", server), Side("floor", Server(floor_proc))
        client, fclient = Client(proc.port), Client(floor_proc.port)
        net = client.post("/networks", {"network": {"name": "bench"}})["network"]
        client.post("/subnets", {"subnet": {"network_id": net["id"], "ip_version": 4,
                                            "cidr": "10.128.0.0/9"}})
        rounds: dict[str, tuple[dict, dict]] = {}

        created: list[str] = []
        floor_created: list[str] = []

        def create(c: Client, network_id: str, into: list[str]) -> Callable[[], None]:
            def one() -> None:
                into.append(c.post("/ports", {"port": {
                    "network_id": network_id, "device_id": f"dev-{len(into) % 50}"}})
                    ["port"]["id"])
            return one
        per_round = SEQUENTIAL_CREATES // CREATE_PAIRS
        rounds["port_create_sequential"] = paired(
            api_side, floor_side, create(client, net["id"], created),
            create(fclient, floor.NETWORK, floor_created), CREATE_PAIRS, per_round)
        out["port_create_sequential"] = judged(
            "port_create_sequential",
            _api_rate(rounds["port_create_sequential"][0], per_round),
            _api_rate(rounds["port_create_sequential"][0], per_round)["per_second"])
        client.close()
        fclient.close()

        def clients(port: int, network_id: str) -> Callable[[int], None]:
            def one_client(k: int) -> None:
                own = Client(port)
                for i in range(CREATES_PER_CLIENT):
                    own.post("/ports", {"port": {"network_id": network_id,
                                                 "device_id": f"c{k}-{i}"}})
                own.close()
            return one_client

        def concurrently(side: Side, one_client: Callable[[int], None],
                         _count: int) -> tuple[float, float]:
            wall, cpu = floor.concurrent_round(side, one_client, CONCURRENT_CLIENTS)
            return wall / CREATES_PER_CLIENT, cpu / CREATES_PER_CLIENT
        per_round = CONCURRENT_CLIENTS * CREATES_PER_CLIENT
        rounds["port_create_8_clients"] = paired(
            api_side, floor_side, clients(proc.port, net["id"]),
            clients(floor_proc.port, floor.NETWORK), CONCURRENT_PAIRS, per_round,
            timed=concurrently)
        out["port_create_8_clients"] = {"clients": CONCURRENT_CLIENTS,
                                        **_api_rate(rounds["port_create_8_clients"][0],
                                                    per_round)}

        have = len(created) + out["port_create_8_clients"]["ports"]
        floor_have = have
        for target in sorted({1000, port_count}):
            # A new connection per phase: no idle keep-alive expiry.
            client, fclient = Client(proc.port), Client(floor_proc.port)
            have = fill(client, net["id"], have, target)
            floor_have = fill(fclient, floor.NETWORK, floor_have, target)
            listed = json.loads(client.call("GET", "/ports", params={"fields": "id"}))["ports"]
            if len(listed) != target:
                raise RuntimeError(f"expected {target} ports, listed {len(listed)}")
            key = f"list_{target}_ports.full"
            rounds[key] = paired(api_side, floor_side, lambda: client.call("GET", "/ports"),
                                 lambda: fclient.call("GET", "/ports"), LIST_PAIRS, 1)
            out[f"list_{target}_ports"] = {
                "full": _api_figure(rounds[key][0], 1),
                "filtered_by_device_id": repeat(server, lambda: client.call(
                    "GET", "/ports", params={"device_id": "dev-7"}), LIST_REPEATS),
                "fields_id": repeat(server, lambda: client.call(
                    "GET", "/ports", params={"fields": "id"}), LIST_REPEATS),
            }
            client.close()
            fclient.close()
        if port_count == 10000:
            full = out["list_10000_ports"]["full"]
            judged("list_10000_full", full, full["median_s"])

        client, fclient = Client(proc.port), Client(floor_proc.port)
        per_round = ITEM_REPEATS // ITEM_PAIRS
        port_id, item = created[0], floor_created[0]
        rounds["show_port"] = paired(
            api_side, floor_side, lambda: client.call("GET", f"/ports/{port_id}"),
            lambda: fclient.call("GET", f"/ports/{item}"), ITEM_PAIRS, per_round)
        names = iter(range(10**6))
        rounds["update_port"] = paired(
            api_side, floor_side,
            lambda: client.call("PUT", f"/ports/{port_id}", {"port": {"name": f"n{next(names)}"}}),
            lambda: fclient.call("PUT", f"/ports/{item}", {"port": {"name": f"n{next(names)}"}}),
            ITEM_PAIRS, per_round)
        doomed, floor_doomed = iter(created[1:]), iter(floor_created[1:])
        rounds["delete_port"] = paired(
            api_side, floor_side,
            lambda: client.call("DELETE", f"/ports/{next(doomed)}", expect=204),
            lambda: fclient.call("DELETE", f"/ports/{next(floor_doomed)}", expect=204),
            ITEM_PAIRS, per_round)
        for key in ("show_port", "update_port", "delete_port"):
            out[key] = _api_figure(rounds[key][0], per_round)
        client.close()
        fclient.close()

        out["subnet_from_pool_allocations"] = measure_pool_allocations(server, proc.port)

        memory = server.memory_mb()
        out["memory_after_run"] = judged("memory_after_run", memory, memory["rss_mb"]["total"])
    finally:
        discard(proc)
        if floor_proc is not None:
            floor_proc.stop()
    out["floor"] = {floor_key: floor.floor_figure(rounds[key][1], rate=key.startswith("port_"))
                    for key, floor_key in floor.RATIOS.items() if key in rounds}
    out["ratios_to_floor"] = {key: ratio_entry(key, floor_key, *rounds[key])
                              for key, floor_key in floor.RATIOS.items() if key in rounds}
    out["load_average_after"] = machine.load_average()
    out["targets_met"] = all(figure["pass"] for figure in _judged_figures(out))
    return out


def _judged_figures(out: dict) -> list[dict]:
    found = []

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if "pass" in value:
                found.append(value)
            for item in value.values():
                walk(item)
    walk(out)
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--ports", type=int, default=10000, help="ports in the large list")
    parser.add_argument("--output", default=RESULTS)
    args = parser.parse_args(argv)
    if args.ports < 1000:
        parser.error("--ports must be at least 1000 (the 1,000-port list comes first)")
    result = run(args.ports)
    os.makedirs(os.path.dirname(args.output), exist_ok=True)
    with open(args.output, "w") as f:
        json.dump(result, f, indent=2)
        f.write("\n")
    print(json.dumps(result, indent=2))
    return 0 if result["targets_met"] else TARGET_MISSED


if __name__ == "__main__":
    sys.exit(main())
