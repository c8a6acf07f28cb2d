"""Subnet pools: prefixes, prefix-length bounds, per-project quota of address
space, the default pool of each IP version, membership of an address scope; the
add_prefixes / remove_prefixes actions.

Every change of a pool's prefixes or scope runs with the pool's row locked (and,
when it joins or stays in a scope, the scope's row), so two requests never both
see a prefix free: subnets allocated from the pool take the same pool lock.
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Select, and_, delete, insert, not_, select, update
from sqlalchemy.sql import ColumnElement

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core import rbac
from neutrino.core.resource import ResourcePlugin
from neutrino.services.address_scopes.plugin import (
    grant_to_everyone,
    personalize_shared,
    revoke,
    visible_to_project,
)
from neutrino.services.subnetpools import onboarding
from neutrino.services.subnetpools import prefixes as px
from neutrino.services.subnetpools.store import (
    BOUNDS,
    OBJECT_TYPE,
    POLICIES,
    POOLS,
    PREFIXES,
    SCOPES,
    SHARED,
    SUBNETS,
    allocated_cidrs,
    visible_pools,
)

def _relying_projects(conn: Connection, pool_id: str, action: str) -> set[str]:
    """Projects with subnets from the pool."""
    return set(conn.scalars(select(SUBNETS.c.project_id).where(
        SUBNETS.c.subnetpool_id == pool_id).distinct()))


def _check_target(conn: Connection, pool_id: str, target: str) -> None:
    """A pool in an address scope is shared only with projects that may use the scope."""
    scope_id = conn.scalar(select(POOLS.c.address_scope_id).where(POOLS.c.id == pool_id))
    if scope_id is not None and not conn.scalar(select(visible_to_project(scope_id, target))):
        raise exc.InvalidInput(error_message=f"subnetpool {pool_id} cannot be shared with "
                               f"{target}: its address scope {scope_id} is not shared with it")


class SubnetPoolPlugin(ResourcePlugin):
    table = POOLS
    not_found = exc.SubnetPoolNotFound
    # Prefixes live in their own table; shared is a view of the pool's RBAC policies.
    handles = frozenset({"prefixes", "shared"})

    def visible_clause(self, ctx: Context) -> ColumnElement | None:
        return visible_pools(ctx)

    def apply_filter(self, ctx: Context, stmt: Select, name: str, values: list) -> Select:
        if name == "shared":
            if len(set(values)) > 1:
                return stmt
            shared = rbac.granted(OBJECT_TYPE, POOLS.c.id, (SHARED,), ctx.project_id)
            return stmt.where(shared if values[0] else not_(shared))
        return super().apply_filter(ctx, stmt, name, values)

    # ---- rendering -------------------------------------------------------------
    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        tags = self.load_tags(conn, ids_query)
        prefixes: dict[str, list[px.Net]] = {}
        for pool_id, cidr in conn.execute(select(PREFIXES.c.subnetpool_id, PREFIXES.c.cidr)
                                          .where(PREFIXES.c.subnetpool_id.in_(ids_query))):
            prefixes.setdefault(pool_id, []).extend(px.parse([cidr]))
        shared = set(conn.scalars(select(POLICIES.c.object_id).where(
            POLICIES.c.object_type == OBJECT_TYPE, POLICIES.c.object_id.in_(ids_query),
            and_(POLICIES.c.action == SHARED, POLICIES.c.target_project == rbac.WILDCARD))))
        out = []
        for row in rows:
            item = self.standard_fields(row, tags)
            item.update({
                "prefixes": px.texts(px.compact(prefixes.get(row.id, ()))),
                "ip_version": row.ip_version,
                # Neutron renders the prefix lengths as strings; clients convert them.
                "default_prefixlen": str(row.default_prefixlen),
                "min_prefixlen": str(row.min_prefixlen),
                "max_prefixlen": str(row.max_prefixlen),
                "default_quota": row.default_quota, "is_default": row.is_default,
                "address_scope_id": row.address_scope_id, "shared": row.id in shared,
            })
            out.append(item)
        return out

    def personalize(self, conn: Connection, ctx: Context, items: list[dict]) -> None:
        personalize_shared(conn, ctx, OBJECT_TYPE, items)

    # ---- create ----------------------------------------------------------------
    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        nets = px.compact(px.parse(body["prefixes"]))
        version = px.version_of(nets)
        low = body.get("min_prefixlen", px.DEFAULT_MIN_PREFIXLEN[version])
        high = body.get("max_prefixlen", px.MAX_PREFIXLEN[version])
        default = body.get("default_prefixlen", low)
        px.check_bounds(version, low, high, default)
        pool_id = str(uuid.uuid4())
        row = self.new_standard_row(ctx, body, pool_id)
        if body.get("is_default"):
            self._check_no_default(conn, version, pool_id)
        scope_id = body.get("address_scope_id")
        self._check_scope(conn, ctx, pool_id, row["project_id"], scope_id, version, nets)
        conn.execute(insert(POOLS).values(
            **row, ip_version=version, default_prefixlen=default, min_prefixlen=low,
            max_prefixlen=high, default_quota=body.get("default_quota"),
            address_scope_id=scope_id, is_default=bool(body.get("is_default")),
            default_for_version=version if body.get("is_default") else None))
        self._write_prefixes(conn, pool_id, nets)
        if body.get("shared"):
            grant_to_everyone(self, conn, ctx, row["project_id"], OBJECT_TYPE, pool_id)
        return pool_id

    @staticmethod
    def _check_no_default(conn: Connection, version: int, pool_id: str) -> None:
        # The unique key on default_for_version has the last word under concurrency: a
        # racing insert fails it, the transaction runs again and stops here.
        if conn.execute(select(POOLS.c.id).where(POOLS.c.default_for_version == version,
                                                 POOLS.c.id != pool_id)).first():
            raise exc.InvalidInput(error_message="A default subnetpool for this IP family has "
                                   "already been set. Only one default may exist per IP family")

    @staticmethod
    def _check_scope(conn: Connection, ctx: Context, pool_id: str, owner: str,
                     scope_id: str | None, version: int, nets: list[px.Net]) -> None:
        """The pool may join the scope: the scope is the owner's or shared with it, of the
        same IP version, and no other pool of it holds any of ``nets``. The scope row
        stays locked, so two pools cannot join with overlapping prefixes at once."""
        if scope_id is None:
            return
        scope = conn.execute(select(SCOPES.c.id, SCOPES.c.ip_version)
                             .where(SCOPES.c.id == scope_id).with_for_update()).first()
        if scope is None or not (ctx.sees_all_projects or conn.scalar(
                select(visible_to_project(scope_id, ctx.project_id)))):
            raise exc.AddressScopeNotFound(id=scope_id)  # one the caller cannot see: 404
        if not ctx.is_admin and not conn.scalar(select(visible_to_project(scope_id, owner))):
            raise exc.IllegalSubnetPoolAssociationToAddressScope(subnetpool_id=pool_id,
                                                                 address_scope_id=scope_id)
        if scope.ip_version != version:
            raise exc.IllegalSubnetPoolIpVersionAssociationToAddressScope(
                subnetpool_id=pool_id, address_scope_id=scope_id, ip_version=scope.ip_version)
        others = px.parse(conn.scalars(select(PREFIXES.c.cidr).join(
            POOLS, POOLS.c.id == PREFIXES.c.subnetpool_id).where(
            POOLS.c.address_scope_id == scope_id, POOLS.c.id != pool_id)))
        if px.overlaps(nets, others):
            raise exc.AddressScopePrefixConflict()

    @staticmethod
    def _write_prefixes(conn: Connection, pool_id: str, nets: list[px.Net]) -> None:
        conn.execute(delete(PREFIXES).where(PREFIXES.c.subnetpool_id == pool_id))
        conn.execute(insert(PREFIXES), [{"subnetpool_id": pool_id, "cidr": str(n)} for n in nets])

    # ---- update ----------------------------------------------------------------
    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        version = original["ip_version"]
        old = px.parse(original["prefixes"])
        nets = old
        if "prefixes" in body:
            nets = px.compact(px.parse(body["prefixes"]))
            if px.version_of(nets) != version:
                raise exc.PrefixVersionMismatch()
            if px.difference(old, nets):
                raise exc.IllegalSubnetPoolPrefixUpdate(
                    msg="Existing prefixes must be a subset of the new prefixes")
        self.store(conn, ctx, original, body, nets)

    def store(self, conn: Connection, ctx: Context, original: dict, body: dict,
              nets: list[px.Net]) -> None:
        """Write a validated change of the pool: bounds, default flag, scope, prefixes."""
        pool_id, version = original["id"], original["ip_version"]
        bounds = {k: int(body.get(k, original[k])) for k in BOUNDS}
        px.check_bounds(version, bounds["min_prefixlen"], bounds["max_prefixlen"],
                        bounds["default_prefixlen"])
        values: dict[str, Any] = {k: body[k] for k in (*BOUNDS, "name", "description",
                                                       "default_quota") if k in body}
        if "is_default" in body:
            if body["is_default"] and not original["is_default"]:
                self._check_no_default(conn, version, pool_id)
            values["is_default"] = body["is_default"]
            values["default_for_version"] = version if body["is_default"] else None
        scope_id = body.get("address_scope_id", original["address_scope_id"])
        old_scope = original["address_scope_id"]
        if old_scope is not None and not ctx.is_admin and conn.scalar(
                select(SCOPES.c.project_id).where(SCOPES.c.id == old_scope)) != ctx.project_id:
            raise exc.IllegalSubnetPoolUpdate(
                reason=f"subnetpool {pool_id} cannot be updated when associated with shared "
                       f"address scope {old_scope}")
        if "address_scope_id" in body or nets != px.parse(original["prefixes"]):
            self._check_scope(conn, ctx, pool_id, original["project_id"], scope_id, version,
                              nets)
            values["address_scope_id"] = scope_id
        if values:
            conn.execute(update(POOLS).where(POOLS.c.id == pool_id).values(**values))
        if nets != px.parse(original["prefixes"]):
            self._write_prefixes(conn, pool_id, nets)

    # ---- member actions (run with the pool locked; see ResourcePlugin.member_action) --
    def add_prefixes(self, conn: Connection, ctx: Context, pool: dict, body: dict) -> dict:
        new = px.parse(body["prefixes"])
        if any(n.version != pool["ip_version"] for n in new):
            raise exc.PrefixVersionMismatch()
        nets = px.compact([*px.parse(pool["prefixes"]), *new])
        self.store(conn, ctx, pool, {}, nets)
        return {"prefixes": px.texts(nets)}

    def remove_prefixes(self, conn: Connection, ctx: Context, pool: dict, body: dict) -> dict:
        gone = px.parse(body["prefixes"])
        if px.overlaps(gone, allocated_cidrs(conn, pool["id"])):
            raise exc.IllegalSubnetPoolPrefixUpdate(
                msg="One or more the prefixes to be removed is in use by a subnet")
        nets = px.difference(px.parse(pool["prefixes"]), gone)
        if not nets:
            raise exc.IllegalSubnetPoolPrefixUpdate(msg="A subnet pool must keep at least one prefix")
        self.store(conn, ctx, pool, {}, nets)
        return {"prefixes": px.texts(nets)}

    def onboard_network_subnets(self, conn: Connection, ctx: Context, pool: dict,
                                body: dict) -> list[dict]:
        return onboarding.onboard(self, conn, ctx, pool, body["network_id"])

    # ---- delete ----------------------------------------------------------------
    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        if conn.execute(select(SUBNETS.c.id).where(SUBNETS.c.subnetpool_id == original["id"])
                        .limit(1)).first():
            raise exc.SubnetPoolDeleteError(reason="Subnet pool has existing allocations")
        revoke(self, conn, ctx, rbac.policies(conn, OBJECT_TYPE, original["id"]))
        super().remove(conn, ctx, original)


RBAC_TYPE = rbac.ObjectType(
    name=OBJECT_TYPE, table=POOLS, actions=(SHARED,), not_found=exc.SubnetPoolNotFound,
    visible=visible_pools, relying_projects=_relying_projects, collection="subnetpools",
    check_target=_check_target)
