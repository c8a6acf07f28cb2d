"""What agents tell the server: who they are (register, heartbeat), which devices
they wired (port status); and what the server concludes when they fall silent.

A heartbeat is the same call as a registration (keyed by agent type and host):
it only moves ``heartbeat_timestamp`` unless something else changed, and only a
change of something else (configurations, type details, the agent coming back to
life) is journaled, so heartbeats do not flood the journal. An agent whose
heartbeat is older than ``agent_down_time`` is dead: a periodic check in each
server process journals that once (``journaled_alive`` remembers what the journal
said) and turns the ports its host's switch agent had ACTIVE to DOWN.
"""
from __future__ import annotations

import logging
import threading
import uuid
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select, update

from neutrino.callbacks import DBEventPayload, Event
from neutrino.context import Context
from neutrino.db.models.port import Port
from neutrino.ml2 import mechanism
from neutrino.services.agents import liveness, physnets, pseudo
from neutrino.services.agents.models import Agent

LOG = logging.getLogger(__name__)
AGENTS = Agent.__table__
PORTS = Port.__table__
DHCP_AGENT = "DHCP agent"
# What else a report may change besides the heartbeat and its configurations
# (journaled when it does).
REPORTED = ("binary", "topic", "availability_zone")


def _admin() -> Context:
    return Context.admin()


def register(registry: Any, report: dict) -> dict:
    """Register the agent of a validated report, or beat its heart; its record as
    /v2.0/agents shows it."""
    plugin = registry.plugin("agents")
    conf = registry.conf
    if report["agent_type"] == pseudo.AGENT_TYPE:
        raise pseudo.refuse_report()

    def txn(conn: Connection) -> tuple[dict, bool]:
        moment = liveness.now()
        stamp = liveness.stored(moment)
        row = conn.execute(select(AGENTS).where(
            AGENTS.c.agent_type == report["agent_type"], AGENTS.c.host == report["host"])
            .with_for_update()).first()
        values = {"binary": report["binary"], "topic": report["topic"],
                  "configurations": orjson.dumps(report["configurations"]).decode(),
                  "availability_zone": report.get("availability_zone"),
                  "heartbeat_timestamp": stamp, "journaled_alive": True}
        if report.get("start_flag"):
            values["started_at"] = stamp
        if row is None:
            agent_id = str(uuid.uuid4())
            conn.execute(insert(AGENTS).values(
                id=agent_id, agent_type=report["agent_type"], host=report["host"],
                admin_state_up=True, description="", created_at=stamp,
                resources_synced=None, **{**values, "started_at": stamp}))
            physnets.store(conn, agent_id, report["configurations"])
            item = plugin.load_ids(conn, [agent_id])[0]
            plugin.journal(conn, "create", [item])
            return item, True
        was_alive = row.journaled_alive and liveness.is_alive(row.heartbeat_timestamp, conf,
                                                              moment)
        reconfigured = orjson.loads(row.configurations or "{}") != report["configurations"]
        changed = not was_alive or reconfigured or any(
            getattr(row, key) != report.get(key) for key in REPORTED)
        conn.execute(update(AGENTS).where(AGENTS.c.id == row.id).values(**values))
        if reconfigured:
            physnets.store(conn, row.id, report["configurations"])
        item = plugin.load_ids(conn, [row.id])[0]
        # A restart (start_flag) counts as a change: started_at moved, and what the agent
        # could not serve before it restarted is worth another try.
        changed = changed or bool(report.get("start_flag"))
        if changed:
            plugin.journal(conn, "update", [item])
        return item, changed

    item, changed = plugin.write(txn)
    if changed:
        after_change(registry, item)
    return item


def after_change(registry: Any, agent: dict) -> None:
    """A new, revived or reconfigured agent: bind what could not be bound on its
    host; let a DHCP agent serve networks nobody serves."""
    if agent["agent_type"] in mechanism.AGENT_TYPES:
        rebind_failed(registry, agent["host"])
    if agent["agent_type"] == DHCP_AGENT:
        from neutrino.services.agents import dhcp
        dhcp.schedule_unserved(registry)
    announce(registry, [agent])


def on_created(registry: Any):
    """A pseudo-agent was created (POST /v2.0/agents): as for a new agent, ports that
    failed to bind on its host may bind now."""
    def callback(resource, event, trigger, payload) -> None:
        after_change(registry, payload.states[0])
    return callback


def announce(registry: Any, agents: list[dict]) -> None:
    """Tell other features (the L3 scheduler) that these agents appeared, revived,
    changed or died: an ``agent`` after_update event, as a PUT of one sends."""
    for agent in agents:
        registry.callbacks.publish("agent", Event.AFTER_UPDATE, registration_trigger,
                                   DBEventPayload(_admin(), resource_id=agent["id"],
                                                  states=(agent,)))


