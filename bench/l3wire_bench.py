"""Routing on the wire: from an L3 API call to the first packet through the router's
namespace, and a router's full resync.

    python -m bench.l3wire_bench [--output FILE]     (root; Open vSwitch, nftables)

The testbed of tests/functional/test_dataplane_l3.py, smaller: `neutrino serve`
(SQLite), one host (host-a) whose `neutrino agent` serves L3 and DHCP, an "outside"
namespace on the flat external network, a router with its gateway there, one tenant
subnet and a VM on host-a addressed by DHCP. Plain HTTP (noauth, admin). Each sample
is timed from just before the API call until:

* ``add_router_interface``: the VM's ping reaches the outside host (SNAT); between
  samples the interface is removed again (untimed, until pings stop);
* ``floatingip_associate``: the outside host's ping reaches the VM at its floating
  IP (PUT port_id); disassociated between samples (untimed, until DOWN);
* ``port_forwarding_create``: a TCP connection from the outside host to a new
  forwarded port of a floating IP gets the VM's answer (a new external port each time).

Probes are tried back to back (ping -W 0.2, TCP connect timeout 0.2 s), which bounds
the resolution. ``resync_100_fips_100_forwardings``: the router then also carries 100
floating IPs (associated to 100 ports of the tenant subnet) and a floating IP with 100
forwardings; the agent is killed and started again, and its first sync's duration is
read from its status file, once with the namespace kept (re-asserted: nothing changes)
and once with it deleted while the agent was down (everything made again).

Results go to bench/results/l3wire.json.
"""
from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

from pyroute2 import netns

from bench import machine
from bench.e2e_bench import Api, wait
from tests.functional.cloud import AGENT_DOWN_TIME, ApiBridge, Cloud, connect_sdk
from tests.functional.test_dataplane_l3 import OUTSIDE_IP, Outside
from tests.functional.testbed import PHYSNET, Testbed, ns_exec
from tests.support.server import ServerProcess

RESULTS = Path(__file__).parent / "results" / "l3wire.json"
SAMPLES = 5
MANY = 100
L3 = "l3 = true\n"


def _ok(cmd: list[str]) -> bool:
    return subprocess.run(cmd, capture_output=True, timeout=10, check=False).returncode == 0


def ping(ns: str, address: str) -> bool:
    return _ok(ns_exec(ns, ["ping", "-n", "-q", "-c", "1", "-W", "0.2", address]))


def tcp(ns: str, address: str, port: int) -> bool:
    done = subprocess.run(ns_exec(ns, ["socat", "-T", "1", "-",
                                       f"TCP:{address}:{port},connect-timeout=0.2"]),
                          capture_output=True, text=True, timeout=10, check=False)
    return done.returncode == 0 and "vm" in done.stdout


def put(api: Api, path: str, body: dict) -> dict:
    r = api.http.put(api.url + path, json=body, timeout=60)
    if r.status_code >= 300:
        raise RuntimeError(f"PUT {path}: {r.status_code} {r.text[:300]}")
    return r.json()


def figure(samples: list[float], what: str) -> dict[str, Any]:
    return {"median_ms": round(statistics.median(samples) * 1000), "max_ms":
            round(max(samples) * 1000), "samples": [round(s * 1000) for s in samples],
            "what": what}


def timed(call: Any, probe: Any, timeout: float = 120) -> float:
    began = time.perf_counter()
    call()
    wait(probe, timeout, 0)
    return time.perf_counter() - began


