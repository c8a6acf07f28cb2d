"""Security group packet logs with real traffic: the records a host's agent writes for
the connections its flows accept and the packets they drop (docs/logging.md).

The two-host testbed of the security group tests (``sgbed.py``), its own instance;
each host's in-process agent appends records to ``<host workdir>/packet-log.jsonl``.
"""

from __future__ import annotations

import json
import sys
import time
import uuid

import pytest

from neutrino.agent.desired import SecurityGroup
from tests.support.waiting import wait_for

from .sgbed import EGRESS_ANY, Bed, bed, connects, default_group, ip4, listening, rule
from .testbed import OvsHost, ns_exec, run

pytestmark = [pytest.mark.dataplane, pytest.mark.xdist_group("sg-logs")]

__all__ = ["bed"]  # the module-scoped testbed fixture

WEB = SecurityGroup("logweb", True, (*EGRESS_ANY, rule("logweb-8080", "ingress", protocol="tcp",
                                                       low=8080, high=8080)))


def sg_log(event: str = "ALL", *, group: str | None = None, port: str | None = None,
           enabled: bool = True) -> dict:
    return {"id": str(uuid.uuid4()), "project_id": "p-logs", "resource_type": "security_group",
            "event": event, "resource_id": group, "target_id": port, "enabled": enabled}


def records(host: OvsHost) -> list[dict]:
    if not host.packet_log.exists():
        return []
    return [json.loads(line) for line in host.packet_log.read_text().splitlines() if line]


def records_of(host: OvsHost, log_id: str, **fields: object) -> list[dict]:
    return [r for r in records(host) if log_id in r["log_ids"]
            and all(r.get(k) == v for k, v in fields.items())]


def test_accept_log_records_each_new_tcp_connection_once(bed: Bed) -> None:
    log = sg_log("ACCEPT", group=WEB.id)
    bed.converge((WEB, default_group()), {"b1": (WEB.id,), "a1": ("default",)}, logs=(log,))
    host_b = bed.hosts["host-b"]
    with listening(bed.vms["b1"], "tcp", 8080):
        assert connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 8080)
        assert wait_for(lambda: records_of(host_b, log["id"], dst_port=8080), 30)
        # One round trip is many packets (handshake, data, FIN): one record, for the SYN.
        [record] = records_of(host_b, log["id"], dst_port=8080)
    assert record["event"] == "ACCEPT" and record["resource_type"] == "security_group"
    assert record["log_ids"] == [log["id"]] and record["port_id"] == bed.ports["b1"].id
    assert (record["direction"], record["ethertype"], record["protocol"]) == ("ingress", "IPv4", "tcp")
    assert (record["src_ip"], record["dst_ip"]) == (ip4(bed, "a1"), ip4(bed, "b1"))
    assert record["src_port"] > 0 and record["host"] == "host-b"
    assert not records_of(bed.hosts["host-a"], log["id"]), "a1 is not in the logged group"


def test_drop_log_records_a_refused_connection_on_the_logged_port(bed: Bed) -> None:
    log = sg_log("DROP", port=bed.ports["b1"].id)
    bed.converge((WEB, default_group()), {"b1": (WEB.id,), "a1": ("default",)}, logs=(log,))
    host_b = bed.hosts["host-b"]
    with listening(bed.vms["b1"], "tcp", 8080, 8081):
        assert not connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 8081)
        assert connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 8080)
    assert wait_for(lambda: records_of(host_b, log["id"], dst_port=8081), 30)
    dropped = records_of(host_b, log["id"], dst_port=8081)[0]
    assert (dropped["event"], dropped["direction"], dropped["protocol"]) == ("DROP", "ingress", "tcp")
    assert (dropped["src_ip"], dropped["dst_ip"]) == (ip4(bed, "a1"), ip4(bed, "b1"))
    assert dropped["port_id"] == bed.ports["b1"].id and dropped["project_id"] == bed.ports["b1"].project_id
    assert not records_of(host_b, log["id"], dst_port=8080), "a DROP log records no accepted one"


def test_disabled_log_writes_no_records_until_enabled_again(bed: Bed) -> None:
    log = sg_log("ALL", group=WEB.id, enabled=False)
    assign = {"b1": (WEB.id,), "a1": ("default",)}
    host_b = bed.hosts["host-b"]
    bed.converge((WEB, default_group()), assign, logs=(log,))
    with listening(bed.vms["b1"], "tcp", 8080):
        assert connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 8080)
        assert not connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 8082)
        bed.converge((WEB, default_group()), assign, logs=({**log, "enabled": True},))
        assert not connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 8083)
    # Records come in the order of the packets: the one made while enabled is there,
    # so those made while disabled would be before it.
    assert wait_for(lambda: records_of(host_b, log["id"], dst_port=8083), 30)
    assert not records_of(host_b, log["id"], dst_port=8080)
    assert not records_of(host_b, log["id"], dst_port=8082)


BURST_SCRIPT = """
import socket, sys
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
for _ in range(int(sys.argv[2])):
    try:
        sock.sendto(b"burst", (sys.argv[1], 9999))
    except OSError:  # the NIC's queue is full: that datagram is not sent
        pass
"""


def test_drop_records_hold_to_the_rate_limit_under_a_burst(bed: Bed) -> None:
    """The meter passes rate_limit copies a second plus burst_limit: counted against
    the time the burst took until its last record (a bound, not a speed)."""
    log = sg_log("DROP", group=WEB.id)
    bed.converge((WEB, default_group()), {"b1": (WEB.id,), "a1": ("default",)}, logs=(log,))
    host_b = bed.hosts["host-b"]
    config = bed.agents["host-b"].config
    sent = 3000
    began = time.monotonic()
    run(ns_exec(bed.vms["a1"].ns, [sys.executable, "-c", BURST_SCRIPT, ip4(bed, "b1"), str(sent)]),
        timeout=120)

    def count() -> int:
        return len(records_of(host_b, log["id"], dst_port=9999))
    assert wait_for(lambda: count() > 0, 30)
    # Settled: no new record for two seconds of polling.
    last, last_change = count(), time.monotonic()
    while time.monotonic() - last_change < 2:
        time.sleep(0.2)
        if count() != last:
            last, last_change = count(), time.monotonic()
    elapsed = last_change - began
    assert last <= config.log_rate_limit * elapsed + config.log_burst_limit, (last, elapsed)
    assert last < sent / 4, "the limit held the records well below the packets dropped"
