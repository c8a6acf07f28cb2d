"""Which L3 agent carries each router.

A router is placed on one host (``routers.host``, a column the L3 service left for
this): the host of an alive, admin-up ``L3 agent`` that carries the fewest routers,
once the router has a gateway or an interface. The router's ports (gateway and
interfaces) are then bound to that host (``binding:host_id``), as Neutron binds a
legacy router's ports to its L3 agent's host: the host's switch agent wires them
like any local port and the host's feed document carries the router.

Placement is checked again when a router changes, when an agent registers, revives,
is reconfigured or set admin up or down, and when the liveness check finds agents
dead: a router on a host whose L3 agent is dead or admin down moves to another
candidate (it stays where it is while there is none).
"""
from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import Connection, func, select, update

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.listing import ListQuery
from neutrino.db.models.port import Port
from neutrino.services.agents import liveness
from neutrino.services.agents.models import Agent
from neutrino.services.l3.models import Router, RouterPort

LOG = logging.getLogger(__name__)
AGENTS = Agent.__table__
ROUTERS = Router.__table__
ROUTER_PORTS = RouterPort.__table__
PORTS = Port.__table__
L3_AGENT = "L3 agent"


class RouterHostedByL3Agent(exc.NeutronException):
    status = 409
    message = "The router {router_id} has been already hosted by the L3 Agent {agent_id}."


class RouterNotHostedByL3Agent(exc.NeutronException):
    status = 409
    message = "The router {router_id} is not hosted by L3 agent {agent_id}."


class InvalidL3Agent(exc.NotFound):
    message = "Agent {id} is not a L3 Agent or has been disabled"


def _admin() -> Context:
    return Context.admin()


def candidates(conn: Connection, conf: Any) -> list[str]:
    """Hosts of alive, admin-up L3 agents, the one carrying fewest routers first."""
    load = (select(ROUTERS.c.host.label("host"), func.count().label("n"))
            .where(ROUTERS.c.host.is_not(None)).group_by(ROUTERS.c.host).subquery())
    rows = conn.execute(select(AGENTS.c.host, func.coalesce(load.c.n, 0)).outerjoin(
        load, load.c.host == AGENTS.c.host).where(
        AGENTS.c.agent_type == L3_AGENT, AGENTS.c.admin_state_up.is_(True),
        AGENTS.c.heartbeat_timestamp > liveness.alive_since(conf))).all()
    return [host for host, _n in sorted(rows, key=lambda r: (r[1], r[0]))]


def _with_ports(conn: Connection, router_ids: list[str] | None = None) -> list[Any]:
    query = select(ROUTERS.c.id, ROUTERS.c.host).where(
        ROUTERS.c.id.in_(select(ROUTER_PORTS.c.router_id)))
    if router_ids is not None:
        query = query.where(ROUTERS.c.id.in_(router_ids))
    return conn.execute(query.order_by(ROUTERS.c.created_at, ROUTERS.c.id)).all()


def _set_host(registry: Any, router_id: str, host: str | None) -> None:
    def txn(conn: Connection) -> None:
        conn.execute(update(ROUTERS).where(ROUTERS.c.id == router_id).values(host=host))
    registry.db.write(txn)


def bind_ports(registry: Any, router_id: str) -> None:
    """Bind the router's ports to its host (unbind them when it has none)."""
    with registry.db.reader() as conn:
        host = conn.scalar(select(ROUTERS.c.host).where(ROUTERS.c.id == router_id))
        rows = conn.execute(select(PORTS.c.id, PORTS.c.binding_host_id).join(
            ROUTER_PORTS, ROUTER_PORTS.c.port_id == PORTS.c.id).where(
            ROUTER_PORTS.c.router_id == router_id)).all()
    for port_id, bound in rows:
        if (bound or None) != (host or None):
            try:
                registry.plugin("ports").update(_admin(), port_id, {"binding:host_id": host or ""})
            except exc.NeutronException as err:  # gone meanwhile
                LOG.info("binding port %s of router %s: %s", port_id, router_id, err)


def schedule(registry: Any, router_ids: list[str] | None = None) -> None:
    """Place the routers (all with ports when ``router_ids`` is None) that have no
    live host, and bind every such router's ports where it is."""
    with registry.db.reader() as conn:
        routers = _with_ports(conn, router_ids)
        hosts = candidates(conn, registry.conf)
    for router_id, host in routers:
        if host not in hosts and hosts:
            with registry.db.reader() as conn:  # the load changed with each placement
                hosts = candidates(conn, registry.conf)
            LOG.info("router %s placed on %s (was %s)", router_id, hosts[0], host)
            _set_host(registry, router_id, hosts[0])
        bind_ports(registry, router_id)


def _safely(registry: Any, router_ids: list[str] | None) -> None:
    # Scheduling follows a committed change: a failure must not turn it into an error.
    try:
        schedule(registry, router_ids)
    except exc.NeutronException as err:
        LOG.info("L3 scheduling of %s: %s", router_ids or "all routers", err)


