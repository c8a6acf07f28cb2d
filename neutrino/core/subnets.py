"""Subnets: cidr, gateway, allocation pools, routes, DNS, IPv6 modes, service types."""
from __future__ import annotations

import ipaddress
import uuid
from typing import Any

from sqlalchemy import Connection, Select, bindparam, delete, insert, select
from sqlalchemy.sql import ColumnElement

from neutrino import exceptions as exc
from neutrino.callbacks import Event
from neutrino.context import Context
from neutrino.core import addressing, rbac
from neutrino.core.ipam import SubnetInfo
from neutrino.core.networks import shared_with, visible_networks
from neutrino.core.resource import ResourcePlugin
from neutrino.db.models.network import Network
from neutrino.db.models.port import IpAllocation, Port
from neutrino.db.models.subnet import AllocationPool, DnsNameserver, HostRoute, ServiceType, Subnet

SUBNETS = Subnet.__table__
POOLS = AllocationPool.__table__
DNS = DnsNameserver.__table__
ROUTES = HostRoute.__table__
SERVICE_TYPES = ServiceType.__table__
NETWORKS = Network.__table__
PORTS = Port.__table__
ALLOCS = IpAllocation.__table__

# What a port create needs to know of its network's subnets, in two prebuilt
# statements (building a SELECT costs SQLAlchemy more than SQLite takes to run it).
SUBNETS_WITH_POOLS_OF_NETWORK = (
    select(SUBNETS.c.id, SUBNETS.c.network_id, SUBNETS.c.cidr, SUBNETS.c.ip_version,
           SUBNETS.c.gateway_ip, SUBNETS.c.ipv6_address_mode, SUBNETS.c.ipv6_ra_mode,
           POOLS.c.first_ip, POOLS.c.last_ip)
    .outerjoin(POOLS, POOLS.c.subnet_id == SUBNETS.c.id)
    .where(SUBNETS.c.network_id == bindparam("network_id"))
    .order_by(SUBNETS.c.created_at, SUBNETS.c.id, POOLS.c.id))
SERVICE_TYPES_OF_NETWORK = (
    select(SERVICE_TYPES.c.subnet_id, SERVICE_TYPES.c.service_type)
    .join(SUBNETS, SUBNETS.c.id == SERVICE_TYPES.c.subnet_id)
    .where(SUBNETS.c.network_id == bindparam("network_id"))
    .order_by(SERVICE_TYPES.c.id))

# Ports whose addresses do not keep a subnet from being deleted.
AUTO_DELETE_OWNERS = ("network:dhcp",)
ROUTER_OWNERS = ("network:router_interface", "network:router_interface_distributed",
                 "network:ha_router_replicated_interface", "network:router_gateway")


