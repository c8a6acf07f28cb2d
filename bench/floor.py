"""The floor of the API benchmark, and every API figure as a ratio to it.

`bench.floor_app` (a bare Falcon app on the same gunicorn worker and SQLite engine as
`neutrino serve`, one row per port, no validation or policy) is measured by the same
client, with the same counts, in the same run as the API, right after it. A ratio
is floor time / API time (or API rate / floor rate): 1.0 would be an API as cheap
as the floor, 0.25 one that takes four times as long. ``cpu_ratio`` is the same
for the server's CPU time per operation, which other work on the machine moves less.
"""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

import requests

from bench.api_bench import (
    CONCURRENT_CLIENTS, CREATES_PER_CLIENT, ITEM_REPEATS, LIST_REPEATS, SEQUENTIAL_CREATES,
    THREADS, Client, Server, fill, repeat,
)
from tests.support.postgres import free_port

NETWORK = "00000000-0000-0000-0000-00000000f100"

# Figure in api.json -> (floor figure, how to read it): "rate" compares per_second,
# "time" compares median_s.
RATIOS = {
    "port_create_sequential": ("post_sequential", "rate"),
    "port_create_8_clients": ("post_8_clients", "rate"),
    "show_port": ("get_one", "time"),
    "update_port": ("put_one", "time"),
    "delete_port": ("delete_one", "time"),
    "list_1000_ports.full": ("list_1000", "time"),
    "list_10000_ports.full": ("list_10000", "time"),
}
# The targets for the ratios (issue 8): not judged in `targets_met` yet.
RATIO_TARGETS = {"port_create_sequential": 0.4, "show_port": 0.5, "list_10000_ports.full": 0.5}


class FloorProcess:
    """`python -m bench.floor_app` on a free port, in a directory of its own."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="neutrino-floor-")
        self.port = free_port()
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 60) -> FloorProcess:
        log = open(os.path.join(self.dir, "floor.log"), "wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.floor_app", "--port", str(self.port),
             "--state-dir", os.path.join(self.dir, "state"), "--threads", str(THREADS)],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the floor app exited early: {self.log()}")
            try:
                if requests.get(f"http://127.0.0.1:{self.port}/", timeout=5).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"the floor app did not answer within {timeout}s: {self.log()}")

    def log(self) -> str:
        with open(os.path.join(self.dir, "floor.log"), errors="replace") as f:
            return f.read()[-3000:]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)


def _rate(count: int, seconds: float, cpu_seconds: float) -> dict:
    return {"requests": count, "seconds": round(seconds, 3), "per_second": round(count / seconds, 1),
            "server_cpu_ms": round(cpu_seconds / count * 1000, 2)}


def measure(port_count: int) -> dict:
    """The floor's figures, with the counts of the API benchmark."""
    floor = FloorProcess().start()
    try:
        server = Server(floor)
        client = Client(floor.port)
        cpu, began = server.cpu_seconds(), time.perf_counter()
        created = [client.post("/ports", {"port": {"network_id": NETWORK, "device_id": f"dev-{i}"}})
                   ["port"]["id"] for i in range(SEQUENTIAL_CREATES)]
        out: dict = {"post_sequential": _rate(SEQUENTIAL_CREATES, time.perf_counter() - began,
                                              server.cpu_seconds() - cpu)}
        client.close()

        def one_client(k: int) -> None:
            own = Client(floor.port)
            for i in range(CREATES_PER_CLIENT):
                own.post("/ports", {"port": {"network_id": NETWORK, "device_id": f"c{k}-{i}"}})
            own.close()
        cpu, began = server.cpu_seconds(), time.perf_counter()
        with ThreadPoolExecutor(CONCURRENT_CLIENTS) as pool:
            list(pool.map(one_client, range(CONCURRENT_CLIENTS)))
        out["post_8_clients"] = _rate(CONCURRENT_CLIENTS * CREATES_PER_CLIENT,
                                      time.perf_counter() - began, server.cpu_seconds() - cpu)

        have = SEQUENTIAL_CREATES + CONCURRENT_CLIENTS * CREATES_PER_CLIENT
        for target in sorted({1000, port_count}):
            client = Client(floor.port)
            have = fill(client, NETWORK, have, target)
            out[f"list_{target}"] = repeat(server, lambda: client.call("GET", "/ports"),
                                           LIST_REPEATS)
            client.close()

        client = Client(floor.port)
        item = created[0]
        out["get_one"] = repeat(server, lambda: client.call("GET", f"/ports/{item}"), ITEM_REPEATS)
        names = iter(range(10**6))
        out["put_one"] = repeat(server, lambda: client.call(
            "PUT", f"/ports/{item}", {"port": {"name": f"n{next(names)}"}}), ITEM_REPEATS)
        doomed = iter(created[1:])
        out["delete_one"] = repeat(server, lambda: client.call(
            "DELETE", f"/ports/{next(doomed)}", expect=204), ITEM_REPEATS)
        client.close()
    finally:
        floor.stop()
    return out


def _figure(results: dict, key: str) -> dict | None:
    value: object = results
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value if isinstance(value, dict) else None


def ratios(api: dict, floor: dict) -> dict:
    """Every API figure that has a floor counterpart, as a ratio to it."""
    out = {}
    for key, (floor_key, kind) in RATIOS.items():
        mine, base = _figure(api, key), floor.get(floor_key)
        if mine is None or base is None:
            continue
        if kind == "rate":
            ratio = mine["per_second"] / base["per_second"]
            cpu = mine.get("server_cpu_ms_per_create")
        else:
            ratio = base["median_s"] / mine["median_s"]
            cpu = mine.get("server_cpu_ms")
        entry: dict = {"ratio": round(ratio, 3), "floor": floor_key}
        # Server CPU per operation, floor / API: less moved by other work on the machine
        # than wall-clock time (both processes lose the same cores to it).
        if cpu and base.get("server_cpu_ms"):
            entry["cpu_ratio"] = round(base["server_cpu_ms"] / cpu, 3)
        if key in RATIO_TARGETS:
            entry["target"] = f">= {RATIO_TARGETS[key]}"
            entry["meets_target"] = ratio >= RATIO_TARGETS[key]
        out[key] = entry
    return out
