"""DHCP scheduling: which DHCP agent serves which network.

Which agent serves a network is not stored apart: it is the DHCP port
(``device_owner`` ``network:dhcp``) the server creates for that agent's host, bound
there like any port, one fixed IP on each of the network's DHCP-enabled subnets,
``device_id`` ``dhcp<uuid5 of the host>-<network id>`` as Neutron's agents name
theirs, owned by the network's project and never refused by its quota.

A network with a DHCP-enabled subnet gets ``dhcp_agents_per_network`` such ports on
the alive, admin-up DHCP agents that serve the fewest networks: when such a subnet
is created or updated, and, for networks nobody serves yet, when a DHCP agent
registers. When its last DHCP-enabled subnet goes, so do its DHCP ports.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any

from sqlalchemy import Connection, func, select

from neutrino import exceptions as exc
from neutrino.callbacks import Event
from neutrino.context import Context
from neutrino.core.listing import ListQuery
from neutrino.db.models.network import Network
from neutrino.db.models.port import IpAllocation, Port
from neutrino.db.models.subnet import Subnet
from neutrino.services.agents import liveness
from neutrino.services.agents.models import Agent

LOG = logging.getLogger(__name__)
AGENTS = Agent.__table__
PORTS = Port.__table__
ALLOCS = IpAllocation.__table__
SUBNETS = Subnet.__table__
NETWORKS = Network.__table__
DHCP_OWNER = "network:dhcp"
DHCP_AGENT = "DHCP agent"


class NetworkHostedByDHCPAgent(exc.NeutronException):
    status = 409
    message = "The network {network_id} has been already hosted by the DHCP Agent {agent_id}."


class NetworkNotHostedByDhcpAgent(exc.NeutronException):
    status = 409
    message = "The network {network_id} is not hosted by the DHCP agent {agent_id}."


class InvalidDHCPAgent(exc.NotFound):
    message = "Agent {id} is not a valid DHCP Agent or has been disabled."


def device_id(host: str, network_id: str) -> str:
    return f"dhcp{uuid.uuid5(uuid.NAMESPACE_DNS, host)}-{network_id}"


def _admin() -> Context:
    return Context.admin()


def dhcp_subnets(conn: Connection, network_id: str) -> list[str]:
    return list(conn.scalars(select(SUBNETS.c.id).where(
        SUBNETS.c.network_id == network_id, SUBNETS.c.enable_dhcp.is_(True))
        .order_by(SUBNETS.c.created_at, SUBNETS.c.id)))


def dhcp_ports(conn: Connection, network_id: str) -> list[Any]:
    return conn.execute(select(PORTS.c.id, PORTS.c.binding_host_id, PORTS.c.device_id).where(
        PORTS.c.network_id == network_id, PORTS.c.device_owner == DHCP_OWNER)).all()


def hosted_network_ids(conn: Connection, host: str) -> list[str]:
    return list(conn.scalars(select(PORTS.c.network_id).where(
        PORTS.c.device_owner == DHCP_OWNER, PORTS.c.binding_host_id == host).distinct()))


def candidates(conn: Connection, conf: Any) -> list[str]:
    """Hosts of alive, admin-up DHCP agents, least loaded first."""
    load = (select(PORTS.c.binding_host_id.label("host"), func.count().label("n"))
            .where(PORTS.c.device_owner == DHCP_OWNER)
            .group_by(PORTS.c.binding_host_id).subquery())
    rows = conn.execute(select(AGENTS.c.host, func.coalesce(load.c.n, 0)).outerjoin(
        load, load.c.host == AGENTS.c.host).where(
        AGENTS.c.agent_type == DHCP_AGENT, AGENTS.c.admin_state_up.is_(True),
        AGENTS.c.heartbeat_timestamp > liveness.alive_since(conf))).all()
    return [host for host, _n in sorted(rows, key=lambda r: (r[1], r[0]))]


def create_port(registry: Any, network_id: str, host: str, subnet_ids: list[str]) -> dict:
    with registry.db.reader() as conn:
        owner = conn.scalar(select(NETWORKS.c.project_id).where(NETWORKS.c.id == network_id))
    if owner is None:
        raise exc.NetworkNotFound(id=network_id)
    body = {"network_id": network_id, "project_id": owner, "tenant_id": owner,
            "device_owner": DHCP_OWNER, "device_id": device_id(host, network_id),
            "binding:host_id": host, "fixed_ips": [{"subnet_id": s} for s in subnet_ids]}
    return registry.plugin("ports").create_bulk(_admin(), [body], count_quota=False)[0]


def sync_network(registry: Any, network_id: str) -> None:
    """Make the network's DHCP ports what its subnets and the agents call for."""
    ports = registry.plugin("ports")
    with registry.db.reader() as conn:
        if conn.scalar(select(NETWORKS.c.id).where(NETWORKS.c.id == network_id)) is None:
            return
        subnets = dhcp_subnets(conn, network_id)
        existing = dhcp_ports(conn, network_id)
        hosts = candidates(conn, registry.conf) if subnets else []
        held = {r.id: {a.subnet_id: a.ip_address for a in conn.execute(
            select(ALLOCS.c.subnet_id, ALLOCS.c.ip_address).where(ALLOCS.c.port_id == r.id))}
            for r in existing}
    if not subnets:
        # Only the ports the scheduler made go; one a user made keeps living, its
        # addresses released with their subnets (as in Neutron).
        for row in existing:
            if row.device_id == device_id(row.binding_host_id or "", network_id):
                ports.delete(_admin(), row.id)
        return
    for row in existing:  # one address on each DHCP subnet, the ones held kept
        if set(held[row.id]) != set(subnets):
            ports.update(_admin(), row.id, {"fixed_ips": [
                {"subnet_id": s, "ip_address": held[row.id][s]} if s in held[row.id]
                else {"subnet_id": s} for s in subnets]})
    served = {r.binding_host_id for r in existing}
    missing = registry.conf.dhcp_agents_per_network - len(existing)
    for host in [h for h in hosts if h not in served][:max(0, missing)]:
        create_port(registry, network_id, host, subnets)


