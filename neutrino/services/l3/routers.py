"""Routers: the gateway on an external network, interfaces (member actions in
``interfaces.py``), extra routes, and the ha / distributed flags.

The router's gateway and interfaces are ports on their networks (device owner
``network:router_gateway`` / ``network:router_interface``), listed in
``router_ports``; the addresses a router owns are those ports' IP allocations.
"""
from __future__ import annotations

import ipaddress
import uuid
from typing import Any

import orjson
from sqlalchemy import Connection, Select, delete, insert, select, update

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core import rbac
from neutrino.core.resource import ResourcePlugin
from neutrino.db.models.port import IpAllocation
from neutrino.db.models.subnet import Subnet
from neutrino.services.l3 import service_ports
from neutrino.services.l3.interfaces import RouterInterfaces
from neutrino.services.l3.models import FloatingIp, Router, RouterPort, RouterRoute

ROUTERS = Router.__table__
ROUTER_PORTS = RouterPort.__table__
ROUTES = RouterRoute.__table__
FIPS = FloatingIp.__table__
ALLOCS = IpAllocation.__table__
SUBNETS = Subnet.__table__
PORTS = service_ports.PORTS


def is_external(conn: Connection, network_id: str) -> bool:
    return bool(conn.execute(select(rbac.any_policy("network", network_id,
                                                    rbac.ACCESS_EXTERNAL))).scalar())


