"""Subnets from pools: which pool a new subnet uses, the cidr it gets, the
project's share of the pool; in a network's subnets of one IP version come
from one pool.

A subnet's cidr is chosen inside the creating transaction with the pool's row
locked (SELECT ... FOR UPDATE): concurrent creators of one pool take turns, and
each one reads the allocations the previous one committed (PostgreSQL reads
committed rows per statement; SQLite writers hold the database lock anyway).
Pools of one address scope hold disjoint prefixes (see plugin.py), so subnets
of different pools of a scope cannot overlap either.
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.extenders import AttributeExtender
from neutrino.services.subnetpools import prefixes as px
from neutrino.services.subnetpools.store import (
    POOLS,
    SUBNETS,
    allocated_cidrs,
    pool_prefixes,
    visible_pools,
)


def _bad(msg: str) -> exc.BadRequest:
    return exc.BadRequest(resource="subnets", msg=msg)


def pool_id_for(conn: Connection, ctx: Context, body: dict) -> str | None:
    """The pool a new subnet asks for: ``subnetpool_id``, or the default pool of its IP
    version with ``use_default_subnetpool``; None for a subnet with its own cidr."""
    pool_id = body.get("subnetpool_id")
    if body.get("use_default_subnetpool"):
        if pool_id:
            raise _bad("subnetpool_id and use_default_subnetpool cannot both be specified")
        pool_id = conn.scalar(select(POOLS.c.id).where(
            POOLS.c.default_for_version == body["ip_version"]))
        if pool_id is None:
            raise _bad(f"No default subnetpool found for IPv{body['ip_version']}")
    return pool_id


def allocate(conn: Connection, ctx: Context, body: dict) -> dict:
    """The subnet body with its cidr and subnetpool_id decided; 4xx when the pool cannot
    give it one. Called inside the creating transaction, before the subnet is stored."""
    cidr, prefixlen = body.get("cidr"), body.get("prefixlen")
    pool_id = pool_id_for(conn, ctx, body)
    if pool_id is None:
        if cidr is None:
            raise _bad("a subnetpool must be specified in the absence of a cidr")
        _check_affinity(conn, body, None)
        return {**body, "subnetpool_id": None}
    if cidr is not None and prefixlen is not None:
        raise _bad("cidr and prefixlen must not be supplied together")
    stmt = select(POOLS).where(POOLS.c.id == pool_id)
    visible = visible_pools(ctx)
    if visible is not None:
        stmt = stmt.where(visible)
    pool = conn.execute(stmt.with_for_update()).first()
    if pool is None:
        raise exc.SubnetPoolNotFound(id=pool_id)
    if body["ip_version"] != pool.ip_version:
        raise _bad(f"Cannot allocate IPv{body['ip_version']} subnet from IPv{pool.ip_version} "
                   "subnet pool")
    _check_affinity(conn, body, pool_id)
    prefixes = pool_prefixes(conn, pool_id)
    taken = allocated_cidrs(conn, pool_id)
    if cidr is not None:
        net = px.parse([cidr])[0]
        _check_prefixlen(pool, net.prefixlen)
        if not px.covers(prefixes, net):
            raise exc.InvalidInput(error_message=f"Cidr {net} is not within the prefixes of "
                                                 f"subnet pool {pool_id}")
        if px.overlaps([net], taken):
            raise exc.SubnetAllocationError(
                reason=f"Cidr {net} overlaps a subnet already allocated from subnet pool "
                       f"{pool_id}")
    else:
        wanted = pool.default_prefixlen if prefixlen is None else prefixlen
        _check_prefixlen(pool, wanted)
        net = px.choose(prefixes, taken, wanted)
        if net is None:
            raise exc.SubnetAllocationError(
                reason=f"Insufficient prefix space to allocate subnet size /{wanted}")
    _check_quota(conn, pool, body.get("project_id") or ctx.project_id, net)
    return {**body, "cidr": str(net), "subnetpool_id": pool_id}


def _check_prefixlen(pool: Any, prefixlen: int) -> None:
    if prefixlen > pool.max_prefixlen:
        raise exc.MaxPrefixSubnetAllocationError(prefixlen=prefixlen,
                                                 max_prefixlen=pool.max_prefixlen)
    if prefixlen < pool.min_prefixlen:
        raise exc.MinPrefixSubnetAllocationError(prefixlen=prefixlen,
                                                 min_prefixlen=pool.min_prefixlen)


def _check_quota(conn: Connection, pool: Any, project_id: str, net: px.Net) -> None:
    """The project's subnets from the pool stay within its default_quota."""
    if pool.default_quota is None:
        return
    used = sum((px.quota_units(n) for n in px.parse(conn.scalars(select(SUBNETS.c.cidr).where(
        SUBNETS.c.subnetpool_id == pool.id, SUBNETS.c.project_id == project_id)))), start=0)
    if used + px.quota_units(net) > pool.default_quota:
        raise exc.SubnetPoolQuotaExceeded()


def _check_affinity(conn: Connection, body: dict, pool_id: str | None) -> None:
    """All subnets of one IP version on a network come from one pool (or from none)."""
    others = set(conn.scalars(select(SUBNETS.c.subnetpool_id).where(
        SUBNETS.c.network_id == body["network_id"],
        SUBNETS.c.ip_version == body["ip_version"]).distinct()))
    if others and others != {pool_id}:
        raise exc.NetworkSubnetPoolAffinityError()


class SubnetFromPool(AttributeExtender):
    """Subnets' prefixlen and use_default_subnetpool (write-only): a new subnet's cidr and
    subnetpool_id are decided from them before the subnet is stored."""

    collection = "subnets"
    attributes = ("prefixlen", "use_default_subnetpool")
    alias = "subnet_allocation"

    def prepare(self, conn: Connection, ctx: Context, body: dict) -> dict:
        return allocate(conn, ctx, body)
