"""The agents' side of the sync: a callback subscriber on agent records.

Subscribed to the create and update events of ``agent`` records (a registration,
a heartbeat that changed something, one after a restart), it hands the record to
one background worker that syncs it (``PlacementSync``) and stores the outcome as
the agent's ``resources_synced``: the heartbeat that caused it has been answered
already, and a Placement that is down makes the sync fail, never the heartbeat.
An agent whose last sync failed (or never ran) is synced again at its next report.
"""
from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from sqlalchemy import select, update

import orjson

from neutrino.services.qos.placement import names
from neutrino.services.qos.placement.client import PlacementClient, adapter_from_conf
from neutrino.services.qos.placement.sync import PlacementSync

LOG = logging.getLogger(__name__)


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
    """Runs syncs one at a time off the request path and records their outcome."""

    def __init__(self, sync: PlacementSync, record: Callable[[dict, bool], None]) -> None:
        self.sync = sync
        self.record = record
        self.pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="placement-sync")

    def submit(self, agent: dict) -> Any:
        return self.pool.submit(self._run, agent)

    def _run(self, agent: dict) -> bool:
        ok = self.sync.sync(agent)
        try:
            self.record(agent, ok)
        except Exception:  # the agent may be gone meanwhile
            LOG.debug("recording resources_synced of %s failed", agent.get("id"), exc_info=True)
        return ok


def store_in_agents_table(registry: Any) -> Callable[[dict, bool], None]:
    """Record the outcome on the agent's row (the agents feature's table)."""
    def record(agent: dict, ok: bool) -> None:
        table = registry.plugin("agents").table
        with registry.db.writer() as conn:
            conn.execute(update(table).where(table.c.id == agent["id"])
                         .values(resources_synced=ok))
    return record


def agent_subscriber(registry: Any) -> Callable:
    """The callback to subscribe to agent create/update events (``Subscription("agent",
    Event.AFTER_CREATE | AFTER_UPDATE, agent_subscriber)``); a no-op without a
    configured Placement."""
    adapter = adapter_from_conf(registry.conf)
    if adapter is None:
        return lambda resource, event, trigger, payload: None
    conf = registry.conf.placement
    reporter = Reporter(PlacementSync(PlacementClient(adapter, conf.sync_timeout,
                                                      conf.generation_retries)),
                        store_in_agents_table(registry))

    def callback(resource: str, event: Any, trigger: Any, payload: Any) -> None:
        states = payload.states or ()
        agent = states[-1] if states else payload.desired_state
        before = states[0] if len(states) > 1 else None
        if agent and needs_sync(before, agent):
            reporter.submit(agent)
    return callback


def start_poller(registry: Any) -> None:
    """Background work of a server process (``Feature.background``): every
    ``[placement] sync_interval`` seconds, sync the agents whose record needs it —
    resources_synced not true, or configurations or start time changed since this
    process last synced them — off every request's path. Without a configured
    Placement (no ``[placement] auth_type``) it does nothing."""
    if registry.db is None or adapter_from_conf(registry.conf) is None:
        return
    conf = registry.conf.placement
    client = PlacementClient(adapter_from_conf(registry.conf), conf.sync_timeout,
                             conf.generation_retries)
    reporter = Reporter(PlacementSync(client), store_in_agents_table(registry))
    seen: dict[str, tuple] = {}
    stop = threading.Event()

    def poll() -> None:
        table = registry.plugin("agents").table
        with registry.db.reader() as conn:
            rows = conn.execute(select(table.c.id, table.c.host, table.c.agent_type,
                                       table.c.configurations, table.c.started_at,
                                       table.c.resources_synced)
                                .where(table.c.agent_type.in_(list(names.NAMESPACES)))).all()
        for row in rows:
            state = (row.configurations, row.started_at)
            if row.resources_synced is True and seen.get(row.id) == state:
                continue
            agent = {"id": row.id, "host": row.host, "agent_type": row.agent_type,
                     "configurations": orjson.loads(row.configurations or "{}")}
            if reporter.submit(agent).result():
                seen[row.id] = state

    def loop() -> None:
        while not stop.wait(conf.sync_interval):
            try:
                poll()
            except Exception:  # a database hiccup: the next pass tries again
                LOG.warning("Placement sync pass failed", exc_info=True)

    threading.Thread(target=loop, name="placement-poller", daemon=True).start()
    registry.placement_poller_stop = stop
