"""East-west routing: from `add_router_interface` to the first packet routed between
two VMs on two hosts (`neutrino serve` and one `neutrino agent` per testbed host).

VM 1 on host-b (network one, its subnet already on the router, so its gateway's
ARP is answered), VM 2 on host-c (network two). Each sample: a ping from VM 1 to
VM 2 runs every 10 ms (`ping -D`: each reply's time stamp), the subnet of network
two is added to the router through the API, and the figure is the time from the
call to the first reply (the reply needs both hosts' routing flows: host-c
routes it back); then the interface is removed and the test waits until pings
stop. No L3 agent runs: the router is not even placed, nothing but br-int routes.
Each new interface port has a new MAC: VM 2 learns it from host-c's gratuitous ARP
(before the agents announced gateways, a guest waited for its cached entry of the
old MAC to expire: about 28 s a sample).

    python -m bench.dvr_bench [--samples N]
"""
from __future__ import annotations

import argparse
import json
import subprocess
import time
from pathlib import Path
from typing import Any

from bench import machine
from bench.wirecloud import milliseconds, running_cloud
from tests.functional.testbed import Vm, ns_exec, run
from tests.support.waiting import wait_for

RESULTS = Path(__file__).parent / "results" / "dvr.json"
SAMPLES = 10


def pings(vm: Vm, address: str) -> bool:
    return run(ns_exec(vm.ns, ["ping", "-n", "-q", "-c", "1", "-W", "1", address]),
               check=False).returncode == 0


def first_reply_after(vm: Vm, address: str, call: Any) -> float:
    """Seconds from ``call()`` to the first echo reply of a 10 ms ping to ``address``."""
    proc = subprocess.Popen(ns_exec(vm.ns, ["ping", "-n", "-D", "-i", "0.01", "-W", "1", address]),
                            stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.1)
        began = time.time()
        call()
        assert proc.stdout is not None
        for line in proc.stdout:
            if "bytes from" in line:
                return float(line[1:line.index("]")]) - began
        raise RuntimeError("ping ended without a reply")
    finally:
        proc.kill()
        proc.wait(timeout=10)


def main(samples: int = SAMPLES) -> dict[str, Any]:
    out: dict[str, Any] = {"benchmark": __doc__.split("\n")[0], "machine": machine.describe(),
                           "load_average_before": machine.load_average()}
    with running_cloud(("host-b", "host-c"), "dvrbench-") as cloud:
        sdk, hosts = cloud.sdk, cloud.hosts
        group = sdk.network.create_security_group(name="bench-ew")
        sdk.network.create_security_group_rule(security_group_id=group.id, direction="ingress",
                                               ethertype="IPv4", protocol="icmp")
        router = sdk.network.create_router(name="bench-ew")
        vms, subnets = [], []
        for n, host in enumerate(hosts, start=1):
            net = sdk.network.create_network(name=f"bench-ew-{n}")
            subnet = sdk.network.create_subnet(network_id=net.id, ip_version=4,
                                               cidr=f"10.41.{n}.0/24", enable_dhcp=False)
            _port, vm = cloud.boot(host, net, dhcp=False, security_group_ids=[group.id])
            run(ns_exec(vm.ns, ["ip", "route", "replace", "default", "via", subnet.gateway_ip]))
            vms.append(vm)
            subnets.append(subnet)
        sdk.network.add_interface_to_router(router, subnet_id=subnets[0].id)
        vm1, vm2 = vms
        figures = []
        for _ in range(samples):
            figures.append(first_reply_after(vm1, vm2.ip, lambda: sdk.network.add_interface_to_router(
                router, subnet_id=subnets[1].id)))
            sdk.network.remove_interface_from_router(router, subnet_id=subnets[1].id)
            if not wait_for(lambda: not pings(vm1, vm2.ip), 60):
                raise RuntimeError("pings still pass with the interface removed")
        out["add_interface_to_first_packet"] = milliseconds(figures)
        out["load_average_after"] = machine.load_average()
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=SAMPLES)
    print(json.dumps(main(parser.parse_args().samples), indent=2))
