"""The agent as a service: follow the server's feed, converge, report.

Three threads, no eventlet:

* the **feed follower** fetches the host's full state once, then long-polls the
  journal from its cursor; each answer is a whole new DesiredState, left in a
  one-slot mailbox (a newer one replaces one not yet taken). A lost server is
  retried with backoff *from the same cursor*: the journal is the guarantee of
  no gap, and the server answers "resync" when it cannot continue from it
  (pruned, another database); only then is the full state fetched again;
* the **heartbeat** registers the agent records every ``report_interval``;
* the **reconciler** (the calling thread) syncs when a new state arrives,
  OVSDB changed (a VM plugged or unplugged), the canary says OVS lost its
  flows, or a full resync is due; after each sync it reports devices that
  went up or down. Nothing here ever flushes flows.

``status.json`` in ``[agent] state_path`` is rewritten after each sync and feed
event: what tests and operators read to see progress.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from neutrino.agent.desired import DesiredState
from neutrino.agent.reconciler import Agent, AgentConfig, SyncResult
from neutrino.agent.reporting import DeviceReporter, Heartbeat, HostFacts, agent_records

LOG = logging.getLogger(__name__)


def agent_config(conf: Any) -> AgentConfig:
    """The reconciler's settings from [agent]."""
    a = conf.agent
    return AgentConfig(host=a.host, ovsdb=a.ovsdb_connection, rundir=a.ovs_rundir,
                       integration_bridge=a.integration_bridge,
                       bridge_mappings=dict(a.bridge_mappings), tunnel_ip=a.tunneling_ip,
                       datapath_type=a.datapath_type,
                       full_resync_interval=a.full_resync_interval,
                       state_path=a.state_path, dhcp_lease_duration=a.dhcp_lease_duration,
                       dnsmasq_dns_servers=list(a.dnsmasq_dns_servers),
                       dnsmasq_user=a.dnsmasq_user, dnsmasq_log_dhcp=a.dnsmasq_log_dhcp,
                       packet_log_path=conf.network_log.local_output_log_base,
                       log_rate_limit=conf.network_log.rate_limit,
                       log_burst_limit=conf.network_log.burst_limit)


def build_agent(conf: Any) -> Agent:
    """The reconciler with the extensions [agent] asks for (DHCP when ``dhcp``)."""
    config = agent_config(conf)
    dhcp = None
    if conf.agent.dhcp:
        from neutrino.agent.dhcp import Dhcp
        dhcp = Dhcp(config)
    l3 = None
    if conf.agent.l3:
        from neutrino.agent.l3 import L3
        l3 = L3(config)
    return Agent(config, dhcp=dhcp, l3=l3)


