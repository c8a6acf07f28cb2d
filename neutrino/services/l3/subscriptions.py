"""What the L3 service does when other resources change."""
from __future__ import annotations

from typing import Any

from sqlalchemy import select

from neutrino import exceptions as exc
from neutrino.services.l3 import service_ports
from neutrino.services.l3.models import FloatingIp, RouterPort

ROUTER_PORTS = RouterPort.__table__
FIPS = FloatingIp.__table__


def guard_port_delete(registry: Any):
    """A port the L3 service holds (a router's gateway or interface, a floating IP's
    own) is not deleted through the port API: 409 ServicePortInUse. A port that
    merely carries such a device owner, with no router or floating IP behind it, may
    go (as in Neutron). Deleting a port a floating IP maps to leaves that floating IP
    unassociated."""
    def callback(resource, event, trigger, payload) -> None:
        port = payload.states[0]
        conn = payload.connection
        owner = port["device_owner"]
        if owner in service_ports.SERVICE_OWNERS:
            held = conn.execute(select(ROUTER_PORTS.c.router_id).where(
                ROUTER_PORTS.c.port_id == port["id"])).first() or conn.execute(
                select(FIPS.c.id).where(FIPS.c.floating_port_id == port["id"])).first()
            if held:
                raise exc.ServicePortInUse(port_id=port["id"], reason=(
                    f"has device owner {owner} and is held by {held[0]}"))
        registry.plugin("floatingips").disassociate_port(conn, payload.context, port["id"])
    return callback


def delete_floatingips_with_network(registry: Any):
    """Deleting an external network deletes its floating IPs (as in Neutron)."""
    def callback(resource, event, trigger, payload) -> None:
        registry.plugin("floatingips").delete_on_network(payload.connection, payload.context,
                                                         payload.resource_id)
    return callback
