"""Network IP availability: address totals and usage per network and subnet."""
from __future__ import annotations

import ipaddress
from typing import Any

from sqlalchemy import func, select

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.listing import ListQuery, page_in_memory
from neutrino.db.engine import Database
from neutrino.db.models.network import Network
from neutrino.db.models.port import IpAllocation
from neutrino.core.networks import visible_networks
from neutrino.db.models.subnet import AllocationPool, Subnet

NETWORKS, SUBNETS = Network.__table__, Subnet.__table__
POOLS, ALLOCS = AllocationPool.__table__, IpAllocation.__table__


class IpAvailabilityPlugin:
    """Figures of the networks the caller sees. Who may read them is the policy's
    call (get_network_ip_availability: admins by default, as in Neutron); to anyone
    else the list is empty and a network's figures are not found."""

    not_found = exc.NetworkNotFound

    def __init__(self, db: Database, conf: Any, registry: Any = None) -> None:
        self.db = db

    def list(self, ctx: Context, query: ListQuery) -> list[dict]:
        return page_in_memory(self._compute(ctx, query.filters), query, "network_id")

    def get(self, ctx: Context, id: str, fields: list[str] | None = None) -> dict:
        items = self._compute(ctx, {"network_id": [id]})
        if not items:
            raise exc.NetworkNotFound(id=id)
        return items[0]

    def _compute(self, ctx: Context, filters: dict[str, list]) -> list[dict]:
        nets = select(NETWORKS.c.id, NETWORKS.c.name, NETWORKS.c.project_id)
        visible = visible_networks(ctx)
        if visible is not None:
            nets = nets.where(visible)
        if "network_id" in filters:
            nets = nets.where(NETWORKS.c.id.in_(filters["network_id"]))
        if "network_name" in filters:
            nets = nets.where(NETWORKS.c.name.in_(filters["network_name"]))
        for key in ("project_id", "tenant_id"):
            if key in filters:
                nets = nets.where(NETWORKS.c.project_id.in_(filters[key]))
        versions = filters.get("ip_version")
        with self.db.reader() as conn:
            networks = conn.execute(nets.order_by(NETWORKS.c.id)).all()
            net_ids = select(nets.subquery().c.id)
            subs = conn.execute(select(SUBNETS.c.id, SUBNETS.c.name, SUBNETS.c.cidr,
                                       SUBNETS.c.ip_version, SUBNETS.c.network_id)
                                .where(SUBNETS.c.network_id.in_(net_ids))
                                .order_by(SUBNETS.c.created_at, SUBNETS.c.id)).all()
            pools: dict[str, int] = {}
            for sid, first, last in conn.execute(
                    select(POOLS.c.subnet_id, POOLS.c.first_ip, POOLS.c.last_ip)
                    .where(POOLS.c.subnet_id.in_(select(SUBNETS.c.id).where(
                        SUBNETS.c.network_id.in_(net_ids))))):
                size = int(ipaddress.ip_address(last)) - int(ipaddress.ip_address(first)) + 1
                pools[sid] = pools.get(sid, 0) + size
            used = dict(conn.execute(select(ALLOCS.c.subnet_id, func.count())
                                     .where(ALLOCS.c.network_id.in_(net_ids))
                                     .group_by(ALLOCS.c.subnet_id)).all())
        per_net: dict[str, list[dict]] = {}
        for s in subs:
            if versions and s.ip_version not in versions:
                continue
            per_net.setdefault(s.network_id, []).append({
                "subnet_id": s.id, "subnet_name": s.name, "cidr": s.cidr,
                "ip_version": s.ip_version, "total_ips": pools.get(s.id, 0),
                "used_ips": used.get(s.id, 0)})
        out = []
        for net in networks:
            subnets = per_net.get(net.id, [])
            if versions and not subnets:
                continue
            out.append({"network_id": net.id, "network_name": net.name,
                        "project_id": net.project_id, "tenant_id": net.project_id,
                        "total_ips": sum(s["total_ips"] for s in subnets),
                        "used_ips": sum(s["used_ips"] for s in subnets),
                        "subnet_ip_availability": subnets})
        return out


class AvailabilityZonePlugin:
    """Zones from configuration until agents report their own."""

    @staticmethod
    def not_found(id: str, **_: Any) -> exc.NeutronException:
        return exc.AvailabilityZoneNotFound(availability_zone=id)

    def __init__(self, db: Database, conf: Any, registry: Any = None) -> None:
        self.conf = conf

    def _zones(self) -> list[dict]:
        return [{"name": az, "resource": "network", "state": "available"}
                for az in self.conf.availability_zones]

    def get(self, ctx: Context, id: str, fields: list[str] | None = None) -> dict:
        # Neutron answers 500 here (its plugins have no get_availability_zone); a zone
        # is named by its name, so show it, or say it does not exist.
        for zone in self._zones():
            if zone["name"] == id:
                return zone
        raise self.not_found(id)

    def list(self, ctx: Context, query: ListQuery) -> list[dict]:
        items = self._zones()
        for key, values in query.filters.items():
            items = [i for i in items if i[key] in values]
        return page_in_memory(items, query, "name")
