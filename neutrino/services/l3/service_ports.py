"""Ports the L3 service makes for itself (router gateways and interfaces, floating
IPs' own ports): created and deleted inside the router's or floating IP's
transaction, journaled and announced as port changes like any port's."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select

from neutrino.context import Context
from neutrino.core.resource import TAGS
from neutrino.db.models.port import Port

PORTS = Port.__table__
ROUTER_GATEWAY = "network:router_gateway"
ROUTER_INTERFACE = "network:router_interface"
ROUTER_INTERFACE_DISTRIBUTED = "network:router_interface_distributed"
ROUTER_INTERFACE_HA = "network:ha_router_replicated_interface"
FLOATINGIP = "network:floatingip"
INTERFACE_OWNERS = (ROUTER_INTERFACE, ROUTER_INTERFACE_DISTRIBUTED, ROUTER_INTERFACE_HA)
# Ports only the L3 service may delete (the port API answers 409 ServicePortInUse).
SERVICE_OWNERS = (*INTERFACE_OWNERS, ROUTER_GATEWAY, FLOATINGIP)


def create_port(registry: Any, conn: Connection, ctx: Context, body: dict) -> dict:
    """A new port from a port body (the service's own: no quota, no security groups
    for ``network:`` owners); returns it rendered."""
    ports = registry.plugin("ports")
    body = {"admin_state_up": True, "name": "", "description": "", **body}
    created = ports.insert_many(conn, ctx, [body])
    for extender in ports.extenders:
        extender.create(conn, ctx, created, [body])
    ports.created_with(conn, ctx, [created[0]["id"]])
    return ports.load_ids(conn, [created[0]["id"]])[0]


def delete_ports(registry: Any, conn: Connection, ctx: Context, ids: list[str]) -> None:
    """Delete the service's own ports (their addresses go with them)."""
    if not ids:
        return
    ports = registry.plugin("ports")
    items = ports.load_ids(conn, ids)
    for item in items:
        for extender in ports.extenders:
            extender.delete(conn, ctx, item)
    conn.execute(delete(TAGS).where(TAGS.c.resource_id.in_(ids)))
    conn.execute(delete(PORTS).where(PORTS.c.id.in_(ids)))
    ports.deleted_with(conn, ctx, items)


def port_row(conn: Connection, port_id: str) -> Any:
    return conn.execute(select(PORTS).where(PORTS.c.id == port_id).with_for_update()).first()
