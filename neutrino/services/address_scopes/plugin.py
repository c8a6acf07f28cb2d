"""Address scopes: a family of subnet pools whose prefixes never overlap.

Whether a scope is shared is not stored on it: ``shared`` is a view of its RBAC
policies (as for networks), and setting it adds the wildcard policy. A shared
scope cannot be made private again by ``shared=false`` (as in Neutron); its
policies may still be deleted while no other project's pool relies on them.
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Select, and_, func, insert, not_, select, update
from sqlalchemy.sql import ColumnElement

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core import rbac
from neutrino.core.extenders import AttributeExtender
from neutrino.core.resource import ResourcePlugin
from neutrino.db.models.subnet import Subnet
from neutrino.services.address_scopes.models import AddressScope
from neutrino.services.subnetpools.models import SubnetPool

SCOPES = AddressScope.__table__
POOLS = SubnetPool.__table__
SUBNETS = Subnet.__table__
POLICIES = rbac.POLICIES
SHARED = rbac.ACCESS_SHARED
OBJECT_TYPE = "address_scope"


def visible_scopes(ctx: Context) -> ColumnElement | None:
    """Scopes the caller may see: its own and those shared with its project."""
    if ctx.sees_all_projects:
        return None
    return (SCOPES.c.project_id == ctx.project_id) | rbac.granted(
        OBJECT_TYPE, SCOPES.c.id, (SHARED,), ctx.project_id)


def visible_to_project(scope_id: Any, project_id: str) -> ColumnElement:
    """The scope is the project's own or shared with it (``*`` for every project)."""
    owned = select(SCOPES.c.id).where(SCOPES.c.id == scope_id,
                                      SCOPES.c.project_id == project_id).exists()
    return owned | rbac.granted(OBJECT_TYPE, scope_id, (SHARED,),
                                None if project_id == rbac.WILDCARD else project_id)


def _relying_projects(conn: Connection, scope_id: str, action: str) -> set[str]:
    """Projects whose subnet pools are in the scope."""
    return set(conn.scalars(select(POOLS.c.project_id).where(
        POOLS.c.address_scope_id == scope_id).distinct()))


class AddressScopePlugin(ResourcePlugin):
    table = SCOPES
    not_found = exc.AddressScopeNotFound
    handles = frozenset({"shared"})  # a view of the scope's RBAC policies

    def visible_clause(self, ctx: Context) -> ColumnElement | None:
        return visible_scopes(ctx)

    def apply_filter(self, ctx: Context, stmt: Select, name: str, values: list) -> Select:
        if name == "shared":  # as the caller sees it: shared with everyone or with it
            if len(set(values)) > 1:
                return stmt
            shared = rbac.granted(OBJECT_TYPE, SCOPES.c.id, (SHARED,), ctx.project_id)
            return stmt.where(shared if values[0] else not_(shared))
        return super().apply_filter(ctx, stmt, name, values)

    # ---- rendering -------------------------------------------------------------
    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        tags = self.load_tags(conn, ids_query)
        shared = set(conn.scalars(select(POLICIES.c.object_id).where(
            POLICIES.c.object_type == OBJECT_TYPE, POLICIES.c.object_id.in_(ids_query),
            and_(POLICIES.c.action == SHARED, POLICIES.c.target_project == rbac.WILDCARD))))
        out = []
        for row in rows:
            item = self.standard_fields(row, tags)
            item.update({"ip_version": row.ip_version, "shared": row.id in shared})
            out.append(item)
        return out

    def personalize(self, conn: Connection, ctx: Context, items: list[dict]) -> None:
        """A scope shared with the caller's project alone is ``shared`` to it too."""
        personalize_shared(conn, ctx, OBJECT_TYPE, items)

    # ---- writes ----------------------------------------------------------------
    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        scope_id = str(uuid.uuid4())
        row = self.new_standard_row(ctx, body, scope_id)
        conn.execute(insert(SCOPES).values(**row, ip_version=body["ip_version"]))
        if body.get("shared"):
            grant_to_everyone(self, conn, ctx, row["project_id"], OBJECT_TYPE, scope_id)
        return scope_id

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        if "shared" in body:
            wildcard = [p for p in rbac.policies(conn, OBJECT_TYPE, original["id"], SHARED)
                        if p.target_project == rbac.WILDCARD]
            if body["shared"] and not wildcard:
                grant_to_everyone(self, conn, ctx, original["project_id"], OBJECT_TYPE,
                                  original["id"])
            elif not body["shared"] and wildcard:
                raise exc.AddressScopeUpdateError(address_scope_id=original["id"],
                                                  reason="Shared address scope can't be unshared")
        values = {k: body[k] for k in ("name", "description") if k in body}
        if values:
            conn.execute(update(SCOPES).where(SCOPES.c.id == original["id"]).values(**values))

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        if conn.execute(select(POOLS.c.id).where(POOLS.c.address_scope_id == original["id"])
                        .limit(1)).first():
            raise exc.AddressScopeInUse(address_scope_id=original["id"])
        revoke(self, conn, ctx, rbac.policies(conn, OBJECT_TYPE, original["id"]))
        super().remove(conn, ctx, original)


