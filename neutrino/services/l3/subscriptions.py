"""What the L3 service does when other resources change."""
from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import select

from neutrino import exceptions as exc
from neutrino.services.l3 import service_ports
from neutrino.db.models.subnet import Subnet
from neutrino.services.l3.models import FloatingIp, Router, RouterPort

ROUTER_PORTS = RouterPort.__table__
FIPS = FloatingIp.__table__
ROUTERS = Router.__table__
SUBNETS = Subnet.__table__
# Neutron's L3 router plugin's IP_UPDATE_NOT_ALLOWED_LIST: the router ports whose
# addresses only the router's own calls change.
IP_UPDATE_NOT_ALLOWED = ("network:router_interface", "network:router_ha_interface",
                         "network:ha_router_replicated_interface",
                         "network:router_centralized_snat", "network:router_interface_distributed")


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


def refuse_router_port_ip_change(registry: Any):
    """l3-port-ip-change-not-allowed: a PUT that adds or removes an IPv4 address of
    a router's interface port is refused (400 IPAddressChangeNotAllowed); IPv6
    changes and ports whose device_id is no router of ours are left alone (Neutron)."""
    def callback(resource, event, trigger, payload) -> None:
        port, body, conn = payload.states[0], payload.request_body or {}, payload.connection
        if (body.get("fixed_ips") is None or port["device_owner"] not in IP_UPDATE_NOT_ALLOWED
                or not conn.execute(select(ROUTERS.c.id).where(
                    ROUTERS.c.id == port["device_id"])).first()):
            return
        added, removed = changed_ips(port["fixed_ips"], body["fixed_ips"])
        subnets = {ip["subnet_id"] for ip in added + removed if ip.get("subnet_id")}
        versions = dict(conn.execute(select(SUBNETS.c.id, SUBNETS.c.ip_version).where(
            SUBNETS.c.id.in_(subnets))).all()) if subnets else {}
        for ip in added + removed:
            if ip.get("ip_address"):
                version = ipaddress.ip_address(ip["ip_address"]).version
            else:
                version = versions.get(ip.get("subnet_id"))
            if version == 4:
                raise exc.IPAddressChangeNotAllowed(port_id=port["id"])
    return callback


def changed_ips(original: list[dict], requested: list[dict]) -> tuple[list[dict], list[dict]]:
    """(added, removed) of a fixed_ips update: a request naming an address keeps it
    if the port has it; one naming only a subnet keeps an address of that subnet."""
    left = list(original)
    added = []
    for ip in requested:
        match = next((o for o in left if (o["ip_address"] == ip["ip_address"]
                                           if ip.get("ip_address")
                                           else o["subnet_id"] == ip.get("subnet_id"))), None)
        if match is None:
            added.append(ip)
        else:
            left.remove(match)
    return added, left