class Mailbox:
    """One slot for the newest DesiredState; ``take`` waits for it up to a timeout."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: DesiredState | None = None

    def put(self, item: DesiredState) -> None:
        with self._cond:
            self._item = item
            self._cond.notify_all()

    def take(self, timeout: float) -> DesiredState | None:
        with self._cond:
            if self._item is None:
                self._cond.wait(timeout)
            item, self._item = self._item, None
            return item


@dataclass
class FeedStats:
    state_fetches: int = 0  # full states fetched: 1 after start, +1 per resync
    watches: int = 0  # watch answers received
    changes: int = 0  # watch answers that carried a new state
    resyncs: int = 0  # "resync" answers
    errors: int = 0  # failed calls (server lost, bad answer)
    connected: bool = False
    cursor: str | None = None
    last_error: str = ""


class FeedFollower(threading.Thread):
    """state(), then watch(cursor) forever; publishes each DesiredState to the mailbox."""

    def __init__(self, client: Any, mailbox: Mailbox, stop: threading.Event, *,
                 watch_timeout: float, max_backoff: float,
                 on_event: Callable[[], None] = lambda: None) -> None:
        super().__init__(name="feed", daemon=True)
        self.client = client
        self.mailbox = mailbox
        self.stop_event = stop
        self.watch_timeout = watch_timeout
        self.max_backoff = max_backoff
        self.on_event = on_event
        self.stats = FeedStats()
        self._fetched_cursor: str | None = None

    def step(self) -> None:
        from neutrino.agent.feed import ResyncRequired
        stats = self.stats
        try:
            if stats.cursor is None:
                cursor, state = self.client.state()
                self._fetched_cursor = cursor
                stats.state_fetches += 1
                LOG.info("full state fetched: %d networks, %d ports, cursor %s",
                         len(state.networks), len(state.ports), cursor)
            else:
                cursor, state = self.client.watch(stats.cursor, timeout=self.watch_timeout)
                stats.watches += 1
                if state is not None:
                    stats.changes += 1
                if not stats.connected:
                    LOG.info("feed resumed from cursor %s", stats.cursor)
        except ResyncRequired as exc:
            stats.resyncs += 1
            LOG.warning("the server asks for a resync (%s): fetching the full state", exc)
            fresh = stats.cursor == self._fetched_cursor
            stats.cursor = None
            if fresh:  # refused the cursor it just gave: do not hammer it
                self.stop_event.wait(self.max_backoff)
            return
        stats.connected = True
        stats.cursor = cursor
        if state is not None:
            self.mailbox.put(state)

    def run(self) -> None:
        backoff = 0.0
        while not self.stop_event.is_set():
            try:
                self.step()
                backoff = 0.0
            except Exception as exc:  # server lost or restarting: same cursor, after a pause
                stats = self.stats
                stats.errors += 1
                stats.last_error = f"{type(exc).__name__}: {exc}"
                if stats.connected or backoff == 0.0:
                    LOG.warning("feed unreachable (%s); retrying from cursor %s",
                                stats.last_error, stats.cursor)
                stats.connected = False
                backoff = min(self.max_backoff, max(0.25, backoff * 2))
                self.stop_event.wait(backoff)
            self.on_event()


class AgentService:
    """One host's agent process: feed, heartbeat, reconciliation, device reports."""

    def __init__(self, conf: Any, client: Any, agent: Agent | None = None,
                 extensions: list[str] | None = None) -> None:
        self.conf = conf
        self.client = client
        self.agent = agent or build_agent(conf)
        names = self.agent.extension_names()
        if self.agent.dhcp is not None:
            names.append("dhcp")
        if self.agent.l3 is not None:
            names.append("l3")
        self.extensions = extensions if extensions is not None else sorted(names)
        self.stop_event = threading.Event()
        self.mailbox = Mailbox()
        self.facts = HostFacts()
        self.reporter = DeviceReporter(client)
        self.feed = FeedFollower(client, self.mailbox, self.stop_event,
                                 watch_timeout=conf.agent.watch_timeout,
                                 max_backoff=conf.agent.max_backoff, on_event=self.write_status)
        self.heartbeat = Heartbeat(client, lambda: agent_records(conf, self.facts, self.extensions),
                                   conf.agent.report_interval, self.stop_event)
        self.history: list[dict[str, Any]] = []
        self.syncs = 0
        self.status_path = Path(conf.agent.state_path) / "status.json"
        self._status_lock = threading.Lock()

    def stop(self) -> None:
        self.stop_event.set()

    def run(self, interval: float = 0.2) -> None:
        """Until stop(): the agent's whole life. OVSDB must be reachable (start() raises)."""
        if self.agent.ovsdb is None:
            self.agent.start()
        self.status_path.parent.mkdir(parents=True, exist_ok=True)
        # Registered before the first state is asked for: the server binds ports to
        # hosts with an alive agent, and schedules DHCP to hosts that serve it.
        self.heartbeat.beat()
        self.heartbeat.start()
        self.feed.start()
        try:
            self._reconcile(interval)
        finally:
            self.stop_event.set()
            self.agent.stop()

    def _reconcile(self, interval: float) -> None:
        agent = self.agent
        desired: DesiredState | None = None
        seen_seqno = -1
        while not self.stop_event.is_set():
            try:
                fresh = self.mailbox.take(timeout=interval)
                due = fresh is not None and fresh != desired
                desired = fresh or desired
                if desired is not None and agent.knows_installed and not agent.canary_present():
                    LOG.warning("canary flow missing: OVS lost its flows, resyncing")
                    agent.invalidate()
                seqno = agent.ovsdb_changes()
                due = due or seqno != seen_seqno or not agent.knows_installed or agent.full_resync_due()
                if desired is not None and due:
                    result = agent.sync(desired)
                    seen_seqno = seqno
                    self._after_sync(desired, result)
                self.reporter.flush()
            except Exception:  # OVS restarting: observe afresh next round
                if self.stop_event.is_set():  # a signal also hit our ovs-ofctl child
                    break
                LOG.exception("reconciliation failed; retrying")
                agent.invalidate()
                self.stop_event.wait(interval)

    def _after_sync(self, desired: DesiredState, result: SyncResult) -> None:
        agent = self.agent
        self.facts.devices = len(agent.wired)
        dhcp = set(desired.dhcp_networks)
        self.facts.dhcp_networks = len(dhcp)
        self.facts.dhcp_subnets = sum(1 for s in desired.subnets if s.network_id in dhcp and s.enable_dhcp)
        self.facts.dhcp_ports = sum(1 for p in desired.ports if p.network_id in dhcp)
        self.facts.routers = len(desired.routers)
        self.facts.gateways = sum(1 for r in desired.routers if r.gw_port_id)
        self.facts.interfaces = sum(len(r.interfaces) for r in desired.routers)
        self.facts.floating_ips = sum(1 for f in desired.floatingips if f.port_id)
        self.reporter.observe(agent.wired, agent.bound_here)
        self.reporter.flush(force=True)
        self._report_floatingips(desired)
        self._report_trunks(desired)
        self.syncs += 1
        self.history.append(dict(asdict(result), time=time.time()))
        del self.history[1:-1]  # the first sync after start and the latest are what matter
        self.write_status()

    def _report_floatingips(self, desired: DesiredState) -> None:
        """Floating IPs whose status differs from what the L3 component found; the
        server's answer comes back through the feed, so nothing is remembered here and
        a failed report is simply made again after the next sync."""
        l3 = self.agent.l3
        if l3 is None:
            return
        shown = {f.id: f.status for f in desired.floatingips}
        changed = {i: s for i, s in l3.fip_statuses.items() if shown.get(i) != s}
        if not changed:
            return
        try:
            self.client.report_floatingips(changed)
            l3.reported(set(changed))
            LOG.info("floating IPs reported: %s", changed)
        except Exception as exc:  # a lost server: the next sync reports again
            LOG.warning("reporting floating IPs failed: %s: %s", type(exc).__name__, exc)

    def _report_trunks(self, desired: DesiredState) -> None:
        """Trunks whose status differs from the one the sync found (docs/agent.md,
        "Trunks"); like floating IPs, the answer comes back through the feed."""
        shown = {t.id: t.status for t in desired.trunks}
        changed = {i: s for i, s in self.agent.trunk_statuses.items() if shown.get(i) != s}
        if not changed:
            return
        try:
            self.client.report_trunks(changed)
            LOG.info("trunks reported: %s", changed)
        except Exception as exc:  # a lost server: the next sync reports again
            LOG.warning("reporting trunks failed: %s: %s", type(exc).__name__, exc)

    def status(self) -> dict[str, Any]:
        return {
            "pid": os.getpid(),
            "host": self.conf.agent.host,
            "syncs": self.syncs,
            "first": self.history[0] if self.history else None,
            "last": self.history[-1] if self.history else None,
            "feed": asdict(self.feed.stats),
            "heartbeats": self.heartbeat.sent,
            "heartbeat_failures": self.heartbeat.failures,
            "devices_up": sorted(self.agent.wired),
            "devices_reported": sorted(self.reporter.reported or ()),
            "device_reports": self.reporter.reports,
            "device_report_pending": self.reporter.pending,
            "trunks": dict(self.agent.trunk_statuses),
            "packet_log": self.agent.packet_log_status(),
        }

    def write_status(self) -> None:
        with self._status_lock:
            data = self.status()
            tmp = self.status_path.with_name(self.status_path.name + ".tmp")
            try:
                tmp.write_text(json.dumps(data))
                tmp.replace(self.status_path)
            except OSError as exc:
                LOG.warning("cannot write %s: %s", self.status_path, exc)