def grant_to_everyone(plugin: ResourcePlugin, conn: Connection, ctx: Context, owner: str,
                      object_type: str, object_id: str) -> None:
    """The wildcard access_as_shared policy a ``shared`` flag stands for: an RBAC policy
    created like any other (events, journal row)."""
    policy_id = rbac.add(conn, owner, object_type, object_id, SHARED, rbac.WILDCARD)
    plugin.registry.plugin("rbac-policies").created_with(conn, ctx, [policy_id])


def revoke(plugin: ResourcePlugin, conn: Connection, ctx: Context, rows: list) -> None:
    """Delete an object's policies as RBAC policy deletes (events, journal rows)."""
    if rows:
        rbac.remove(conn, rows)
        plugin.registry.plugin("rbac-policies").deleted_with(
            conn, ctx, [rbac.render(r) for r in rows])


def personalize_shared(conn: Connection, ctx: Context, object_type: str,
                       items: list[dict]) -> None:
    """Objects shared with the caller's project alone show ``shared`` true to it."""
    if not ctx.project_id or not any(item.get("shared") is False for item in items):
        return
    mine = set(conn.scalars(select(POLICIES.c.object_id).where(
        POLICIES.c.object_type == object_type, POLICIES.c.action == SHARED,
        POLICIES.c.target_project == ctx.project_id,
        POLICIES.c.object_id.in_([i["id"] for i in items]))))
    for item in items:
        if item.get("shared") is False and item["id"] in mine:
            item["shared"] = True


class NetworkAddressScopes(AttributeExtender):
    """Networks' ipv4_address_scope / ipv6_address_scope: the address scope of the pool
    the network's subnets of that IP version come from (read-only)."""

    collection = "networks"
    attributes = ("ipv4_address_scope", "ipv6_address_scope")
    alias = "address-scope"

    def load(self, conn: Connection, ids_query: Select, items: list[dict]) -> None:
        stmt = (select(SUBNETS.c.network_id, POOLS.c.ip_version,
                       func.min(POOLS.c.address_scope_id))
                .join(POOLS, POOLS.c.id == SUBNETS.c.subnetpool_id)
                .where(SUBNETS.c.network_id.in_(ids_query), POOLS.c.address_scope_id.is_not(None))
                .group_by(SUBNETS.c.network_id, POOLS.c.ip_version))
        scopes = {(net_id, version): scope for net_id, version, scope in conn.execute(stmt)}
        for item in items:
            item["ipv4_address_scope"] = scopes.get((item["id"], 4))
            item["ipv6_address_scope"] = scopes.get((item["id"], 6))




RBAC_TYPE = rbac.ObjectType(
    name=OBJECT_TYPE, table=SCOPES, actions=(SHARED,), not_found=exc.AddressScopeNotFound,
    visible=visible_scopes, relying_projects=_relying_projects,
    collection="address-scopes")


