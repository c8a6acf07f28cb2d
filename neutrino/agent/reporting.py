"""What the agent tells the server: its agent records (heartbeats) and its devices.

Heartbeats are the agent records Neutron's agents send in ``report_state``: an
``Open vSwitch agent`` record, and a ``DHCP agent`` record when the host serves
DHCP. The first one after a start carries ``start_flag`` so the server knows the
agent restarted.

Device reports follow what the host shows: a local port is *up* once Nova's
plugging made it visible in OVSDB (``external_ids:iface-id`` with an ofport) and
the sync that wired it succeeded, and *down* when it is unplugged or set admin
down. Only changes are reported; a new process reports its whole set once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LOG = logging.getLogger(__name__)

OVS_AGENT_TYPE = "Open vSwitch agent"
OVS_BINARY = "neutron-openvswitch-agent"
DHCP_AGENT_TYPE = "DHCP agent"
DHCP_BINARY = "neutron-dhcp-agent"
L3_AGENT_TYPE = "L3 agent"
L3_BINARY = "neutron-l3-agent"


@dataclass
class HostFacts:
    """The figures a heartbeat carries, refreshed after every sync."""

    devices: int = 0
    dhcp_networks: int = 0
    dhcp_ports: int = 0
    dhcp_subnets: int = 0
    routers: int = 0
    floating_ips: int = 0
    interfaces: int = 0
    gateways: int = 0


def agent_records(conf: Any, facts: HostFacts, extensions: list[str]) -> list[dict[str, Any]]:
    """The agent records of this host, in the shape of Neutron's state reports."""
    agent = conf.agent
    records = [{
        "host": agent.host,
        "agent_type": OVS_AGENT_TYPE,
        "binary": OVS_BINARY,
        "topic": "N/A",
        "configurations": {
            "bridge_mappings": dict(agent.bridge_mappings),
            "tunnel_types": list(agent.tunnel_types),
            "tunneling_ip": agent.tunneling_ip or "",
            "integration_bridge": agent.integration_bridge,
            "datapath_type": agent.datapath_type,
            "devices": facts.devices,
            "extensions": extensions,
            # Neutron's OVS agent reports these too; here they are fixed facts of the design.
            "l2_population": False,
            "arp_responder_enabled": False,
            "enable_distributed_routing": False,
            "ovs_hybrid_plug": False,
        },
    }]
    if agent.dhcp:
        records.append({
            "host": agent.host,
            "agent_type": DHCP_AGENT_TYPE,
            "binary": DHCP_BINARY,
            "topic": "dhcp_agent",
            "availability_zone": agent.availability_zone,
            "configurations": {
                "dhcp_driver": "dnsmasq",
                "networks": facts.dhcp_networks,
                "subnets": facts.dhcp_subnets,
                "ports": facts.dhcp_ports,
                "notifies_port_ready": True,
            },
        })
    if getattr(agent, "l3", False):
        records.append({
            "host": agent.host,
            "agent_type": L3_AGENT_TYPE,
            "binary": L3_BINARY,
            "topic": "l3_agent",
            "availability_zone": agent.availability_zone,
            "configurations": {
                "agent_mode": "legacy",
                "routers": facts.routers,
                "ex_gw_ports": facts.gateways,
                "interfaces": facts.interfaces,
                "floating_ips": facts.floating_ips,
                "external_network_bridge": "",
                "gateway_external_network_id": "",
                "handle_internal_only_routers": True,
                "interface_driver": "openvswitch",
                "log_agent_heartbeats": False,
            },
        })
    return records


class Heartbeat(threading.Thread):
    """Registers the agent records every ``interval`` seconds until ``stop``."""

    def __init__(self, client: Any, records: Callable[[], list[dict[str, Any]]], interval: float,
                 stop: threading.Event) -> None:
        super().__init__(name="heartbeat", daemon=True)
        self.client = client
        self.records = records
        self.interval = interval
        self.stop_event = stop
        self.sent = 0
        self.failures = 0
        self.last_error = ""
        self.registered = threading.Event()  # the server has accepted one round
        self._announced: set[str] = set()  # agent types whose start_flag the server has seen

    def beat(self) -> bool:
        ok = True
        for record in self.records():
            kind = record["agent_type"]
            body = dict(record, start_flag=kind not in self._announced)
            try:
                self.client.register(body)
            except Exception as exc:  # a lost server: the next beat tries again
                ok = False
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                LOG.warning("heartbeat of %s failed: %s", kind, self.last_error)
                continue
            self._announced.add(kind)
            self.sent += 1
        if ok:
            self.registered.set()
        return ok

    def run(self) -> None:
        while not self.stop_event.is_set():
            began = time.monotonic()
            self.beat()
            self.stop_event.wait(max(0.0, self.interval - (time.monotonic() - began)))


@dataclass
class DeviceReporter:
    """Reports local ports up/down to the server, only what changed since the last report.

    ``reported`` is None until the first report succeeded: a new process reports
    every wired port up and every other port bound here down, once. A failed
    report is retried (``pending``) with the then-current sets.
    """

    client: Any
    retry_delay: float = 1.0
    reported: set[str] | None = None
    pending: bool = False
    reports: int = 0
    failures: int = 0
    last_error: str = ""
    _last_attempt: float = 0.0
    _wired: set[str] = field(default_factory=set)
    _bound: set[str] = field(default_factory=set)

    def observe(self, wired: set[str], bound_here: set[str]) -> None:
        """The outcome of a sync: ports wired now, and every port bound to this host."""
        self._wired, self._bound = set(wired), set(bound_here)
        if self.reported is not None:
            # A port that left this host is forgotten: when it comes back (a live
            # migration rolled back) and is wired again, it is reported up again.
            self.reported &= self._bound
        self.pending = self._changes() != ([], [])

    def _changes(self) -> tuple[list[str], list[str]]:
        if self.reported is None:
            return sorted(self._wired), sorted(self._bound - self._wired)
        up = self._wired - self.reported
        # Ports no longer bound here (deleted, moved to another host) are not ours to report.
        down = (self.reported - self._wired) & self._bound
        return sorted(up), sorted(down)

    def flush(self, force: bool = False) -> bool:
        """Send the pending changes; False when the server could not be told (retried later)."""
        if not self.pending:
            return True
        now = time.monotonic()
        if not force and now - self._last_attempt < self.retry_delay:
            return False
        self._last_attempt = now
        up, down = self._changes()
        if up or down:
            try:
                self.client.report_devices(up, down)
            except Exception as exc:
                self.failures += 1
                self.last_error = f"{type(exc).__name__}: {exc}"
                LOG.warning("reporting devices (up %d, down %d) failed: %s", len(up), len(down),
                            self.last_error)
                return False
            self.reports += 1
            LOG.info("devices reported: up %s, down %s", up, down)
        self.reported = set(self._wired)
        self.pending = False
        return True