def run() -> dict[str, Any]:
    out: dict[str, Any] = {"benchmark": "l3wire: API call to first packet through a router "
                           "namespace; router resync", "machine": machine.describe(),
                           "load_average_before": machine.load_average()}
    server = ServerProcess(extra_conf=f"agent_down_time = {AGENT_DOWN_TIME * 4}\n").start()
    with tempfile.TemporaryDirectory(prefix="l3wire-") as tmp:
        bed = Testbed(Path(tmp))
        bridge = ApiBridge(server.port)
        sdk = connect_sdk(server.url)
        outside = router_id = None
        try:
            api = Api(server.url)
            limits = api.get("/v2.0/quotas/admin")["quota"]
            api.http.put(f"{server.url}/v2.0/quotas/admin", timeout=30, json={"quota": {
                k: -1 for k in limits if k not in ("project_id", "tenant_id")}}).raise_for_status()
            host = bed.add_host("host-a")
            bridge.connect(host)
            cloud = Cloud(server, bed, bridge, sdk, [host])
            cloud.start_agent(host, extra=L3).wait_synced(60)
            outside = Outside(bed)
            ext = api.post("/v2.0/networks", {"network": {
                "router:external": True, "provider:network_type": "flat",
                "provider:physical_network": PHYSNET}})["network"]
            api.post("/v2.0/subnets", {"subnet": {
                "network_id": ext["id"], "ip_version": 4, "cidr": "172.24.4.0/24",
                "gateway_ip": OUTSIDE_IP, "enable_dhcp": False,
                "allocation_pools": [{"start": "172.24.4.10", "end": "172.24.4.250"}]}})
            net = api.post("/v2.0/networks", {"network": {"port_security_enabled": False}})
            net = net["network"]
            subnet = api.post("/v2.0/subnets", {"subnet": {
                "network_id": net["id"], "ip_version": 4, "cidr": "10.70.0.0/16"}})["subnet"]
            router = api.post("/v2.0/routers", {"router": {
                "external_gateway_info": {"network_id": ext["id"]}}})["router"]
            router_id = router["id"]
            base = f"/v2.0/routers/{router_id}"
            put(api, f"{base}/add_router_interface", {"subnet_id": subnet["id"]})
            port, vm = cloud.boot(host, sdk.network.get_network(net["id"]))
            servers = [subprocess.Popen(ns_exec(vm.ns, [
                "socat", f"TCP-LISTEN:{8080 + i},fork,reuseaddr", "SYSTEM:echo vm"]),
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(SAMPLES)]
            wait(lambda: ping(vm.ns, OUTSIDE_IP), 60, 0)

            samples = []
            for _ in range(SAMPLES):
                put(api, f"{base}/remove_router_interface", {"subnet_id": subnet["id"]})
                wait(lambda: not ping(vm.ns, OUTSIDE_IP), 60, 0.2)
                samples.append(timed(lambda: put(api, f"{base}/add_router_interface",
                                                 {"subnet_id": subnet["id"]}),
                                     lambda: ping(vm.ns, OUTSIDE_IP)))
            out["add_router_interface"] = figure(
                samples, "PUT add_router_interface -> the VM's ping reaches the outside host")

            fip = api.post("/v2.0/floatingips", {"floatingip": {
                "floating_network_id": ext["id"]}})["floatingip"]
            address = fip["floating_ip_address"]
            samples = []
            for _ in range(SAMPLES):
                samples.append(timed(lambda: put(api, f"/v2.0/floatingips/{fip['id']}", {
                    "floatingip": {"port_id": port.id}}), lambda: ping(outside.ns, address)))
                put(api, f"/v2.0/floatingips/{fip['id']}", {"floatingip": {"port_id": None}})
                wait(lambda: api.get(f"/v2.0/floatingips/{fip['id']}")["floatingip"][
                    "status"] == "DOWN", 60, 0.1)
            out["floatingip_associate"] = figure(
                samples, "PUT floating IP port_id -> the outside host's ping reaches the VM")

            pf_fip = api.post("/v2.0/floatingips", {"floatingip": {
                "floating_network_id": ext["id"]}})["floatingip"]
            pf_base = f"/v2.0/floatingips/{pf_fip['id']}/port_forwardings"
            samples = []
            for i in range(SAMPLES):
                samples.append(timed(lambda i=i: api.post(pf_base, {"port_forwarding": {
                    "protocol": "tcp", "internal_port_id": port.id, "internal_ip_address": vm.ip,
                    "internal_port": 8080 + i, "external_port": 6000 + i}}),
                    lambda i=i: tcp(outside.ns, pf_fip["floating_ip_address"], 6000 + i)))
            out["port_forwarding_create"] = figure(
                samples, "POST port forwarding -> a TCP connection to it gets the VM's answer")

            # 100 more floating IPs (1:1, to ports of the subnet) and 100 forwardings.
            for _ in range(MANY):
                target = api.post("/v2.0/ports", {"port": {"network_id": net["id"]}})["port"]
                api.post("/v2.0/floatingips", {"floatingip": {
                    "floating_network_id": ext["id"], "port_id": target["id"]}})
            for i in range(MANY - SAMPLES):
                api.post(pf_base, {"port_forwarding": {
                    "protocol": "udp" if i % 2 else "tcp", "internal_port_id": port.id,
                    "internal_ip_address": vm.ip, "internal_port": 10000 + i,
                    "external_port": 20000 + i}})
            put(api, f"/v2.0/floatingips/{fip['id']}", {"floatingip": {"port_id": port.id}})
            wait(lambda: sum(f["status"] == "ACTIVE" for f in api.get("/v2.0/floatingips")[
                "floatingips"]) == MANY + 1, 300, 0.5)
            resync = {"floating_ips": MANY + 1, "port_forwardings": MANY}
            for kind in ("namespace_kept", "namespace_deleted"):
                cloud.agents[host.name].kill()
                if kind == "namespace_deleted":
                    netns.remove(f"qrouter-{router_id}")
                status = cloud.start_agent(host, extra=L3).wait_synced(300)
                resync[f"{kind}_first_sync_seconds"] = round(status["first"]["seconds"], 3)
                wait(lambda: ping(outside.ns, address), 120, 0.1)
            resync["what"] = ("a restarted agent's first sync (L2 and L3) of its host carrying "
                              "the router; then the floating IP answers again")
            out["resync_100_fips_100_forwardings"] = resync
            for proc in servers:
                proc.kill()
        finally:
            sdk.close()
            if outside is not None:
                outside.close()
            bed.close()
            if router_id and f"qrouter-{router_id}" in netns.listnetns():
                netns.remove(f"qrouter-{router_id}")
            bridge.close()
            server.stop()
    out["load_average_after"] = machine.load_average()
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--output", default=str(RESULTS))
    args = parser.parse_args(argv)
    out = run()
    Path(args.output).write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps({k: v for k, v in out.items() if k != "machine"}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
