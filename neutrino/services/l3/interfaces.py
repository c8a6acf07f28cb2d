"""Router interfaces: ``add_router_interface`` / ``remove_router_interface``, by
subnet (a new port takes the subnet's gateway IP) or by an existing port."""
from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.db.models.port import IpAllocation
from neutrino.db.models.subnet import Subnet
from neutrino.services.l3 import service_ports
from neutrino.services.l3.models import FloatingIp, RouterPort

ROUTER_PORTS = RouterPort.__table__
FIPS = FloatingIp.__table__
ALLOCS = IpAllocation.__table__
SUBNETS = Subnet.__table__
PORTS = service_ports.PORTS


class RouterInterfaces:
    """The interface member actions of the router plugin."""

    registry: Any
    changed: Any  # ResourcePlugin.changed

    def _interface_owner(self, current: dict) -> str:
        if current.get("distributed"):
            return service_ports.ROUTER_INTERFACE_DISTRIBUTED
        if current.get("ha"):
            return service_ports.ROUTER_INTERFACE_HA
        return service_ports.ROUTER_INTERFACE

    def _attached_subnets(self, conn: Connection, router_id: str) -> list[Any]:
        return conn.execute(
            select(SUBNETS.c.id, SUBNETS.c.cidr)
            .join(ALLOCS, ALLOCS.c.subnet_id == SUBNETS.c.id)
            .join(ROUTER_PORTS, ROUTER_PORTS.c.port_id == ALLOCS.c.port_id)
            .where(ROUTER_PORTS.c.router_id == router_id,
                   ROUTER_PORTS.c.port_type != service_ports.ROUTER_GATEWAY)).all()

    def _check_overlap(self, conn: Connection, router_id: str, subnets: list[Any]) -> None:
        attached = self._attached_subnets(conn, router_id)
        for new in subnets:
            new_net = ipaddress.ip_network(new.cidr)
            for old in attached:
                if new_net.overlaps(ipaddress.ip_network(old.cidr)):
                    raise exc.BadRequest(resource="router", msg=(
                        f"Cidr {new.cidr} of subnet {new.id} overlaps with cidr {old.cidr} of "
                        f"subnet {old.id}"))

    @staticmethod
    def _info(router: dict, port: dict) -> dict:
        subnet_ids = [ip["subnet_id"] for ip in port["fixed_ips"]]
        return {"id": router["id"], "network_id": port["network_id"], "port_id": port["id"],
                "subnet_id": subnet_ids[0] if subnet_ids else None, "subnet_ids": subnet_ids,
                "project_id": router["project_id"]}

    # ---- add -------------------------------------------------------------------
    def add_router_interface(self, conn: Connection, ctx: Context, current: dict,
                             body: dict) -> dict:
        if ("subnet_id" in body) == ("port_id" in body):
            raise exc.BadRequest(resource="router", msg=(
                "Either subnet_id or port_id must be specified" if not body else
                "Cannot specify both subnet-id and port-id"))
        if "port_id" in body:
            port = self._attach_port(conn, ctx, current, body["port_id"])
        else:
            port = self._attach_subnet(conn, ctx, current, body["subnet_id"])
        self.changed(conn)  # type: ignore[attr-defined]  (ResourcePlugin, mixed into)
        return self._info(current, port)

    def _attach_subnet(self, conn: Connection, ctx: Context, router: dict,
                       subnet_id: str) -> dict:
        subnet = self.registry.plugin("subnets").get_in(conn, ctx, subnet_id)
        if not subnet["gateway_ip"]:
            raise exc.BadRequest(resource="router", msg=(
                "Subnet for router interface must have a gateway IP"))
        self._check_overlap(conn, router["id"], [_Cidr(subnet["id"], subnet["cidr"])])
        port = service_ports.create_port(self.registry, conn, Context.admin(subnet["project_id"]), {
            "network_id": subnet["network_id"], "project_id": subnet["project_id"],
            "fixed_ips": [{"subnet_id": subnet_id, "ip_address": subnet["gateway_ip"]}],
            "device_owner": self._interface_owner(router), "device_id": router["id"]})
        conn.execute(insert(ROUTER_PORTS).values(port_id=port["id"], router_id=router["id"],
                                                 port_type=port["device_owner"]))
        return port

    def _attach_port(self, conn: Connection, ctx: Context, router: dict, port_id: str) -> dict:
        ports = self.registry.plugin("ports")
        port = ports.get_in(conn, ctx, port_id, for_update=True)
        if port["device_id"] or port["device_owner"]:
            raise exc.PortInUse(port_id=port_id, net_id=port["network_id"],
                                device_id=port["device_id"] or port["device_owner"])
        if not port["fixed_ips"]:
            raise exc.BadRequest(resource="router", msg=(
                f"Router port {port_id} must have at least one fixed IP"))
        v4 = {ip["subnet_id"] for ip in port["fixed_ips"] if ":" not in ip["ip_address"]}
        if len(v4) > 1:
            raise exc.BadRequest(resource="router", msg=(
                f"Port {port_id} has multiple IPv4 subnets; a router port may have only one"))
        subnets = conn.execute(select(SUBNETS.c.id, SUBNETS.c.cidr).where(
            SUBNETS.c.id.in_([ip["subnet_id"] for ip in port["fixed_ips"]]))).all()
        self._check_overlap(conn, router["id"], subnets)
        owner = self._interface_owner(router)
        conn.execute(update(PORTS).where(PORTS.c.id == port_id).values(
            device_owner=owner, device_id=router["id"]))
        conn.execute(insert(ROUTER_PORTS).values(port_id=port_id, router_id=router["id"],
                                                 port_type=owner))
        ports.touch(conn, ctx, [port_id])
        return ports.load_ids(conn, [port_id])[0]

    # ---- remove ----------------------------------------------------------------
    def remove_router_interface(self, conn: Connection, ctx: Context, current: dict,
                                body: dict) -> dict:
        router_id = current["id"]
        if not body:
            raise exc.BadRequest(resource="router",
                                 msg="Either subnet_id or port_id must be specified")
        ports = self.registry.plugin("ports")
        interfaces = select(ROUTER_PORTS.c.port_id).where(
            ROUTER_PORTS.c.router_id == router_id,
            ROUTER_PORTS.c.port_type != service_ports.ROUTER_GATEWAY)
        subnet_id = body.get("subnet_id")
        if "port_id" in body:
            port_id = conn.scalar(interfaces.where(ROUTER_PORTS.c.port_id == body["port_id"]))
            if port_id is None:
                raise exc.RouterInterfaceNotFound(router_id=router_id, port_id=body["port_id"])
            port = ports.load_ids(conn, [port_id])[0]
            if subnet_id and subnet_id not in {ip["subnet_id"] for ip in port["fixed_ips"]}:
                raise exc.RouterInterfaceNotFoundForSubnet(router_id=router_id,
                                                           subnet_id=subnet_id)
            gone = [ip["subnet_id"] for ip in port["fixed_ips"]]
        else:
            self.registry.plugin("subnets").get_in(conn, ctx, subnet_id, fields=["id"])
            port_id = conn.scalar(interfaces.where(ROUTER_PORTS.c.port_id.in_(
                select(ALLOCS.c.port_id).where(ALLOCS.c.subnet_id == subnet_id))))
            if port_id is None:
                raise exc.RouterInterfaceNotFoundForSubnet(router_id=router_id,
                                                           subnet_id=subnet_id)
            port = ports.load_ids(conn, [port_id])[0]
            gone = [subnet_id]
        for sid in gone:
            self._check_unused(conn, current, sid)
        info = self._info(current, port)
        remaining = [ip for ip in port["fixed_ips"] if ip["subnet_id"] not in gone]
        if remaining:  # one of several IPv6 subnets on the port: only its address goes
            conn.execute(delete(ALLOCS).where(ALLOCS.c.port_id == port_id,
                                              ALLOCS.c.subnet_id.in_(gone)))
            ports.touch(conn, ctx, [port_id])
            info.update(subnet_id=gone[0], subnet_ids=gone)
        else:
            service_ports.delete_ports(self.registry, conn, ctx, [port_id])
        self.changed(conn)  # type: ignore[attr-defined]  (ResourcePlugin, mixed into)
        return info

    def _check_unused(self, conn: Connection, router: dict, subnet_id: str) -> None:
        cidr = ipaddress.ip_network(conn.scalar(select(SUBNETS.c.cidr)
                                                .where(SUBNETS.c.id == subnet_id)))
        if any(ipaddress.ip_address(r["nexthop"]) in cidr for r in router["routes"]):
            raise exc.RouterInterfaceInUseByRoute(router_id=router["id"], subnet_id=subnet_id)
        used = conn.execute(select(FIPS.c.id).join(ALLOCS, (
            ALLOCS.c.port_id == FIPS.c.fixed_port_id)
            & (ALLOCS.c.ip_address == FIPS.c.fixed_ip_address)).where(
            FIPS.c.router_id == router["id"], ALLOCS.c.subnet_id == subnet_id).limit(1)).first()
        if used:
            raise exc.RouterInterfaceInUseByFloatingIP(router_id=router["id"],
                                                       subnet_id=subnet_id)


class _Cidr:
    def __init__(self, id: str, cidr: str) -> None:
        self.id = id
        self.cidr = cidr