registration_trigger = object()  # the trigger of the events this module publishes


def rebind_failed(registry: Any, host: str) -> None:
    """Bind again the ports of ``host`` whose binding failed (each an update of the
    port, as Neutron retries a binding on update)."""
    ports = registry.plugin("ports")
    with registry.db.reader() as conn:
        ids = list(conn.scalars(select(PORTS.c.id).where(
            PORTS.c.binding_host_id == host, PORTS.c.binding_vif_type == "binding_failed")))
    for port_id in ids:
        try:
            ports.update(_admin(), port_id, {"binding:host_id": host})
        except Exception:  # gone meanwhile; the next registration tries again
            LOG.debug("rebinding port %s on %s failed", port_id, host, exc_info=True)


def set_statuses(registry: Any, statuses: dict[str, str]) -> None:
    """Set port statuses; each port that changes is updated as any port is
    (revision, events, journal row); an unchanged one is left alone."""
    if not statuses:
        return
    ports = registry.plugin("ports")

    def txn(conn: Connection) -> None:
        current = dict(conn.execute(select(PORTS.c.id, PORTS.c.status).where(
            PORTS.c.id.in_(sorted(statuses))).with_for_update()).all())
        changed = sorted(i for i, status in current.items() if status != statuses[i])

        def write() -> None:
            for status in set(statuses[i] for i in changed):
                conn.execute(update(PORTS).where(PORTS.c.id.in_(
                    [i for i in changed if statuses[i] == status])).values(status=status))
        ports.touch(conn, _admin(), changed, write)

    ports.write(txn)


def report_devices(registry: Any, host: str, up: list[str], down: list[str]) -> dict[str, str]:
    """Device report of ``host``: its bound ports among ``up`` become ACTIVE, among
    ``down`` DOWN; ports bound elsewhere are ignored. Returns their new statuses."""
    wanted = {**dict.fromkeys(up, "ACTIVE"), **dict.fromkeys(down, "DOWN")}
    if not wanted:
        return {}
    with registry.db.reader() as conn:
        bound = set(conn.scalars(select(PORTS.c.id).where(
            PORTS.c.id.in_(sorted(wanted)), PORTS.c.binding_host_id == host)))
    statuses = {i: s for i, s in wanted.items() if i in bound}
    set_statuses(registry, statuses)
    return statuses


def check_dead_agents(registry: Any) -> list[str]:
    """Journal agents that died since the last check; their hosts' ACTIVE ports go
    DOWN. Returns the ids of the agents found dead."""
    plugin = registry.plugin("agents")

    def txn(conn: Connection) -> tuple[list[dict], list[str]]:
        rows = conn.execute(select(AGENTS.c.id, AGENTS.c.host, AGENTS.c.agent_type).where(
            AGENTS.c.journaled_alive.is_(True), ~liveness.alive_clause(AGENTS, registry.conf))
            .with_for_update()).all()
        if not rows:
            return [], []
        ids = [r.id for r in rows]
        conn.execute(update(AGENTS).where(AGENTS.c.id.in_(ids)).values(journaled_alive=False))
        items = plugin.load_ids(conn, ids)
        plugin.journal(conn, "update", items)
        return items, sorted({r.host for r in rows if r.agent_type in mechanism.AGENT_TYPES})

    items, hosts = plugin.write(txn)
    dead = [a["id"] for a in items]
    if items:
        announce(registry, items)
    if hosts:
        with registry.db.reader() as conn:
            active = list(conn.scalars(select(PORTS.c.id).where(
                PORTS.c.binding_host_id.in_(hosts), PORTS.c.status == "ACTIVE")))
        set_statuses(registry, dict.fromkeys(active, "DOWN"))
    return dead


def start_checker(registry: Any) -> None:
    """Run ``check_dead_agents`` every ``agent_check_interval`` seconds (default: half of
    agent_down_time) in a daemon thread of this server process: nothing of it is on
    a request's path. Several processes checking is harmless: the rows are locked
    and each death is journaled once."""
    if registry.db is None:
        return
    stop = threading.Event()

    def loop() -> None:
        while True:
            conf = registry.conf
            interval = conf.agent_check_interval or max(1, conf.agent_down_time // 2)
            if stop.wait(interval):
                return
            try:
                check_dead_agents(registry)
            except Exception:  # a database hiccup: the next pass tries again
                LOG.warning("checking for dead agents failed", exc_info=True)

    threading.Thread(target=loop, name="agent-liveness", daemon=True).start()
    registry.agent_checker_stop = stop
