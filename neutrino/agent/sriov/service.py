"""The SR-IOV NIC agent as a process: the feed follower and the heartbeat of
`neutrino agent` (agent/service.py, agent/reporting.py), and a loop that syncs the
VFs when the host's state changes, a PF's carrier flips, or every
``full_resync_interval``; after each sync it reports ports up/down
(POST /feed/v1/hosts/{host}/devices) and, when a bond's members or an error
changed, heartbeats at once so ``configurations`` shows it.
"""
from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from neutrino.agent.reporting import DeviceReporter, Heartbeat
from neutrino.agent.service import FeedFollower, Mailbox
from neutrino.agent.sriov.backend import Backend
from neutrino.agent.sriov.config import SriovConfig
from neutrino.agent.sriov.reconciler import SriovReconciler, SyncReport

LOG = logging.getLogger(__name__)
AGENT_TYPE = "NIC Switch agent"
BINARY = "neutron-sriov-nic-agent"
EXTENSIONS = ["qos"]  # VF max rate from bandwidth_limit rules


@dataclass(frozen=True)
class HostPorts:
    """What this agent reads of the host's state document: raw API bodies."""

    networks: tuple = ()  # ids
    ports: tuple = ()  # bodies of the ports bound to the host
    qos_policies: Mapping[str, Mapping] = field(default_factory=dict)


class PortsFeed:
    """The feed client's answers as this agent needs them (the feed follower calls
    ``state`` and ``watch`` as on any client): a snapshot of the kept document,
    taken in the feed thread, where the document changes."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def _snapshot(self) -> HostPorts:
        # Only the ports bound here (the document has every port of the networks the
        # host carries), copied: the feed thread edits the document afterwards.
        doc, host = self.client.document, self.client.host
        bound = [p for p in doc.ports.values() if p.get("binding:host_id") == host]
        return HostPorts(tuple(doc.networks), tuple(json.loads(json.dumps(bound))),
                         json.loads(json.dumps(doc.qos_policies)))

    def state(self) -> tuple[str, HostPorts]:
        cursor, _state = self.client.state()
        return cursor, self._snapshot()

    def watch(self, cursor: str, timeout: float = 30.0) -> tuple[str, HostPorts | None]:
        cursor, state = self.client.watch(cursor, timeout=timeout)
        return cursor, (self._snapshot() if state is not None else None)


def agent_record(config: SriovConfig, devices: int, bonds: dict, errors: dict) -> dict:
    """The NIC Switch agent's record, in the shape of Neutron's SR-IOV agent's report."""
    return {"host": config.host, "agent_type": AGENT_TYPE, "binary": BINARY, "topic": "N/A",
            "configurations": {
                "device_mappings": {k: list(v) for k, v in config.device_mappings.items()},
                "devices": devices,
                "extensions": list(EXTENSIONS),
                "resource_provider_bandwidths": dict(config.bandwidths),
                # Ours: SR-IOV bonds and their members, ports the host cannot serve.
                "bonds": bonds,
                "errors": errors}}


class SriovAgentService:
    def __init__(self, conf: Any, config: SriovConfig, backend: Backend, client: Any) -> None:
        self.conf = conf
        self.config = config
        self.client = client
        self.reconciler = SriovReconciler(config, backend, conf.agent.state_path)
        self.stop_event = threading.Event()
        self.mailbox = Mailbox()
        self.reporter = DeviceReporter(client)
        self.last = SyncReport()
        self.devices = self.reconciler.devices_count()
        self.feed = FeedFollower(PortsFeed(client), self.mailbox, self.stop_event,
                                 watch_timeout=conf.agent.watch_timeout,
                                 max_backoff=conf.agent.max_backoff)
        self.heartbeat = Heartbeat(client, self.records, conf.agent.report_interval,
                                   self.stop_event)
        self.syncs = 0
        self.status_path = Path(conf.agent.state_path) / "status.json"

    def records(self) -> list[dict]:
        return [agent_record(self.config, self.devices, self.last.bonds, self.last.errors)]

    def stop(self) -> None:
        self.stop_event.set()

    def run(self) -> None:
        self.status_path.parent.mkdir(parents=True, exist_ok=True)
        self.heartbeat.beat()  # registered before the state is asked for: ports bind here
        self.heartbeat.start()
        self.feed.start()
        try:
            self._loop()
        finally:
            self.stop_event.set()

    def _loop(self) -> None:
        interval = self.conf.sriov_nic.poll_interval
        full = self.conf.agent.full_resync_interval
        state: Any = None
        last_sync = 0.0
        while not self.stop_event.is_set():
            try:
                fresh = self.mailbox.take(timeout=interval)
                state = fresh or state
                due = fresh is not None or time.monotonic() - last_sync > full
                due = due or self.reconciler.read_carriers() != self.reconciler.carriers
                if state is not None and due:
                    self._sync(state)
                    last_sync = time.monotonic()
                self.reporter.flush()
            except Exception:  # a backend refusing (a PF gone): look again next round
                LOG.exception("SR-IOV sync failed; retrying")
                self.stop_event.wait(interval)

    def _sync(self, state: HostPorts) -> None:
        before = (self.last.bonds, self.last.errors)
        self.last = self.reconciler.sync(state.ports, state.qos_policies)
        self.devices = self.reconciler.devices_count()
        self.syncs += 1
        self._recheck_shown(state)
        self.reporter.observe(self.last.up, self.last.handled)
        self.reporter.flush(force=True)
        if (self.last.bonds, self.last.errors) != before:
            self.heartbeat.beat()  # operators read bonds and errors in configurations
        self.write_status()

    def _recheck_shown(self, state: HostPorts) -> None:
        """Report again a port whose status the server shows otherwise than this agent
        sees it (the server set the host's ports DOWN when another agent of the host
        died; a report was lost): the status follows the VFs, level-triggered."""
        reported = self.reporter.reported
        if reported is None:
            return
        for port in self.reconciler.mine(state.ports):
            active = port.get("status") == "ACTIVE"
            if port["id"] in self.last.up and not active:
                reported.discard(port["id"])
            elif port["id"] not in self.last.up and active:
                reported.add(port["id"])

    def status(self) -> dict:
        return {"pid": os.getpid(), "host": self.config.host, "syncs": self.syncs,
                "feed": asdict(self.feed.stats), "heartbeats": self.heartbeat.sent,
                "carriers": self.reconciler.carriers, "ports_up": sorted(self.last.up),
                "ports": sorted(self.last.handled), "bonds": self.last.bonds,
                "errors": self.last.errors,
                "devices_reported": sorted(self.reporter.reported or ())}

    def write_status(self) -> None:
        tmp = self.status_path.with_name(self.status_path.name + ".tmp")
        try:
            tmp.write_text(json.dumps(self.status()))
            tmp.replace(self.status_path)
        except OSError as exc:
            LOG.warning("cannot write %s: %s", self.status_path, exc)
