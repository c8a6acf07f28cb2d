"""Floating IPs: an address of an external network's subnet (held by a port of
device owner ``network:floatingip``), mapped 1:1 to a fixed IP of an internal port
reachable through a router with a gateway on that network; and the pools
(``floatingip-pools``) they are allocated from."""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Select, delete, insert, select, update

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core import rbac
from neutrino.core.listing import ListQuery, page_in_memory
from neutrino.core.resource import TAGS, ResourcePlugin
from neutrino.db.models.network import Network
from neutrino.db.models.port import IpAllocation
from neutrino.db.models.subnet import Subnet
from neutrino.services.l3 import service_ports
from neutrino.services.l3.models import FloatingIp, Router, RouterPort
from neutrino.services.l3.routers import is_external

FIPS = FloatingIp.__table__
ROUTERS = Router.__table__
ROUTER_PORTS = RouterPort.__table__
ALLOCS = IpAllocation.__table__
SUBNETS = Subnet.__table__
NETWORKS = Network.__table__
PORTS = service_ports.PORTS
DETAIL_KEYS = ("name", "network_id", "mac_address", "admin_state_up", "status", "device_id",
               "device_owner")


class FloatingIpPlugin(ResourcePlugin):
    table = FIPS
    not_found = exc.FloatingIPNotFound
    column_names = {"tenant_id": "project_id", "port_id": "fixed_port_id"}
    handles = frozenset({"subnet_id", "port_details"})
    computed = frozenset({"floating_ip_address", "fixed_ip_address", "fixed_port_id"})

    # ---- rendering -------------------------------------------------------------
    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        tags = self.load_tags(conn, ids_query)
        details: dict[str, dict] = {}
        if fields is None or "port_details" in fields:
            for row in conn.execute(select(PORTS.c.id, *(PORTS.c[k] for k in DETAIL_KEYS))
                                    .where(PORTS.c.id.in_(select(FIPS.c.fixed_port_id).where(
                                        FIPS.c.id.in_(ids_query))))):
                details[row.id] = {k: getattr(row, k) for k in DETAIL_KEYS}
        out = []
        for row in rows:
            item = {**self.columns_of_row(row._asdict()), "tags": tags.get(row.id, [])}
            detail = details.get(row.fixed_port_id)
            item["port_details"] = dict(detail) if detail else None
            out.append(item)
        return out

    # ---- create ----------------------------------------------------------------
    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        fip_id = str(uuid.uuid4())
        network_id = body["floating_network_id"]
        self.registry.plugin("networks").get_in(conn, ctx, network_id, fields=["id"])
        if not is_external(conn, network_id):
            raise exc.BadRequest(resource="floatingip",
                                 msg=f"Network {network_id} is not a valid external network")
        port = self._allocate(conn, ctx, fip_id, network_id, body)
        address = next(ip["ip_address"] for ip in port["fixed_ips"] if ":" not in ip["ip_address"])
        conn.execute(insert(FIPS).values(
            **self.new_standard_row(ctx, body, fip_id), floating_network_id=network_id,
            floating_port_id=port["id"], floating_ip_address=address, fixed_port_id=None,
            fixed_ip_address=None, router_id=None, status="DOWN",
            dns_name=body.get("dns_name", ""), dns_domain=body.get("dns_domain", "")))
        if body.get("port_id"):
            current = conn.execute(select(FIPS).where(FIPS.c.id == fip_id)).one()
            self._associate(conn, ctx, current, body["port_id"], body.get("fixed_ip_address"))
        elif body.get("fixed_ip_address"):
            raise exc.BadRequest(resource="floatingip",
                                 msg="fixed_ip_address cannot be given without a port_id")
        return fip_id

    def _allocate(self, conn: Connection, ctx: Context, fip_id: str, network_id: str,
                  body: dict) -> dict:
        """The floating IP's own port, holding one IPv4 address of the network."""
        subnets = conn.execute(select(SUBNETS.c.id, SUBNETS.c.ip_version)
                               .where(SUBNETS.c.network_id == network_id)
                               .order_by(SUBNETS.c.created_at, SUBNETS.c.id)).all()
        wanted = body.get("subnet_id")
        if wanted and wanted not in {s.id for s in subnets}:
            raise exc.BadRequest(resource="floatingip", msg=(
                f"Subnet {wanted} is not on network {network_id}"))
        address = body.get("floating_ip_address")
        if address and ":" in address:
            raise exc.BadRequest(resource="floatingip", msg="A floating IP must be IPv4")
        v4 = [s.id for s in subnets if s.ip_version == 4 and (not wanted or s.id == wanted)]
        if not v4:
            raise exc.BadRequest(resource="floatingip", msg=(
                f"Network {network_id} has no IPv4 subnet to allocate a floating IP from"))
        owner_ctx = Context.admin(self.owner(ctx, body))
        base = {"network_id": network_id, "device_owner": service_ports.FLOATINGIP,
                "device_id": fip_id, "project_id": self.owner(ctx, body)}
        if address:
            fixed = {"ip_address": address, **({"subnet_id": wanted} if wanted else {})}
            return service_ports.create_port(self.registry, conn, owner_ctx,
                                             {**base, "fixed_ips": [fixed]})
        failure: Exception | None = None
        for subnet_id in v4:
            try:
                with conn.begin_nested():
                    return service_ports.create_port(self.registry, conn, owner_ctx, {
                        **base, "fixed_ips": [{"subnet_id": subnet_id}]})
            except exc.IpAddressGenerationFailure as err:
                failure = err
        raise failure  # type: ignore[misc]

    # ---- association -------------------------------------------------------------
    def _associate(self, conn: Connection, ctx: Context, current: Any, port_id: str | None,
                   fixed_ip: str | None) -> None:
        fip_id = current.id
        if port_id is None:
            conn.execute(update(FIPS).where(FIPS.c.id == fip_id).values(
                fixed_port_id=None, fixed_ip_address=None, router_id=None))
            return
        port = self.registry.plugin("ports").get_in(conn, ctx, port_id)
        if port["project_id"] != current.project_id:
            raise exc.BadRequest(resource="floatingip", msg=(
                f"Cannot create floating IP and bind it to Port {port_id}, since that port is "
                f"owned by a different project"))
        if port["network_id"] == current.floating_network_id:
            raise exc.BadRequest(resource="floatingip", msg=(
                f"Port {port_id} is on the external network {port['network_id']} of the "
                f"floating IP"))
        v4 = [ip for ip in port["fixed_ips"] if ":" not in ip["ip_address"]]
        if fixed_ip is not None:
            chosen = next((ip for ip in v4 if ip["ip_address"] == fixed_ip), None)
            if chosen is None:
                raise exc.BadRequest(resource="floatingip", msg=(
                    f"Port {port_id} does not have fixed ip {fixed_ip}"))
        elif not v4:
            raise exc.BadRequest(resource="floatingip", msg=(
                f"Port {port_id} does not have any IPv4 address"))
        elif len(v4) > 1:
            raise exc.BadRequest(resource="floatingip", msg=(
                f"Port {port_id} has multiple fixed IPv4 addresses. Must provide a specific "
                f"IPv4 address when assigning a floating IP"))
        else:
            chosen = v4[0]
        taken = conn.execute(select(FIPS.c.id).where(
            FIPS.c.fixed_port_id == port_id, FIPS.c.fixed_ip_address == chosen["ip_address"],
            FIPS.c.id != fip_id)).first()
        if taken:
            raise exc.FloatingIPPortAlreadyAssociated(
                port_id=port_id, fip_id=fip_id, floating_ip_address=current.floating_ip_address,
                fixed_ip=chosen["ip_address"], net_id=current.floating_network_id)
        router_id = self.router_for(conn, chosen["subnet_id"], current.floating_network_id)
        if router_id is None:
            raise exc.ExternalGatewayForFloatingIPNotFound(
                subnet_id=chosen["subnet_id"], external_network_id=current.floating_network_id,
                port_id=port_id)
        conn.execute(update(FIPS).where(FIPS.c.id == fip_id).values(
            fixed_port_id=port_id, fixed_ip_address=chosen["ip_address"], router_id=router_id))

    @staticmethod
    def router_for(conn: Connection, subnet_id: str, network_id: str) -> str | None:
        """A router with an interface on the subnet and its gateway on the network."""
        gateway = PORTS.alias("gateway")
        return conn.scalar(
            select(ROUTERS.c.id)
            .join(ROUTER_PORTS, ROUTER_PORTS.c.router_id == ROUTERS.c.id)
            .join(ALLOCS, ALLOCS.c.port_id == ROUTER_PORTS.c.port_id)
            .join(gateway, gateway.c.id == ROUTERS.c.gw_port_id)
            .where(ALLOCS.c.subnet_id == subnet_id, gateway.c.network_id == network_id,
                   ROUTER_PORTS.c.port_type != service_ports.ROUTER_GATEWAY)
            .order_by(ROUTERS.c.created_at, ROUTERS.c.id).limit(1))

    # ---- update / delete ----------------------------------------------------------
    def update(self, ctx: Context, id: str, body: dict, if_revision: int | None = None,
               authorize: Any = None) -> dict:
        # An empty update disassociates (as in Neutron); one changing other attributes
        # keeps the association.
        return super().update(ctx, id, body or {"port_id": None}, if_revision, authorize)

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        current = conn.execute(select(FIPS).where(FIPS.c.id == original["id"])).one()
        if "port_id" in body:
            self._associate(conn, ctx, current, body["port_id"], body.get("fixed_ip_address"))
        elif body.get("fixed_ip_address") is not None:
            if current.fixed_port_id is None:
                raise exc.BadRequest(resource="floatingip",
                                     msg="fixed_ip_address cannot be given without a port_id")
            self._associate(conn, ctx, current, current.fixed_port_id, body["fixed_ip_address"])
        values = {k: body[k] for k in ("description",) if k in body}
        if values:
            conn.execute(update(FIPS).where(FIPS.c.id == original["id"]).values(**values))

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        port_id = conn.scalar(select(FIPS.c.floating_port_id).where(FIPS.c.id == original["id"]))
        super().remove(conn, ctx, original)
        service_ports.delete_ports(self.registry, conn, ctx, [port_id])

    def delete_on_network(self, conn: Connection, ctx: Context, network_id: str) -> None:
        """An external network's floating IPs go with it (with their ports)."""
        ids = list(conn.scalars(select(FIPS.c.id).where(FIPS.c.floating_network_id == network_id)))
        if not ids:
            return
        gone = self.load_ids(conn, ids)
        port_ids = list(conn.scalars(select(FIPS.c.floating_port_id).where(FIPS.c.id.in_(ids))))
        conn.execute(delete(TAGS).where(TAGS.c.resource_id.in_(ids)))
        conn.execute(delete(FIPS).where(FIPS.c.id.in_(ids)))
        self.deleted_with(conn, ctx, gone)
        service_ports.delete_ports(self.registry, conn, ctx, port_ids)

    def disassociate_port(self, conn: Connection, ctx: Context, port_id: str) -> None:
        """A deleted port's floating IPs map to nothing any more (update each)."""
        ids = list(conn.scalars(select(FIPS.c.id).where(FIPS.c.fixed_port_id == port_id)))
        if ids:
            conn.execute(update(FIPS).where(FIPS.c.id.in_(ids)).values(
                fixed_port_id=None, fixed_ip_address=None, router_id=None))
            self.touch(conn, ctx, ids)


