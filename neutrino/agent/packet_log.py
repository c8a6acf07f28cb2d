"""Packet log records (the logging API's data plane): one JSON object a line, appended
to the host's log file ([network_log] local_output_log_base), by whichever part of
the agent saw the packet or connection: the security-group flows' packet-ins
(``SecurityGroupRecords``) and the routers' SNAT (``neutrino.agent.l3.snat_log``).
The record format is docs/logging.md's.
"""
from __future__ import annotations

import datetime
import ipaddress
import logging
import struct
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

LOG = logging.getLogger(__name__)

ETH_VLAN = (0x8100, 0x88A8)
ETH_IPV4, ETH_IPV6 = 0x0800, 0x86DD
PROTOCOLS = {1: "icmp", 6: "tcp", 17: "udp", 58: "ipv6-icmp", 132: "sctp"}
WITH_PORTS = (6, 17, 132)
WITH_TYPE = (1, 58)


class RecordWriter:
    """Appends records to one file; safe to share between threads."""

    def __init__(self, path: Path, host: str) -> None:
        self.path = path
        self.host = host
        self._lock = threading.Lock()
        self.written = 0

    def write(self, record: dict[str, Any]) -> None:
        now = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="microseconds")
        line = orjson.dumps({"time": now, "host": self.host, **record}) + b"\n"
        with self._lock:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                with self.path.open("ab") as out:  # reopened each time: logrotate may move it
                    out.write(line)
                self.written += 1
            except OSError as exc:
                LOG.warning("cannot write packet log %s: %s", self.path, exc)


def frame_fields(frame: bytes) -> dict[str, Any]:
    """The addresses, protocol and ports of an Ethernet frame (what a record shows)."""
    offset, ethertype = 14, struct.unpack_from("!H", frame, 12)[0]
    while ethertype in ETH_VLAN:
        ethertype = struct.unpack_from("!H", frame, offset + 2)[0]
        offset += 4
    fields: dict[str, Any] = {"ethertype": None, "protocol": None, "src_ip": None,
                              "dst_ip": None, "src_port": None, "dst_port": None}
    if ethertype == ETH_IPV4:
        header_len = (frame[offset] & 0x0F) * 4
        proto = frame[offset + 9]
        src, dst = frame[offset + 12:offset + 16], frame[offset + 16:offset + 20]
        fields["ethertype"] = "IPv4"
        offset += header_len
    elif ethertype == ETH_IPV6:
        proto = frame[offset + 6]  # extension headers are not followed: the record shows it
        src, dst = frame[offset + 8:offset + 24], frame[offset + 24:offset + 40]
        fields["ethertype"] = "IPv6"
        offset += 40
    else:
        return fields
    fields["src_ip"] = str(ipaddress.ip_address(src))
    fields["dst_ip"] = str(ipaddress.ip_address(dst))
    fields["protocol"] = PROTOCOLS.get(proto, str(proto))
    if proto in WITH_PORTS and len(frame) >= offset + 4:
        fields["src_port"], fields["dst_port"] = struct.unpack_from("!HH", frame, offset)
    elif proto in WITH_TYPE and len(frame) >= offset + 2:
        fields["icmp_type"], fields["icmp_code"] = frame[offset], frame[offset + 1]
    return fields


@dataclass(frozen=True)
class LogTag:
    """What a logging flow stands for: the verdict, the port and direction, the logs."""

    event: str  # ACCEPT or DROP
    direction: str  # ingress (towards the port) or egress (from it)
    port_id: str
    project_id: str
    log_ids: tuple[str, ...]


class SecurityGroupRecords:
    """Turns the security-group flows' packet-ins into records.

    The flows that copy packets to the agent are known by their cookies (content
    fingerprints, the same after a restart); ``tags()`` maps each to what it logs,
    replaced whole by the extension at every sync. A cookie not in it (a packet
    copied just before its flow went) is counted and dropped.
    """

    def __init__(self, writer: RecordWriter, tags: Callable[[], Mapping[int, LogTag]]) -> None:
        self.writer = writer
        self.tags = tags
        self.unknown = 0

    def handle(self, cookie: int, frame: bytes) -> None:
        tag = self.tags().get(cookie)
        if tag is None:
            self.unknown += 1
            return
        self.writer.write({"resource_type": "security_group", "event": tag.event,
                           "log_ids": list(tag.log_ids), "project_id": tag.project_id,
                           "port_id": tag.port_id, "direction": tag.direction,
                           **frame_fields(frame)})
