"""The L3 API over HTTP: router create, add interface, floating IP create and
associate, port forwarding create (per second, one client on one keep-alive
connection), and the list of 1,000 floating IPs.

    python -m bench.l3_bench [--output FILE]
"""
from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

from bench import machine
from bench.api_bench import Client, Server, discard, repeat
from tests.support.server import ServerProcess

RESULTS = Path(__file__).parent / "results" / "l3.json"
COUNT = 200
LIST_SIZE = 1000
UNLIMITED = ("[quotas]\nquota_network = -1\nquota_subnet = -1\nquota_port = -1\n"
             "quota_router = -1\nquota_floatingip = -1\n")


def rate(server: Server, calls: list) -> dict:
    cpu = server.cpu_seconds()
    began = time.perf_counter()
    for call in calls:
        call()
    seconds = time.perf_counter() - began
    return {"operations": len(calls), "seconds": round(seconds, 3),
            "per_second": round(len(calls) / seconds, 1),
            "server_cpu_ms_per_operation": round((server.cpu_seconds() - cpu) / len(calls)
                                                 * 1000, 2)}


def run() -> dict:
    out: dict = {"benchmark": "l3: one fresh `neutrino serve` over HTTP (SQLite)",
                 "machine": machine.describe(), "load_average_before": machine.load_average()}
    proc = ServerProcess(threads=8, extra_conf=UNLIMITED).start(timeout=60)
    try:
        server = Server(proc)
        c = Client(proc.port)
        ext = c.post("/networks", {"network": {"router:external": True}})["network"]
        c.post("/subnets", {"subnet": {"network_id": ext["id"], "ip_version": 4,
                                       "cidr": "100.64.0.0/16"}})
        nets = []
        for i in range(COUNT):
            net = c.post("/networks", {"network": {}})["network"]
            sub = c.post("/subnets", {"subnet": {"network_id": net["id"], "ip_version": 4,
                                                 "cidr": f"10.{i // 250}.{i % 250}.0/24"}})
            nets.append((net["id"], sub["subnet"]["id"]))
        routers: list[str] = []
        out["router_create"] = rate(server, [lambda: routers.append(c.post("/routers", {
            "router": {"external_gateway_info": {"network_id": ext["id"]}}})["router"]["id"])
            for _ in range(COUNT)])
        hub = routers[0]
        out["add_interface"] = rate(server, [
            (lambda s=s: c.call("PUT", f"/routers/{hub}/add_router_interface", {"subnet_id": s}))
            for _n, s in nets])
        fips: list[str] = []
        out["floatingip_create"] = rate(server, [lambda: fips.append(c.post(
            "/floatingips", {"floatingip": {"floating_network_id": ext["id"]}})[
            "floatingip"]["id"]) for _ in range(COUNT)])
        ports = [c.post("/ports", {"port": {"network_id": n}})["port"] for n, _s in nets]
        out["floatingip_associate"] = rate(server, [
            (lambda f=f, p=p: c.call("PUT", f"/floatingips/{f}",
                                     {"floatingip": {"port_id": p["id"]}}))
            for f, p in zip(fips[:COUNT // 2], ports[:COUNT // 2])])
        target = ports[-1]
        address = target["fixed_ips"][0]["ip_address"]
        base = f"/floatingips/{fips[-1]}/port_forwardings"
        out["port_forwarding_create"] = rate(server, [
            (lambda i=i: c.post(base, {"port_forwarding": {
                "protocol": "tcp", "internal_port_id": target["id"],
                "internal_ip_address": address, "internal_port": 1000 + i,
                "external_port": 20000 + i}})) for i in range(COUNT)])
        while len(fips) < LIST_SIZE:
            fips.append(c.post("/floatingips", {"floatingip": {
                "floating_network_id": ext["id"]}})["floatingip"]["id"])
        listed = json.loads(c.call("GET", "/floatingips", params={"fields": "id"}))
        assert len(listed["floatingips"]) == LIST_SIZE
        out["list_1000_floatingips"] = repeat(server, lambda: c.call("GET", "/floatingips"), 5)
        c.close()
    finally:
        discard(proc)
    out["load_average_after"] = machine.load_average()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    out = run()
    Path(args.output).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps({k: v for k, v in out.items() if k not in ("machine",)}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