class FloatingIpPoolPlugin:
    """``GET /v2.0/floatingip_pools``: the subnets of external networks."""

    not_found = exc.FloatingIPPoolNotFound

    def __init__(self, db: Any, conf: Any, registry: Any = None) -> None:
        self.db = db
        self.conf = conf

    def get(self, ctx: Context, id: str, fields: list[str] | None = None) -> dict:
        """Neutron has no show of a pool; a pool is named by its subnet: show it, or
        say it does not exist."""
        for pool in self.list(ctx, ListQuery()):
            if pool["subnet_id"] == id:
                return pool
        raise self.not_found(id=id)

    def list(self, ctx: Context, query: ListQuery) -> list[dict]:
        external = rbac.any_policy("network", SUBNETS.c.network_id, rbac.ACCESS_EXTERNAL)
        with self.db.reader() as conn:
            rows = conn.execute(select(SUBNETS.c.id, SUBNETS.c.name, SUBNETS.c.network_id,
                                       SUBNETS.c.cidr, SUBNETS.c.project_id, SUBNETS.c.ip_version)
                                .where(external).order_by(SUBNETS.c.id)).all()
        items = [{"subnet_id": r.id, "subnet_name": r.name, "network_id": r.network_id,
                  "cidr": r.cidr, "project_id": r.project_id, "tenant_id": r.project_id}
                 for r in rows if r.ip_version == 4]
        for key, values in query.filters.items():
            items = [i for i in items if i.get(key) in values]
        return page_in_memory(items, query, "subnet_id")