class RouterPlugin(RouterInterfaces, ResourcePlugin):
    table = ROUTERS
    not_found = exc.RouterNotFound
    handles = frozenset({"external_gateway_info", "routes", "availability_zones",
                         "availability_zone_hints", "enable_snat"})

    # ---- rendering -------------------------------------------------------------
    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        tags = self.load_tags(conn, ids_query)
        routes: dict[str, list[dict]] = {}
        for rid, dest, nexthop in conn.execute(
                select(ROUTES.c.router_id, ROUTES.c.destination, ROUTES.c.nexthop)
                .where(ROUTES.c.router_id.in_(ids_query))
                .order_by(ROUTES.c.destination, ROUTES.c.nexthop)):
            routes.setdefault(rid, []).append({"destination": dest, "nexthop": nexthop})
        gateways: dict[str, tuple[str, list[dict]]] = {}
        for rid, net_id, subnet_id, ip in conn.execute(
                select(ROUTERS.c.id, PORTS.c.network_id, ALLOCS.c.subnet_id, ALLOCS.c.ip_address)
                .join(PORTS, PORTS.c.id == ROUTERS.c.gw_port_id)
                .outerjoin(ALLOCS, ALLOCS.c.port_id == PORTS.c.id)
                .where(ROUTERS.c.id.in_(ids_query))
                .order_by(ALLOCS.c.position, ALLOCS.c.id)):
            entry = gateways.setdefault(rid, (net_id, []))
            if subnet_id is not None:
                entry[1].append({"subnet_id": subnet_id, "ip_address": ip})
        out = []
        for row in rows:
            item = {**self.columns_of_row(row._asdict()), "tags": tags.get(row.id, [])}
            gateway = gateways.get(row.id)
            item["external_gateway_info"] = None if gateway is None else {
                "network_id": gateway[0], "enable_snat": row.enable_snat,
                "external_fixed_ips": gateway[1]}
            item["enable_snat"] = row.enable_snat
            item["routes"] = routes.get(row.id, [])
            hints = orjson.loads(row.availability_zone_hints)
            item["availability_zone_hints"] = hints
            item["availability_zones"] = hints or list(self.conf.availability_zones)[:1]
            out.append(item)
        return out

    # ---- create ----------------------------------------------------------------
    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        router_id = str(uuid.uuid4())
        hints = body.get("availability_zone_hints", [])
        unknown = sorted(set(hints) - set(self.conf.availability_zones))
        if unknown:
            raise exc.InvalidInput(error_message=f"Availability zones {unknown} do not exist")
        ha = body.get("ha")
        distributed = body.get("distributed")
        conn.execute(insert(ROUTERS).values(
            **self.new_standard_row(ctx, body, router_id),
            admin_state_up=body.get("admin_state_up", True), status="ACTIVE",
            enable_snat=self.conf.enable_snat_by_default,
            ha=self.conf.l3_ha if ha is None else ha,
            distributed=self.conf.router_distributed if distributed is None else distributed,
            availability_zone_hints=orjson.dumps(hints).decode(), host=None))
        gateway = body.get("external_gateway_info")
        if gateway:
            router = conn.execute(select(ROUTERS).where(ROUTERS.c.id == router_id)).one()
            self._set_gateway(conn, ctx, router, gateway)
        return router_id

    # ---- update ----------------------------------------------------------------
    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        router_id = original["id"]
        for flag in ("ha", "distributed"):
            if flag in body and body[flag] != original.get(flag, body[flag]):
                self._check_migration(original, flag, body[flag])
        if "routes" in body:
            self._set_routes(conn, original, body["routes"] or [])
        if "external_gateway_info" in body:
            router = conn.execute(select(ROUTERS).where(ROUTERS.c.id == router_id)).one()
            self._set_gateway(conn, ctx, router, body["external_gateway_info"] or None)
        values = {k: body[k] for k in ("name", "description", "admin_state_up", "ha",
                                       "distributed") if k in body}
        if values:
            conn.execute(update(ROUTERS).where(ROUTERS.c.id == router_id).values(**values))

    @staticmethod
    def _check_migration(original: dict, flag: str, value: bool) -> None:
        """ha / distributed change only on a router that is administratively down
        (router-admin-state-down-before-update), and not on one of a flavor."""
        if original.get("flavor_id"):
            raise exc.BadRequest(resource="router", msg=(
                f"Cannot change {flag} of router {original['id']}: its flavor decides it"))
        if original["admin_state_up"]:
            raise exc.BadRequest(resource="router", msg=(
                f"Cannot change {flag} of router {original['id']} while it is administratively "
                f"up. Please set router admin_state_up to False prior to the change"))

    # ---- the gateway -------------------------------------------------------------
    def _set_gateway(self, conn: Connection, ctx: Context, router: Any,
                     info: dict | None) -> None:
        router_id = router.id
        current = (conn.execute(select(PORTS.c.id, PORTS.c.network_id)
                                .where(PORTS.c.id == router.gw_port_id)).first()
                   if router.gw_port_id else None)
        if info is not None and "network_id" not in info:
            raise exc.BadRequest(resource="router",
                                 msg="external_gateway_info needs a network_id")
        snat = self.conf.enable_snat_by_default
        if info is not None:
            snat = info.get("enable_snat", snat)
        network_id = info["network_id"] if info else None
        replace = current is None or current.network_id != network_id or (
            info is not None and "external_fixed_ips" in info)
        if current is not None and replace:
            if current.network_id != network_id and conn.execute(
                    select(FIPS.c.id).where(FIPS.c.router_id == router_id).limit(1)).first():
                raise exc.RouterExternalGatewayInUseByFloatingIp(router_id=router_id,
                                                                 net_id=current.network_id)
            conn.execute(update(ROUTERS).where(ROUTERS.c.id == router_id).values(gw_port_id=None))
            service_ports.delete_ports(self.registry, conn, ctx, [current.id])
        if info is not None and replace:
            self._create_gateway_port(conn, ctx, router, info)
        conn.execute(update(ROUTERS).where(ROUTERS.c.id == router_id).values(enable_snat=snat))

    def _create_gateway_port(self, conn: Connection, ctx: Context, router: Any,
                             info: dict) -> None:
        network_id = info["network_id"]
        self.registry.plugin("networks").get_in(conn, ctx, network_id, fields=["id"])
        if not is_external(conn, network_id):
            raise exc.BadRequest(resource="router",
                                 msg=f"Network {network_id} is not an external network")
        body: dict = {"network_id": network_id, "device_owner": service_ports.ROUTER_GATEWAY,
                      "device_id": router.id, "project_id": router.project_id}
        if info.get("external_fixed_ips"):
            body["fixed_ips"] = info["external_fixed_ips"]
        elif not conn.execute(select(SUBNETS.c.id).where(SUBNETS.c.network_id == network_id)
                              .limit(1)).first():
            body["fixed_ips"] = []  # a gateway without addresses, as Neutron allows
        port = service_ports.create_port(self.registry, conn, Context.admin(router.project_id),
                                         body)
        conn.execute(insert(ROUTER_PORTS).values(port_id=port["id"], router_id=router.id,
                                                 port_type=service_ports.ROUTER_GATEWAY))
        conn.execute(update(ROUTERS).where(ROUTERS.c.id == router.id)
                     .values(gw_port_id=port["id"]))

    # ---- routes ----------------------------------------------------------------
    def interface_networks(self, conn: Connection, router_id: str) -> list[tuple[Any, set[str]]]:
        """The subnets of the router's interfaces (as networks) and the router's own
        addresses on them."""
        nets: dict[str, tuple[Any, set[str]]] = {}
        for cidr, ip in conn.execute(
                select(SUBNETS.c.cidr, ALLOCS.c.ip_address)
                .join(ALLOCS, ALLOCS.c.subnet_id == SUBNETS.c.id)
                .join(ROUTER_PORTS, ROUTER_PORTS.c.port_id == ALLOCS.c.port_id)
                .where(ROUTER_PORTS.c.router_id == router_id,
                       ROUTER_PORTS.c.port_type != service_ports.ROUTER_GATEWAY)):
            nets.setdefault(cidr, (ipaddress.ip_network(cidr), set()))[1].add(ip)
        return list(nets.values())

    def _check_routes(self, conn: Connection, router_id: str, routes: list[dict]) -> None:
        if len(routes) > self.conf.max_routes:
            raise exc.RoutesExhausted(router_id=router_id, quota=self.conf.max_routes)
        nets = self.interface_networks(conn, router_id)
        own = set().union(*(ips for _n, ips in nets)) if nets else set()
        for route in routes:
            nexthop = ipaddress.ip_address(route["nexthop"])
            destination = ipaddress.ip_network(route["destination"])
            if nexthop.version != destination.version:
                raise exc.InvalidRoutes(routes=[route], reason=(
                    "the nexthop and the destination are of different IP versions"))
            if not any(nexthop in net for net, _ips in nets):
                raise exc.InvalidRoutes(routes=[route], reason=(
                    f"the nexthop {nexthop} is not connected with the router"))
            if str(nexthop) in own:
                raise exc.InvalidRoutes(routes=[route], reason=(
                    f"the nexthop {nexthop} is used by the router"))

    def _set_routes(self, conn: Connection, original: dict, routes: list[dict]) -> None:
        self._check_routes(conn, original["id"], routes)
        conn.execute(delete(ROUTES).where(ROUTES.c.router_id == original["id"]))
        if routes:
            conn.execute(insert(ROUTES), [{"router_id": original["id"], **r} for r in routes])

    def add_extraroutes(self, conn: Connection, ctx: Context, current: dict, body: dict) -> dict:
        routes = list(current["routes"])
        for route in body["router"]["routes"]:
            if route not in routes:
                routes.append(route)
        self._set_routes(conn, current, routes)
        return {"router": self.load_ids(conn, [current["id"]])[0]}

    def remove_extraroutes(self, conn: Connection, ctx: Context, current: dict,
                           body: dict) -> dict:
        gone = body["router"]["routes"]
        self._set_routes(conn, current, [r for r in current["routes"] if r not in gone])
        return {"router": self.load_ids(conn, [current["id"]])[0]}

    # ---- delete ----------------------------------------------------------------
    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        router_id = original["id"]
        if conn.execute(select(ROUTER_PORTS.c.port_id).where(
                ROUTER_PORTS.c.router_id == router_id,
                ROUTER_PORTS.c.port_type != service_ports.ROUTER_GATEWAY).limit(1)).first():
            raise exc.RouterInUse(router_id=router_id)
        if conn.execute(select(FIPS.c.id).where(FIPS.c.router_id == router_id).limit(1)).first():
            raise exc.RouterInUse(router_id=router_id, reason="still has floating IPs")
        gw = conn.execute(select(ROUTERS.c.gw_port_id).where(ROUTERS.c.id == router_id)).scalar()
        if gw:
            conn.execute(update(ROUTERS).where(ROUTERS.c.id == router_id).values(gw_port_id=None))
            service_ports.delete_ports(self.registry, conn, ctx, [gw])
        super().remove(conn, ctx, original)
