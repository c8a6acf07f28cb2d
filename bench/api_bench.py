"""API benchmark: a fresh `neutrino serve` (one server process, SQLite) measured
from outside over HTTP, like a client would. Writes bench/results/api.json.

    python -m bench.api_bench [--ports 10000]
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import requests

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from tests.support.server import ServerProcess  # noqa: E402

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def rss_mb(pid: int) -> float:
    """Resident memory of a process and its children (gunicorn master + worker)."""
    total = 0
    pids = [pid]
    try:
        children = open(f"/proc/{pid}/task/{pid}/children").read().split()
        pids += [int(c) for c in children]
    except OSError:
        pass
    for p in pids:
        with open(f"/proc/{p}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
    return round(total / 1024, 1)


def timed(fn, repeat: int = 5) -> dict:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return {"median_s": round(statistics.median(samples), 4), "min_s": round(min(samples), 4)}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ports", type=int, default=10000)
    args = parser.parse_args()

    start = time.perf_counter()
    server = ServerProcess(threads=8).start(timeout=30)
    startup = time.perf_counter() - start
    base = server.url + "/v2.0"
    s = requests.Session()
    out: dict = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                             "platform": platform.platform()},
                 "server": "neutrino serve, 1 worker process x 8 threads, SQLite (WAL)",
                 "start_to_first_answer_s": round(startup, 3)}
    try:
        net = s.post(base + "/networks", json={"network": {"name": "bench"}}).json()["network"]
        s.post(base + "/subnets", json={"subnet": {"network_id": net["id"], "ip_version": 4,
                                                   "cidr": "10.128.0.0/9"}})
        # Sequential creates: one client, one keep-alive connection.
        n_seq = 500
        t0 = time.perf_counter()
        created = []
        for i in range(n_seq):
            r = s.post(base + "/ports", json={"port": {"network_id": net["id"],
                                                       "device_id": f"dev-{i % 50}"}})
            assert r.status_code == 201, r.text
            created.append(r.json()["port"]["id"])
        seq = time.perf_counter() - t0
        out["port_create_sequential"] = {"ports": n_seq, "seconds": round(seq, 3),
                                         "per_second": round(n_seq / seq, 1)}

        # Concurrent creates: 8 clients.
        n_conc, clients = 496, 8

        def worker(k: int) -> int:
            sess = requests.Session()
            for i in range(n_conc // clients):
                r = sess.post(base + "/ports", json={"port": {"network_id": net["id"],
                                                              "device_id": f"c{k}-{i}"}})
                assert r.status_code == 201, r.text
            return n_conc // clients
        t0 = time.perf_counter()
        with ThreadPoolExecutor(clients) as pool:
            sum(pool.map(worker, range(clients)))
        conc = time.perf_counter() - t0
        out["port_create_8_clients"] = {"ports": n_conc, "seconds": round(conc, 3),
                                        "per_second": round(n_conc / conc, 1)}

        # Fill up to 1,000 and then the full count with bulk requests, measuring lists at both.
        have = n_seq + n_conc
        for target in (1000, args.ports):
            while have < target:
                batch = min(200, target - have)
                r = s.post(base + "/ports", json={"ports": [
                    {"network_id": net["id"], "device_id": f"bulk-{have + i}"}
                    for i in range(batch)]})
                assert r.status_code == 201, r.text
                have += batch
            count = len(s.get(base + "/ports", params={"fields": "id"}).json()["ports"])
            assert count == target, count
            out[f"list_{target}_ports"] = {
                "full": timed(lambda: s.get(base + "/ports").content),
                "filtered_by_device_id": timed(
                    lambda: s.get(base + "/ports", params={"device_id": "dev-7"}).content),
                "fields_id": timed(lambda: s.get(base + "/ports", params={"fields": "id"}).content),
            }

        port_id = created[0]
        out["show_port"] = timed(lambda: s.get(f"{base}/ports/{port_id}").content, 200)
        counter = iter(range(10**6))
        out["update_port"] = timed(lambda: s.put(f"{base}/ports/{port_id}", json={
            "port": {"name": f"n{next(counter)}"}}).content, 200)
        to_delete = iter(created[1:])
        out["delete_port"] = timed(lambda: s.delete(f"{base}/ports/{next(to_delete)}"), 200)
        out["resident_memory_mb_after_run"] = rss_mb(server.proc.pid)
    finally:
        server.stop()
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, "api.json"), "w") as f:
        json.dump(out, f, indent=2)
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