class SubnetPlugin(ResourcePlugin):
    table = SUBNETS
    not_found = exc.SubnetNotFound
    handles = frozenset({"allocation_pools", "dns_nameservers", "host_routes", "service_types"})

    def __init__(self, db: Any, conf: Any, registry: Any = None) -> None:
        super().__init__(db, conf, registry)
        # A network shows its subnets, so creating, changing or deleting one is a change
        # of the network too (Neutron: the subnet model revises its network on change).
        self.networks = self.registry.plugin("networks")
        external = rbac.any_policy("network", SUBNETS.c.network_id, rbac.ACCESS_EXTERNAL)
        self.filters["router:external"] = lambda stmt, values: (
            stmt if len(set(values)) > 1 else stmt.where(external if values[0] else ~external))

    def _committing(self, conn: Connection, ctx: Context, results: list[dict], operation: str,
                    event: Event, bodies: list[dict | None]) -> list[dict]:
        results = super()._committing(conn, ctx, results, operation, event, bodies)
        self.networks.touch(conn, ctx, sorted({r["network_id"] for r in results}))
        return results

    def visible_clause(self, ctx: Context) -> ColumnElement | None:
        """Own subnets, and every subnet of a network the caller may see."""
        networks = visible_networks(ctx)
        if networks is None:
            return None
        return (SUBNETS.c.project_id == ctx.project_id) | SUBNETS.c.network_id.in_(
            select(NETWORKS.c.id).where(networks))

    def apply_filter(self, ctx: Context, stmt: Select, name: str, values: list) -> Select:
        if name == "shared":  # the network is shared with the caller (as networks show it)
            if len(set(values)) > 1:
                return stmt
            shared = SUBNETS.c.network_id.in_(select(NETWORKS.c.id).where(shared_with(ctx)))
            return stmt.where(shared if values[0] else ~shared)
        return super().apply_filter(ctx, stmt, name, values)

    # ---- rendering -------------------------------------------------------------
    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        tags = self.load_tags(conn, ids_query)
        pools = _group(conn, select(POOLS.c.subnet_id, POOLS.c.first_ip, POOLS.c.last_ip)
                       .where(POOLS.c.subnet_id.in_(ids_query)).order_by(POOLS.c.id))
        dns = _group(conn, select(DNS.c.subnet_id, DNS.c.address)
                     .where(DNS.c.subnet_id.in_(ids_query)).order_by(DNS.c.position))
        routes = _group(conn, select(ROUTES.c.subnet_id, ROUTES.c.destination, ROUTES.c.nexthop)
                        .where(ROUTES.c.subnet_id.in_(ids_query)).order_by(ROUTES.c.id))
        stypes = _group(conn, select(SERVICE_TYPES.c.subnet_id, SERVICE_TYPES.c.service_type)
                        .where(SERVICE_TYPES.c.subnet_id.in_(ids_query))
                        .order_by(SERVICE_TYPES.c.id))
        external = set(conn.scalars(select(NETWORKS.c.id).where(
            NETWORKS.c.id.in_(select(SUBNETS.c.network_id).where(SUBNETS.c.id.in_(ids_query))),
            rbac.any_policy("network", NETWORKS.c.id, rbac.ACCESS_EXTERNAL))))
        out = []
        for row in rows:
            sub = self.columns_of_table_row(row)
            sid = row.id
            sub.update({
                "tags": tags.get(sid, []),
                "allocation_pools": [{"start": a, "end": b} for a, b in pools.get(sid, ())],
                "dns_nameservers": [a for (a,) in dns.get(sid, ())],
                "host_routes": [{"destination": d, "nexthop": n} for d, n in routes.get(sid, ())],
                "service_types": [t for (t,) in stypes.get(sid, ())],
                "router:external": row.network_id in external,
            })
            out.append(sub)
        return out

    # ---- create ----------------------------------------------------------------
    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        network = conn.execute(select(NETWORKS.c.id, NETWORKS.c.project_id, NETWORKS.c.mtu).where(
            NETWORKS.c.id == body["network_id"])).first()
        # Who may add subnets to a network it sees is the policy's call (create_subnet).
        visible = visible_networks(ctx)
        if network is None or (visible is not None and not conn.execute(
                select(NETWORKS.c.id).where(NETWORKS.c.id == network.id, visible)).first()):
            raise exc.NetworkNotFound(id=body["network_id"])
        if body.get("cidr") is None:  # an extender (subnet pools) may have chosen one
            raise exc.BadRequest(resource="subnets", msg="a cidr must be specified")
        net = addressing.check_cidr(body["cidr"], body["ip_version"])
        addressing.check_mtu_fits(network.id, network.mtu, {net.version})
        ra_mode, addr_mode = body.get("ipv6_ra_mode"), body.get("ipv6_address_mode")
        addressing.check_ipv6_modes(net, ra_mode, addr_mode, body.get("enable_dhcp", True))
        self._check_overlap(conn, body["network_id"], net)
        if "gateway_ip" in body:
            gateway = body["gateway_ip"]
            if gateway is not None:
                addressing.check_gateway(net, gateway)
        else:
            gateway = str(net[1])
        if body.get("allocation_pools") is not None and "allocation_pools" in body:
            pools = addressing.check_pools(net, body["allocation_pools"], gateway)
        else:
            pools = addressing.default_pools(net, gateway)
        self._check_lists(net, body)
        subnet_id = str(uuid.uuid4())
        conn.execute(insert(SUBNETS).values(
            **self.new_standard_row(ctx, body, subnet_id), network_id=body["network_id"],
            ip_version=body["ip_version"], cidr=str(net), gateway_ip=gateway,
            enable_dhcp=body.get("enable_dhcp", True), ipv6_ra_mode=ra_mode,
            ipv6_address_mode=addr_mode, subnetpool_id=body.get("subnetpool_id")))
        self._write_children(conn, subnet_id, pools, body)
        if net.version == 6 and addressing.is_auto_address(ra_mode, addr_mode):
            self._add_auto_addresses(conn, ctx, subnet_id, body["network_id"], net)
        return subnet_id

    def _check_overlap(self, conn: Connection, network_id: str,
                       net: ipaddress.IPv4Network | ipaddress.IPv6Network) -> None:
        stmt = select(SUBNETS.c.id, SUBNETS.c.cidr, SUBNETS.c.network_id).where(
            SUBNETS.c.ip_version == net.version)
        if self.conf.allow_overlapping_ips:
            stmt = stmt.where(SUBNETS.c.network_id == network_id)
        for other_id, cidr, other_net in conn.execute(stmt):
            if ipaddress.ip_network(cidr).overlaps(net):
                # The other subnet is named when it is on the same network (whoever may add
                # subnets there sees its subnets); one of another network may not be theirs.
                other = f" {other_id} (cidr {cidr})" if other_net == network_id else ""
                raise exc.DuplicateSubnetCidr(cidr=str(net), network_id=network_id, other=other)

    def _check_lists(self, net: Any, body: dict) -> None:
        if len(body.get("dns_nameservers", ())) > self.conf.max_dns_nameservers:
            raise exc.InvalidInput(error_message=f"Number of DNS nameservers exceeds the limit "
                                                 f"{self.conf.max_dns_nameservers}")
        routes = body.get("host_routes", ())
        if len(routes) > self.conf.max_subnet_host_routes:
            raise exc.InvalidInput(error_message=f"Number of host routes exceeds the limit "
                                                 f"{self.conf.max_subnet_host_routes}")
        for route in routes:
            addressing.check_route(net, route)

    def _write_children(self, conn: Connection, subnet_id: str, pools: list | None,
                        body: dict) -> None:
        if pools is not None:
            conn.execute(delete(POOLS).where(POOLS.c.subnet_id == subnet_id))
            if pools:
                conn.execute(insert(POOLS), [{"subnet_id": subnet_id, "first_ip": a,
                                              "last_ip": b} for a, b in pools])
        if "dns_nameservers" in body:
            conn.execute(delete(DNS).where(DNS.c.subnet_id == subnet_id))
            if body["dns_nameservers"]:
                conn.execute(insert(DNS), [{"subnet_id": subnet_id, "address": a, "position": i}
                                           for i, a in enumerate(body["dns_nameservers"])])
        if "host_routes" in body:
            conn.execute(delete(ROUTES).where(ROUTES.c.subnet_id == subnet_id))
            if body["host_routes"]:
                conn.execute(insert(ROUTES), [{"subnet_id": subnet_id, **r}
                                              for r in body["host_routes"]])
        if "service_types" in body:
            conn.execute(delete(SERVICE_TYPES).where(SERVICE_TYPES.c.subnet_id == subnet_id))
            if body["service_types"]:
                conn.execute(insert(SERVICE_TYPES), [{"subnet_id": subnet_id, "service_type": t}
                                                     for t in body["service_types"]])

    def _add_auto_addresses(self, conn: Connection, ctx: Context, subnet_id: str,
                            network_id: str, net: Any) -> None:
        """A new SLAAC subnet gives every existing port (but routers') an EUI-64 address."""
        ports = conn.execute(select(PORTS.c.id, PORTS.c.mac_address).where(
            PORTS.c.network_id == network_id, PORTS.c.device_owner.not_in(ROUTER_OWNERS))).all()
        if ports:
            conn.execute(insert(ALLOCS), [
                {"port_id": pid, "subnet_id": subnet_id, "network_id": network_id,
                 "ip_address": addressing.eui64(net, mac), "position": 1000} for pid, mac in ports])
            # A new address is a change of each port (revision, events, journal row).
            self.registry.plugin("ports").touch(conn, ctx, [pid for pid, _mac in ports])

    # ---- update ----------------------------------------------------------------
    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        net = ipaddress.ip_network(original["cidr"])
        addressing.check_dhcp_update(original, body)
        gateway = body.get("gateway_ip", original["gateway_ip"])
        current_gateway = original["gateway_ip"]
        if "gateway_ip" in body and current_gateway is not None and gateway != current_gateway:
            # As Neutron: a router interface holds the current gateway; it stays.
            router = conn.execute(select(PORTS.c.id).join(
                ALLOCS, ALLOCS.c.port_id == PORTS.c.id).where(
                ALLOCS.c.subnet_id == original["id"], ALLOCS.c.ip_address == current_gateway,
                PORTS.c.device_owner.in_(ROUTER_OWNERS))).first()
            if router is not None:
                raise exc.GatewayIpInUse(ip_address=current_gateway, port_id=router.id)
        if "gateway_ip" in body and gateway is not None:
            addressing.check_gateway(net, gateway)
            holder = conn.execute(select(PORTS.c.device_owner).join(
                ALLOCS, ALLOCS.c.port_id == PORTS.c.id).where(
                ALLOCS.c.subnet_id == original["id"], ALLOCS.c.ip_address == gateway)).first()
            if holder is not None and holder.device_owner not in ROUTER_OWNERS:
                raise exc.IpAddressInUse(net_id=original["network_id"], ip_address=gateway)
        pools = None
        if "allocation_pools" in body:
            pools = addressing.check_pools(net, body["allocation_pools"], gateway)
        elif "gateway_ip" in body and gateway is not None:
            current = [(p["start"], p["end"]) for p in original["allocation_pools"]]
            addressing.check_gateway_outside_pools(gateway, current)
        self._check_lists(net, body)
        self.update_columns(conn, original, body)
        self._write_children(conn, original["id"], pools, body)

    # ---- delete ----------------------------------------------------------------
    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        auto = original["ip_version"] == 6 and addressing.is_auto_address(
            original["ipv6_ra_mode"], original["ipv6_address_mode"])
        users = select(ALLOCS.c.port_id).join(PORTS, PORTS.c.id == ALLOCS.c.port_id).where(
            ALLOCS.c.subnet_id == original["id"])
        if not auto:
            if conn.execute(users.where(PORTS.c.device_owner.not_in(AUTO_DELETE_OWNERS))
                            .limit(1)).first():
                raise exc.SubnetInUse(subnet_id=original["id"])
        holders = conn.scalars(users).all()
        conn.execute(delete(ALLOCS).where(ALLOCS.c.subnet_id == original["id"]))
        self.registry.plugin("ports").touch(conn, ctx, sorted(set(holders)))
        super().remove(conn, ctx, original)
        self.networks.touch(conn, ctx, [original["network_id"]])

    # ---- used by ports ---------------------------------------------------------
    @staticmethod
    def subnet_infos(conn: Connection, network_id: str) -> list[SubnetInfo]:
        """The network's subnets with pools and service types, oldest first."""
        params = {"network_id": network_id}
        subnets: dict[str, Any] = {}  # id -> row, in order
        pools: dict[str, list[tuple[str, str]]] = {}
        for row in conn.execute(SUBNETS_WITH_POOLS_OF_NETWORK, params):
            subnets.setdefault(row.id, row)
            if row.first_ip is not None:
                pools.setdefault(row.id, []).append((row.first_ip, row.last_ip))
        if not subnets:
            return []
        stypes: dict[str, list[str]] = {}
        for subnet_id, service_type in conn.execute(SERVICE_TYPES_OF_NETWORK, params):
            stypes.setdefault(subnet_id, []).append(service_type)
        return [SubnetInfo(id=r.id, network_id=r.network_id, cidr=r.cidr, ip_version=r.ip_version,
                           gateway_ip=r.gateway_ip, pools=tuple(pools.get(r.id, ())),
                           ipv6_address_mode=r.ipv6_address_mode, ipv6_ra_mode=r.ipv6_ra_mode,
                           service_types=tuple(stypes.get(r.id, ())))
                for r in subnets.values()]


def _group(conn: Connection, stmt: Select) -> dict[str, list[tuple]]:
    out: dict[str, list[tuple]] = {}
    for row in conn.execute(stmt):
        out.setdefault(row[0], []).append(tuple(row[1:]))
    return out
