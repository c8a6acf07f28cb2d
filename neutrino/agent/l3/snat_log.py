"""SNAT logs: one record per new connection a router's gateway SNAT translates.

The router's nftables table marks such connections (``SNAT_LOG_MARK`` in the
conntrack mark, set by a rule just before the gateway's ``snat``, behind an
nftables ``limit``: [network_log] rate_limit a second plus burst_limit), and
``conntrack -E`` in the router's namespace reports each marked connection as the
kernel confirms it, with both tuples: the original (the VM's address and port)
and the reply (whose destination is the translated address and port). One
``conntrack`` child per logged router, ended with the log (or with the agent:
it gets SIGTERM when the agent dies).
"""
from __future__ import annotations

import ctypes
import logging
import os
import signal
import subprocess
import threading
import xml.etree.ElementTree as ET
from typing import Any

from pyroute2 import netns

from neutrino.agent.desired import Log
from neutrino.agent.packet_log import RecordWriter

LOG = logging.getLogger(__name__)

SNAT_LOG_MARK = 0x10000000  # the conntrack mark bit of connections to record
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1


def snat_record(flow_xml: str, router_id: str, logs: tuple[Log, ...]) -> dict[str, Any] | None:
    """The record of one ``conntrack -E -o xml`` line, None if it is no new connection."""
    flow = ET.fromstring(flow_xml)
    if flow.get("type") != "new":
        return None
    tuples = {meta.get("direction"): meta for meta in flow.iter("meta")}
    orig, reply = tuples.get("original"), tuples.get("reply")
    if orig is None or reply is None:
        return None

    def text(meta: ET.Element, path: str) -> str | None:
        node = meta.find(path)
        return node.text if node is not None else None

    def port(meta: ET.Element, path: str) -> int | None:
        value = text(meta, path)
        return int(value) if value is not None else None

    layer4 = orig.find("layer4")
    return {"resource_type": "snat", "event": "ALL", "log_ids": [log.id for log in logs],
            "project_id": logs[0].project_id if logs else "", "router_id": router_id,
            "protocol": layer4.get("protoname") if layer4 is not None else None,
            "src_ip": text(orig, "layer3/src"), "src_port": port(orig, "layer4/sport"),
            "dst_ip": text(orig, "layer3/dst"), "dst_port": port(orig, "layer4/dport"),
            "translated_ip": text(reply, "layer3/dst"),
            "translated_port": port(reply, "layer4/dport")}


class SnatLogWatcher:
    """``conntrack -E`` in one router's namespace, its marked connections to records."""

    def __init__(self, router_id: str, namespace: str, logs: tuple[Log, ...],
                 writer: RecordWriter) -> None:
        self.router_id = router_id
        self.namespace = namespace
        self.logs = logs  # replaced when the router's logs change; read per record
        self.writer = writer
        self.proc = _spawn(namespace, ["conntrack", "-E", "-e", "NEW", "-o", "xml",
                                       "--mark", f"{SNAT_LOG_MARK:#x}/{SNAT_LOG_MARK:#x}"])
        self.thread = threading.Thread(target=self._read, name=f"snat-log-{router_id[:8]}",
                                       daemon=True)
        self.thread.start()

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if not line.startswith("<flow"):
                continue
            try:
                record = snat_record(line, self.router_id, self.logs)
            except ET.ParseError:
                LOG.warning("router %s: unreadable conntrack event %r", self.router_id, line)
                continue
            if record is not None:
                self.writer.write(record)


def _spawn(namespace: str, args: list[str]) -> subprocess.Popen[str]:
    """Start ``args`` inside ``namespace``, to die with the agent's thread that starts it."""
    fd = os.open(os.path.join(netns.NETNS_RUN_DIR, namespace), os.O_RDONLY | os.O_CLOEXEC)
    libc = ctypes.CDLL(None, use_errno=True)

    def enter() -> None:
        libc.prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {namespace} failed")
    try:
        return subprocess.Popen(args, preexec_fn=enter, stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL, text=True)
    finally:
        os.close(fd)


class SnatLogs:
    """The watchers of the routers with SNAT logs: started, updated, stopped by ``sync``."""

    def __init__(self, writer: RecordWriter) -> None:
        self.writer = writer
        self.watchers: dict[str, SnatLogWatcher] = {}

    def sync(self, wanted: dict[str, tuple[str, tuple[Log, ...]]]) -> None:
        """``wanted``: router id -> (namespace, its enabled snat logs), routers in place."""
        for router_id in sorted(set(self.watchers) - set(wanted)):
            self.watchers.pop(router_id).stop()
        for router_id, (namespace, logs) in sorted(wanted.items()):
            watcher = self.watchers.get(router_id)
            if watcher is not None and not watcher.alive:
                LOG.warning("router %s: conntrack events ended; starting again", router_id)
                watcher = None
            if watcher is None:
                self.watchers[router_id] = SnatLogWatcher(router_id, namespace, logs, self.writer)
            else:
                watcher.logs = logs

    def stop(self) -> None:
        self.sync({})
