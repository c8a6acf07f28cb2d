"""Live migration: how long a migrated VM does not answer, Nova's order through the
port bindings API (`neutrino serve` and one `neutrino agent` per testbed host).

A peer VM on host-c pings the VM every 10 ms (`ping -D`: each reply's time stamp);
the VM moves between host-a and host-b, each sample one migration in Nova's order:
an inactive binding for the destination (`pre_live_migration`), the guest's NIC
unplugged from the source's br-int and plugged into the destination's (the
hypervisor), the destination's binding activated and the source's deleted
(`post_live_migration`). The figure is the longest time between two consecutive
replies: from the last answer on the source to the first through the destination,
which needs the destination's agent to wire the port and host-c's to tunnel to
the new host.

    python -m bench.migration_bench [--samples N]
"""
from __future__ import annotations

import argparse
import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from bench import machine
from bench.wirecloud import milliseconds, running_cloud
from tests.functional.testbed import longest_silence, move_vif, ns_exec

RESULTS = Path(__file__).parent / "results" / "migration.json"
SAMPLES = 10


def silence_of(peer, address: str, migrate) -> float:
    """The longest gap in the replies of a 10 ms ping to ``address`` across ``migrate()``."""
    proc = subprocess.Popen(ns_exec(peer.ns, ["ping", "-n", "-D", "-i", "0.01", "-W", "1", address]),
                            stdout=subprocess.PIPE, text=True)
    try:
        time.sleep(0.5)
        migrate()
        time.sleep(1.5)  # replies through the destination, well after the last change
    finally:
        proc.send_signal(signal.SIGINT)
        out, _err = proc.communicate(timeout=10)
    return longest_silence(out)


def main(samples: int = SAMPLES) -> dict[str, Any]:
    out: dict[str, Any] = {"benchmark": __doc__.split("\n")[0], "machine": machine.describe(),
                           "load_average_before": machine.load_average()}
    with running_cloud(("host-a", "host-b", "host-c"), "migrationbench-") as cloud:
        sdk, hosts = cloud.sdk, cloud.hosts
        group = sdk.network.create_security_group(name="bench-migration")
        sdk.network.create_security_group_rule(security_group_id=group.id, direction="ingress",
                                               ethertype="IPv4", protocol="icmp")
        net = sdk.network.create_network(name="bench-migration")
        sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.42.1.0/24",
                                  enable_dhcp=False)
        _peer_port, peer = cloud.boot(hosts[2], net, dhcp=False, security_group_ids=[group.id])
        port, vm = cloud.boot(hosts[0], net, dhcp=False, security_group_ids=[group.id])
        cloud.wait_status(port, "ACTIVE")
        if not peer.reaches(vm.ip, tries=30):
            raise RuntimeError("the peer does not reach the VM before any migration")
        figures = []
        for n in range(samples):
            source, dest = (hosts[0], hosts[1]) if n % 2 == 0 else (hosts[1], hosts[0])

            def migrate(source=source, dest=dest) -> None:
                sdk.network.create_port_binding(port, host=dest.name, vnic_type="normal",
                                                profile={"migrating_to": dest.name})
                move_vif(source, dest, vm, port.id, port.device_id)
                sdk.network.activate_port_binding(port, host=dest.name)
                sdk.network.delete_port_binding(port, source.name)
            figures.append(silence_of(peer, vm.ip, migrate))
            cloud.wait_status(port, "ACTIVE")
            if not peer.reaches(vm.ip, tries=30):
                raise RuntimeError(f"the VM does not answer on {dest.name} after migration {n}")
        out["longest_silence"] = {**milliseconds(figures), "target_ms": 1000}
        out["load_average_after"] = machine.load_average()
    RESULTS.write_text(json.dumps(out, indent=2) + "\n")
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--samples", type=int, default=SAMPLES)
    print(json.dumps(main(parser.parse_args().samples), indent=2))
