"""Onboarding (subnet_onboard): moving every subnet of a network, of a pool's IP
version, into the pool. Runs as the pool's member action, with the pool locked."""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select, update

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core import rbac
from neutrino.db.models.network import Network
from neutrino.services.subnetpools import prefixes as px
from neutrino.services.subnetpools.store import SUBNETS, allocated_cidrs

NETWORKS = Network.__table__


def onboard(pools: Any, conn: Connection, ctx: Context, pool: dict, network_id: str) -> list[dict]:
    """Add the network's subnets' cidrs to the pool's prefixes and point the subnets at
    it; all or nothing. Returns [{"id", "cidr"}] of the subnets moved."""
    network = conn.execute(select(NETWORKS.c.id, NETWORKS.c.project_id)
                           .where(NETWORKS.c.id == network_id)).first()
    if network is None or not _sees_network(conn, ctx, network_id):
        raise exc.NetworkNotFound(id=network_id)
    if not ctx.is_admin and network.project_id != ctx.project_id:
        raise exc.PolicyNotAuthorized(f"(onboard_network_subnets) is disallowed by policy: "
                                      f"network {network_id} belongs to another project")
    rows = conn.execute(select(SUBNETS.c.id, SUBNETS.c.cidr).where(
        SUBNETS.c.network_id == network_id, SUBNETS.c.ip_version == pool["ip_version"])
        .order_by(SUBNETS.c.created_at, SUBNETS.c.id)).all()
    taken = allocated_cidrs(conn, pool["id"])
    for row in rows:
        if px.overlaps(px.parse([row.cidr]), taken):
            raise exc.IllegalSubnetPoolUpdate(
                reason=f"Onboarding subnet {row.id}: {row.cidr} conflicts with allocated "
                       f"prefixes in subnet pool {pool['id']}")
    nets = px.compact([*px.parse(pool["prefixes"]), *px.parse(r.cidr for r in rows)])
    pools.store(conn, ctx, pool, {}, nets)  # the address scope's checks too
    ids = [r.id for r in rows]
    if ids:
        conn.execute(update(SUBNETS).where(SUBNETS.c.id.in_(ids)).values(subnetpool_id=pool["id"]))
        # A change of each subnet: revision, callbacks and journal row.
        pools.registry.plugin("subnets").touch(conn, ctx, ids)
    return [{"id": r.id, "cidr": r.cidr} for r in rows]


def _sees_network(conn: Connection, ctx: Context, network_id: str) -> bool:
    if ctx.sees_all_projects:
        return True
    return bool(conn.scalar(select(
        select(NETWORKS.c.id).where(NETWORKS.c.id == network_id,
                                    NETWORKS.c.project_id == ctx.project_id).exists()
        | rbac.granted("network", network_id, (rbac.ACCESS_SHARED, rbac.ACCESS_EXTERNAL),
                       ctx.project_id))))
