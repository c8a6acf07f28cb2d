"""What the L3 service does when other resources change."""
from __future__ import annotations

from typing import Any

from neutrino import exceptions as exc
from neutrino.services.l3 import service_ports


def guard_port_delete(registry: Any):
    """A port the L3 service owns (router gateway or interface, a floating IP's) is
    not deleted through the port API: 409 ServicePortInUse. Deleting a port a
    floating IP maps to leaves that floating IP unassociated."""
    def callback(resource, event, trigger, payload) -> None:
        port = payload.states[0]
        owner = port["device_owner"]
        if owner in service_ports.SERVICE_OWNERS:
            raise exc.ServicePortInUse(port_id=port["id"], reason=(
                f"has device owner {owner}"))
        registry.plugin("floatingips").disassociate_port(payload.connection, payload.context,
                                                         port["id"])
    return callback