def on_router_change(registry: Any):
    def callback(resource, event, trigger, payload) -> None:
        router = payload.latest_state
        if router and router.get("id"):
            _safely(registry, [router["id"]])
    return callback


def on_agent_change(registry: Any):
    """An agent appeared, revived, died, was reconfigured or set admin up/down."""
    def callback(resource, event, trigger, payload) -> None:
        _safely(registry, None)
    return callback


# ---- /v2.0/agents/{id}/l3-routers and /v2.0/routers/{id}/l3-agents -----------------------
def _l3_agent(registry: Any, agent_id: str) -> dict:
    agent = registry.plugin("agents").get(_admin(), agent_id)
    if agent["agent_type"] != L3_AGENT:
        raise InvalidL3Agent(id=agent_id)
    return agent


def _agent_id(conn: Connection, host: str | None) -> str | None:
    if not host:
        return None
    return conn.scalar(select(AGENTS.c.id).where(AGENTS.c.agent_type == L3_AGENT,
                                                 AGENTS.c.host == host))


def add_router(registry: Any, agent_id: str, router_id: str) -> None:
    agent = _l3_agent(registry, agent_id)
    if not agent["admin_state_up"]:
        raise InvalidL3Agent(id=agent_id)
    registry.plugin("routers").get(_admin(), router_id, ["id"])
    with registry.db.reader() as conn:
        host = conn.scalar(select(ROUTERS.c.host).where(ROUTERS.c.id == router_id))
        hosting = _agent_id(conn, host)
    if hosting is not None:
        raise RouterHostedByL3Agent(router_id=router_id, agent_id=hosting)
    _set_host(registry, router_id, agent["host"])
    bind_ports(registry, router_id)


def remove_router(registry: Any, agent_id: str, router_id: str) -> None:
    agent = _l3_agent(registry, agent_id)
    registry.plugin("routers").get(_admin(), router_id, ["id"])
    with registry.db.reader() as conn:
        host = conn.scalar(select(ROUTERS.c.host).where(ROUTERS.c.id == router_id))
    if host != agent["host"]:
        raise RouterNotHostedByL3Agent(router_id=router_id, agent_id=agent_id)
    _set_host(registry, router_id, None)
    bind_ports(registry, router_id)


def routers_of_agent(registry: Any, ctx: Context, agent_id: str) -> list[dict]:
    agent = registry.plugin("agents").get(ctx, agent_id)
    if agent["agent_type"] != L3_AGENT:
        return []
    with registry.db.reader() as conn:
        ids = list(conn.scalars(select(ROUTERS.c.id).where(ROUTERS.c.host == agent["host"])))
    if not ids:
        return []
    return registry.plugin("routers").list(ctx, ListQuery(filters={"id": ids}))


def agents_of_router(registry: Any, ctx: Context, router_id: str) -> list[dict]:
    registry.plugin("routers").get(ctx, router_id, ["id"])
    with registry.db.reader() as conn:
        host = conn.scalar(select(ROUTERS.c.host).where(ROUTERS.c.id == router_id))
    if not host:
        return []
    return registry.plugin("agents").list(ctx, ListQuery(
        filters={"host": [host], "agent_type": [L3_AGENT]}))


def routers_on_host(conn: Connection, host: str) -> list[str]:
    """The routers placed on ``host`` (the agent feed's document carries them)."""
    return sorted(conn.scalars(select(ROUTERS.c.id).where(ROUTERS.c.host == host)))


FIP_STATUSES = ("ACTIVE", "DOWN", "ERROR")


def report_floatingips(registry: Any, host: str, statuses: dict[str, str]) -> dict[str, str]:
    """The L3 agent of ``host`` says which floating IPs have their NAT in place (ACTIVE)
    or not (DOWN, ERROR). Only floating IPs of routers placed on ``host`` are set, and
    DOWN of those without a router; each that changes is an update of it (revision,
    events, journal row)."""
    from neutrino.services.l3.models import FloatingIp
    fips_table = FloatingIp.__table__
    plugin = registry.plugin("floatingips")
    if not statuses:
        return {}

    def txn(conn: Connection) -> dict[str, str]:
        # A floating IP disassociated meanwhile has no router: its last host may say DOWN.
        rows = [r for r in conn.execute(
            select(fips_table.c.id, fips_table.c.status, ROUTERS.c.host).outerjoin(
                ROUTERS, ROUTERS.c.id == fips_table.c.router_id).where(
                fips_table.c.id.in_(sorted(statuses))).with_for_update(of=fips_table)).all()
            if r.host == host or (r.host is None and statuses[r.id] == "DOWN")]
        mine = {r.id: statuses[r.id] for r in rows}
        changed = sorted(r.id for r in rows if r.status != statuses[r.id])

        def write() -> None:
            for status in {mine[i] for i in changed}:
                conn.execute(update(fips_table).where(fips_table.c.id.in_(
                    [i for i in changed if mine[i] == status])).values(status=status))
        plugin.touch(conn, _admin(), changed, write)
        return mine

    return plugin.write(txn)
