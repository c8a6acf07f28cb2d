"""The agents' side of the sync: when an agent's providers are synced, off every
request's path, and where the outcome goes (the agent's ``resources_synced``).

One ``Reporter`` per server process runs the syncs on a small thread pool
(``[placement] sync_workers``), one at a time per agent (a sync asked for while
one is queued merges into it, with the latest report). It is fed by:

- the agents' events: a registration, a restart (``start_flag``), a changed
  report (``configurations``), an agent reviving — each an ``agent``
  after_update event the registration publishes once its transaction has
  committed; the heartbeat that caused it has been answered already;
- a poller every ``[placement] sync_interval`` seconds over the Open vSwitch and
  SR-IOV agents' records: an agent whose record changed since this process last
  looked (another process took the heartbeat), and one whose last sync failed
  (``resources_synced`` false, or never tried) once it heartbeats again — a
  Placement that is down fails the sync, never the heartbeat, and is retried at
  the agent's next heartbeat. A server that restarts trusts the records that say
  synced (no resync);
- every ``[placement] full_sync_interval`` seconds, a verifying pass over every
  such agent (the safety net): one listing of each agent's providers, and a full
  comparison only where a generation moved.

A sync of a report that did not change since this process synced it costs no
call to Placement (sync.py).
"""
from __future__ import annotations

import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

import orjson
from sqlalchemy import select, update

from neutrino.services.qos.placement import names
from neutrino.services.qos.placement.client import PlacementClient, adapter_from_conf
from neutrino.services.qos.placement.sync import PlacementSync

LOG = logging.getLogger(__name__)
_lock = threading.Lock()


def needs_sync(before: dict | None, agent: dict) -> bool:
    """A new agent, one that restarted or changed its configuration, or one whose
    last sync did not succeed."""
    if agent.get("agent_type") not in names.NAMESPACES:
        return False
    if before is None or agent.get("resources_synced") is not True:
        return True
    return (before.get("configurations") != agent.get("configurations")
            or before.get("started_at") != agent.get("started_at"))


class Reporter:
    """Runs syncs on a few threads, one at a time per agent, and records their outcome."""

    def __init__(self, sync: PlacementSync, record: Callable[[dict, bool], None],
                 workers: int = 1) -> None:
        self.sync = sync
        self.record = record
        self.pool = ThreadPoolExecutor(max_workers=max(1, workers),
                                       thread_name_prefix="placement-sync")
        self.lock = threading.Lock()
        self.latest: dict[str, tuple[dict, bool]] = {}
        self.queued: dict[str, Future] = {}
        self.running: dict[str, threading.Lock] = defaultdict(threading.Lock)

    def submit(self, agent: dict, verify: bool = False) -> Future:
        """Sync the agent soon; the future answers whether Placement holds its report."""
        key = agent.get("id") or f"{agent['agent_type']}@{agent['host']}"
        with self.lock:
            before = self.latest.get(key)
            self.latest[key] = (agent, verify or bool(before and before[1]))
            future = self.queued.get(key)
            if future is None:
                future = self.queued[key] = self.pool.submit(self._run, key)
            return future

    def _run(self, key: str) -> bool:
        with self.lock:
            one_at_a_time = self.running[key]
        with one_at_a_time:
            with self.lock:
                self.queued.pop(key, None)
                agent, verify = self.latest.pop(key)
            ok = self.sync.sync(agent, verify=verify)
            try:
                self.record(agent, ok)
            except Exception:  # the agent may be gone meanwhile
                LOG.debug("recording resources_synced of %s failed", agent.get("id"),
                          exc_info=True)
            return ok


def store_in_agents_table(registry: Any) -> Callable[[dict, bool], None]:
    """Record the outcome on the agent's row (the agents feature's table)."""
    def record(agent: dict, ok: bool) -> None:
        table = registry.plugin("agents").table
        with registry.db.writer() as conn:
            conn.execute(update(table).where(table.c.id == agent["id"])
                         .values(resources_synced=ok))
    return record


def reporter_of(registry: Any) -> Reporter | None:
    """This process's reporter (None without a configured Placement)."""
    with _lock:
        if not hasattr(registry, "placement_reporter"):
            adapter = adapter_from_conf(registry.conf)
            conf = registry.conf.placement
            registry.placement_reporter = None if adapter is None else Reporter(
                PlacementSync(PlacementClient(adapter, conf.sync_timeout,
                                              conf.generation_retries)),
                store_in_agents_table(registry), conf.sync_workers)
        return registry.placement_reporter


def agent_subscriber(registry: Any) -> Callable:
    """The callback of agent after_update events (registration, restart, changed
    report, revival; a PUT of the agent); a no-op without a configured Placement."""
    def callback(resource: str, event: Any, trigger: Any, payload: Any) -> None:
        states = payload.states or ()
        agent = states[-1] if states else payload.desired_state
        before = states[0] if len(states) > 1 else None
        if agent and needs_sync(before, agent):
            reporter = reporter_of(registry)
            if reporter is not None:
                reporter.submit(agent)
    return callback


def start_poller(registry: Any) -> None:
    """Background work of a server process (``Feature.background``): the passes the
    module's docstring describes. Without a configured Placement it does nothing."""
    if registry.db is None or reporter_of(registry) is None:
        return
    reporter = reporter_of(registry)
    conf = registry.conf.placement
    # Agent id -> (configurations, started_at, heartbeat) when this process last
    # looked at (or trusted) its record.
    looked: dict[str, tuple] = {}
    stop = threading.Event()

    def poll(full: bool) -> None:
        table = registry.plugin("agents").table
        with registry.db.reader() as conn:
            rows = conn.execute(select(table.c.id, table.c.host, table.c.agent_type,
                                       table.c.configurations, table.c.started_at,
                                       table.c.heartbeat_timestamp, table.c.resources_synced)
                                .where(table.c.agent_type.in_(list(names.NAMESPACES)))).all()
        for row in rows:
            state = (row.configurations, row.started_at, row.heartbeat_timestamp)
            last = looked.get(row.id)
            looked[row.id] = state
            if not full:
                if last is None and row.resources_synced is True:
                    continue  # synced before this process started: trusted
                if last is not None and last[:2] == state[:2] and (
                        row.resources_synced is True or last[2] == state[2]):
                    continue  # unchanged; or failed, and no heartbeat since the last try
            reporter.submit({"id": row.id, "host": row.host, "agent_type": row.agent_type,
                             "configurations": orjson.loads(row.configurations or "{}")},
                            verify=full)

    def loop() -> None:
        last_full = time.monotonic()
        while not stop.wait(conf.sync_interval):
            full = time.monotonic() - last_full >= conf.full_sync_interval
            try:
                poll(full)
                if full:
                    last_full = time.monotonic()
            except Exception:  # a database hiccup: the next pass tries again
                LOG.warning("Placement sync pass failed", exc_info=True)

    threading.Thread(target=loop, name="placement-poller", daemon=True).start()
    registry.placement_poller_stop = stop
