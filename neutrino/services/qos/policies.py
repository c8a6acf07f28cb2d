"""QoS policies: a named set of rules that ports, networks and floating IPs use.

Whether a policy is shared is not stored on it: ``shared`` is a view of its RBAC
policies (object type ``qos_policy``), as for networks. Unlike networks, a policy
is unshared again by ``shared=false`` (the wildcard grant goes), refused while a
project that only the wildcard lets in — its owner included, as Neutron counts —
has a port, network or floating IP using it. ``is_default``: at most one per
project; new networks of the project without a policy get it.
"""
from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, Select, and_, delete, insert, not_, select, union
from sqlalchemy.sql import ColumnElement

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core import rbac
from neutrino.core.resource import ResourcePlugin
from neutrino.db.models.network import Network
from neutrino.db.models.port import Port
# Subnet pools first: address_scopes.plugin and subnetpools.plugin import each other,
# which settles only when subnet pools are imported first (as the registry does).
from neutrino.services import subnetpools as _subnetpools  # noqa: F401, I001
from neutrino.services.address_scopes.plugin import grant_to_everyone, personalize_shared, revoke
from neutrino.services.l3.models import FloatingIp, Router
from neutrino.services.qos import models

POLICIES = models.QosPolicy.__table__
PORT_BINDINGS = models.PortPolicyBinding.__table__
NETWORK_BINDINGS = models.NetworkPolicyBinding.__table__
FIP_BINDINGS = models.FloatingIpPolicyBinding.__table__
ROUTER_GW_BINDINGS = models.RouterGatewayPolicyBinding.__table__
RULE_TABLES = {t: m.__table__ for t, m in models.RULE_MODELS.items()}
PORTS, NETWORKS, FIPS = Port.__table__, Network.__table__, FloatingIp.__table__
ROUTERS = Router.__table__
RBAC = rbac.POLICIES
SHARED = rbac.ACCESS_SHARED
OBJECT_TYPE = "qos_policy"
# Rendered in a policy's ``rules`` (besides id, qos_policy_id and type), by type.
RULE_FIELDS = {t: [c.name for c in table.c if c.name not in ("id", "qos_policy_id")]
               for t, table in RULE_TABLES.items()}


def visible_policies(ctx: Context) -> ColumnElement | None:
    """Policies the caller may see: its own and those shared with its project."""
    if ctx.sees_all_projects:
        return None
    return (POLICIES.c.project_id == ctx.project_id) | rbac.granted(
        OBJECT_TYPE, POLICIES.c.id, (SHARED,), ctx.project_id)


def usable_by(conn: Connection, policy_id: str, project_id: str) -> bool:
    """The policy exists and the project may attach it: its own, or shared with it."""
    return conn.execute(select(POLICIES.c.id).where(
        POLICIES.c.id == policy_id,
        (POLICIES.c.project_id == project_id)
        | rbac.granted(OBJECT_TYPE, POLICIES.c.id, (SHARED,), project_id))).first() is not None


def _bound_projects(conn: Connection, policy_id: str, action: str = SHARED) -> set[str]:
    """Projects with ports, networks, floating IPs or router gateways using the policy."""
    stmt = union(
        select(PORTS.c.project_id).join(PORT_BINDINGS, PORT_BINDINGS.c.port_id == PORTS.c.id)
        .where(PORT_BINDINGS.c.policy_id == policy_id),
        select(NETWORKS.c.project_id).join(NETWORK_BINDINGS,
                                           NETWORK_BINDINGS.c.network_id == NETWORKS.c.id)
        .where(NETWORK_BINDINGS.c.policy_id == policy_id),
        select(FIPS.c.project_id).join(FIP_BINDINGS, FIP_BINDINGS.c.fip_id == FIPS.c.id)
        .where(FIP_BINDINGS.c.policy_id == policy_id),
        select(ROUTERS.c.project_id).join(ROUTER_GW_BINDINGS,
                                          ROUTER_GW_BINDINGS.c.router_id == ROUTERS.c.id)
        .where(ROUTER_GW_BINDINGS.c.policy_id == policy_id))
    return set(conn.scalars(stmt))


def load_rules(conn: Connection, policy_ids: Any) -> dict[str, list[dict]]:
    """Every rule of these policies (ids or a query of ids), each with its ``type``."""
    out: dict[str, list[dict]] = {}
    for rule_type, table in RULE_TABLES.items():
        for row in conn.execute(select(table).where(table.c.qos_policy_id.in_(policy_ids))
                                .order_by(table.c.id)):
            rule = {"id": row.id, "qos_policy_id": row.qos_policy_id, "type": rule_type}
            rule.update({f: getattr(row, f) for f in RULE_FIELDS[rule_type]})
            out.setdefault(row.qos_policy_id, []).append(rule)
    return out


