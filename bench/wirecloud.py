"""The cloud the data-plane benchmarks measure: `neutrino serve` and one `neutrino agent`
(Open vSwitch, no DHCP) per simulated host of the functional tests' testbed."""
from __future__ import annotations

import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.functional.cloud import AGENT_DOWN_TIME, ApiBridge, Cloud, connect_sdk
from tests.functional.testbed import Testbed
from tests.support.server import ServerProcess


def milliseconds(seconds: Sequence[float]) -> dict:
    """The samples (in seconds) as the data-plane results record them: count, median,
    max and all of them sorted, in milliseconds."""
    ordered = sorted(seconds)
    return {"samples": len(ordered), "median_ms": round(ordered[len(ordered) // 2] * 1000, 1),
            "max_ms": round(ordered[-1] * 1000, 1), "all_ms": [round(f * 1000, 1) for f in ordered]}


@contextmanager
def running_cloud(host_names: Sequence[str], prefix: str) -> Iterator[Cloud]:
    """The server, the testbed's hosts and their agents, synced and alive; all torn down after."""
    server = ServerProcess(extra_conf=f"agent_down_time = {AGENT_DOWN_TIME}\n").start()
    bed = Testbed(Path(tempfile.mkdtemp(prefix=prefix)))
    bridge = None
    sdk = connect_sdk(server.url)
    try:
        hosts = [bed.add_host(name) for name in host_names]
        bridge = ApiBridge(server.port)
        for host in hosts:
            bridge.connect(host)
        cloud = Cloud(server, bed, bridge, sdk, hosts)
        for host in hosts:
            cloud.start_agent(host, dhcp=False).wait_synced(60)
            cloud.wait_alive(host)
        yield cloud
    finally:
        sdk.close()
        bed.close()
        if bridge is not None:
            bridge.close()
        server.stop()