def schedule_unserved(registry: Any) -> None:
    """Serve every network that has a DHCP-enabled subnet and no DHCP port."""
    with registry.db.reader() as conn:
        served = select(PORTS.c.network_id).where(PORTS.c.device_owner == DHCP_OWNER)
        ids = list(conn.scalars(select(SUBNETS.c.network_id).where(
            SUBNETS.c.enable_dhcp.is_(True), SUBNETS.c.network_id.not_in(served)).distinct()))
    for network_id in ids:
        _safely(registry, network_id)


def _safely(registry: Any, network_id: str) -> None:
    # Scheduling follows a committed change: a failure (the network went meanwhile,
    # its addresses ran out) must not turn that change into an error.
    try:
        sync_network(registry, network_id)
    except exc.NeutronException as err:
        LOG.info("DHCP scheduling of network %s: %s", network_id, err)


def on_subnet_change(registry: Any):
    """After a DHCP-enabled subnet is created or deleted, or a subnet's enable_dhcp is
    set: schedule its network again. Other subnet changes cost nothing here."""
    def callback(resource, event, trigger, payload) -> None:
        subnet = payload.latest_state
        if not subnet or not subnet.get("network_id"):
            return
        if event == Event.AFTER_UPDATE:
            if "enable_dhcp" not in (payload.request_body or {}):
                return
        elif not subnet.get("enable_dhcp"):
            return
        _safely(registry, subnet["network_id"])
    return callback


# ---- /v2.0/agents/{id}/dhcp-networks and /v2.0/networks/{id}/dhcp-agents ---------------
def _dhcp_agent(registry: Any, agent_id: str) -> dict:
    agent = registry.plugin("agents").get(_admin(), agent_id)
    if agent["agent_type"] != DHCP_AGENT:
        raise InvalidDHCPAgent(id=agent_id)
    return agent


def add_network(registry: Any, agent_id: str, network_id: str) -> None:
    agent = _dhcp_agent(registry, agent_id)
    if not agent["admin_state_up"]:
        raise InvalidDHCPAgent(id=agent_id)
    with registry.db.reader() as conn:
        if conn.scalar(select(NETWORKS.c.id).where(NETWORKS.c.id == network_id)) is None:
            raise exc.NetworkNotFound(id=network_id)
        if any(r.binding_host_id == agent["host"] for r in dhcp_ports(conn, network_id)):
            raise NetworkHostedByDHCPAgent(network_id=network_id, agent_id=agent_id)
        subnets = dhcp_subnets(conn, network_id)
    create_port(registry, network_id, agent["host"], subnets)


def remove_network(registry: Any, agent_id: str, network_id: str) -> None:
    agent = _dhcp_agent(registry, agent_id)
    with registry.db.reader() as conn:
        ids = [r.id for r in dhcp_ports(conn, network_id) if r.binding_host_id == agent["host"]]
    if not ids:
        raise NetworkNotHostedByDhcpAgent(network_id=network_id, agent_id=agent_id)
    for port_id in ids:
        registry.plugin("ports").delete(_admin(), port_id)


def networks_of_agent(registry: Any, ctx: Context, agent_id: str) -> list[dict]:
    agent = registry.plugin("agents").get(ctx, agent_id)
    with registry.db.reader() as conn:
        ids = hosted_network_ids(conn, agent["host"]) if agent["agent_type"] == DHCP_AGENT else []
    if not ids:
        return []
    return registry.plugin("networks").list(ctx, ListQuery(filters={"id": ids}))


def agents_of_network(registry: Any, ctx: Context, network_id: str) -> list[dict]:
    registry.plugin("networks").get(ctx, network_id, ["id"])
    with registry.db.reader() as conn:
        hosts = sorted({r.binding_host_id for r in dhcp_ports(conn, network_id)})
    if not hosts:
        return []
    return registry.plugin("agents").list(ctx, ListQuery(
        filters={"host": hosts, "agent_type": [DHCP_AGENT]}))