class QosPolicyPlugin(ResourcePlugin):
    table = POLICIES
    not_found = exc.QosPolicyNotFound
    handles = frozenset({"shared", "rules"})

    def visible_clause(self, ctx: Context) -> ColumnElement | None:
        return visible_policies(ctx)

    def apply_filter(self, ctx: Context, stmt: Select, name: str, values: list) -> Select:
        if name == "shared":  # as the caller sees it: shared with everyone or with it
            if len(set(values)) > 1:
                return stmt
            shared = rbac.granted(OBJECT_TYPE, POLICIES.c.id, (SHARED,), ctx.project_id)
            return stmt.where(shared if values[0] else not_(shared))
        return super().apply_filter(ctx, stmt, name, values)

    # ---- rendering -------------------------------------------------------------
    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        tags = self.load_tags(conn, ids_query)
        shared = set(conn.scalars(select(RBAC.c.object_id).where(
            RBAC.c.object_type == OBJECT_TYPE, RBAC.c.object_id.in_(ids_query),
            and_(RBAC.c.action == SHARED, RBAC.c.target_project == rbac.WILDCARD))))
        rules = load_rules(conn, ids_query) if fields is None or "rules" in fields else {}
        out = []
        for row in rows:
            item = self.standard_fields(row, tags)
            item.update({"shared": row.id in shared, "is_default": row.is_default,
                         "rules": rules.get(row.id, [])})
            out.append(item)
        return out

    def personalize(self, conn: Connection, ctx: Context, items: list[dict]) -> None:
        personalize_shared(conn, ctx, OBJECT_TYPE, items)

    # ---- writes ----------------------------------------------------------------
    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        policy_id = str(uuid.uuid4())
        row = self.new_row(ctx, body, policy_id)
        if row.get("is_default"):
            self._check_default(conn, row["project_id"], None)
        conn.execute(insert(POLICIES).values(**row))
        if body.get("shared"):
            grant_to_everyone(self, conn, ctx, row["project_id"], OBJECT_TYPE, policy_id)
        return policy_id

    @staticmethod
    def _check_default(conn: Connection, project_id: str, own_id: str | None) -> None:
        stmt = select(POLICIES.c.id).where(POLICIES.c.project_id == project_id,
                                           POLICIES.c.is_default.is_(True))
        if own_id is not None:
            stmt = stmt.where(POLICIES.c.id != own_id)
        if conn.execute(stmt.limit(1)).first():
            raise exc.QoSPolicyDefaultAlreadyExists(project_id=project_id)

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        if body.get("is_default") and not original["is_default"]:
            self._check_default(conn, original["project_id"], original["id"])
        if "shared" in body:
            self._set_shared(conn, ctx, original, body["shared"])
        self.update_columns(conn, original, body)

    def _set_shared(self, conn: Connection, ctx: Context, original: dict, shared: bool) -> None:
        policy_id = original["id"]
        wildcard = [p for p in rbac.policies(conn, OBJECT_TYPE, policy_id, SHARED)
                    if p.target_project == rbac.WILDCARD]
        if shared and not wildcard:
            grant_to_everyone(self, conn, ctx, original["project_id"], OBJECT_TYPE, policy_id)
        elif not shared and wildcard:
            rbac.check_access_kept(
                conn, RBAC_TYPE, policy_id, original["project_id"], SHARED, [rbac.WILDCARD], None,
                lambda details: exc.RbacPolicyInUse(object_id=policy_id, details=details))
            revoke(self, conn, ctx, wildcard)

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        policy_id = original["id"]
        for table, key, what in ((PORT_BINDINGS, "port_id", "port"),
                                 (NETWORK_BINDINGS, "network_id", "network"),
                                 (FIP_BINDINGS, "fip_id", "floatingip"),
                                 (ROUTER_GW_BINDINGS, "router_id", "router")):
            user = conn.scalar(select(table.c[key]).where(table.c.policy_id == policy_id)
                               .limit(1))
            if user is not None:
                raise exc.QosPolicyInUse(policy_id=policy_id, object_type=what, object_id=user)
        for table in RULE_TABLES.values():
            conn.execute(delete(table).where(table.c.qos_policy_id == policy_id))
        revoke(self, conn, ctx, rbac.policies(conn, OBJECT_TYPE, policy_id))
        super().remove(conn, ctx, original)

    def default_for(self, conn: Connection, project_id: str) -> str | None:
        """The project's default policy, if it has one."""
        return conn.scalar(select(POLICIES.c.id).where(POLICIES.c.project_id == project_id,
                                                       POLICIES.c.is_default.is_(True)))

    def lock(self, conn: Connection, policy_id: str) -> Any:
        """The policy's row, locked until the transaction ends (rule writes of one
        policy run one at a time, so that their conflict checks hold)."""
        return conn.execute(select(POLICIES).where(POLICIES.c.id == policy_id)
                            .with_for_update()).one()


RBAC_TYPE = rbac.ObjectType(
    name=OBJECT_TYPE, table=POLICIES, actions=(SHARED,), not_found=exc.QosPolicyNotFound,
    visible=visible_policies, relying_projects=_bound_projects, collection="qos/policies",
    owner_relies=True, update_keeps_new_target=False)
