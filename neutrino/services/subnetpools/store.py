"""The subnet pool tables and the queries the pool, allocation and onboarding code share."""
from __future__ import annotations

from sqlalchemy import Connection, select
from sqlalchemy.sql import ColumnElement

from neutrino.context import Context
from neutrino.core import rbac
from neutrino.db.models.subnet import Subnet
from neutrino.services.address_scopes.models import AddressScope
from neutrino.services.subnetpools import prefixes as px
from neutrino.services.subnetpools.models import SubnetPool, SubnetPoolPrefix

POOLS = SubnetPool.__table__
PREFIXES = SubnetPoolPrefix.__table__
SCOPES = AddressScope.__table__
SUBNETS = Subnet.__table__
POLICIES = rbac.POLICIES
SHARED = rbac.ACCESS_SHARED
OBJECT_TYPE = "subnetpool"
BOUNDS = ("min_prefixlen", "max_prefixlen", "default_prefixlen")


def visible_pools(ctx: Context) -> ColumnElement | None:
    """Pools the caller may see: its own and those shared with its project."""
    if ctx.sees_all_projects:
        return None
    return (POOLS.c.project_id == ctx.project_id) | rbac.granted(
        OBJECT_TYPE, POOLS.c.id, (SHARED,), ctx.project_id)


def allocated_cidrs(conn: Connection, pool_id: str) -> list[px.Net]:
    return px.parse(conn.scalars(select(SUBNETS.c.cidr).where(SUBNETS.c.subnetpool_id == pool_id)))


def pool_prefixes(conn: Connection, pool_id: str) -> list[px.Net]:
    return px.parse(conn.scalars(select(PREFIXES.c.cidr).where(
        PREFIXES.c.subnetpool_id == pool_id)))


