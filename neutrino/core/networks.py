"""Networks: segments from the type drivers, MTU, port security, VLAN transparency,
availability zones; deletion with its service ports.

Whether a network is shared or external is not stored on the network: the
``shared`` and ``router:external`` attributes are views of its RBAC policies
(see ``rbac.py``), and setting them creates or deletes wildcard policies.
"""
from __future__ import annotations

import uuid
from typing import Any

import orjson
from sqlalchemy import (
    Connection,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    insert,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.sql import ColumnElement

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core import addressing, rbac
from neutrino.core.resource import TAGS, ResourcePlugin
from neutrino.db.engine import utcnow
from neutrino.db.models.network import Network, NetworkSegment
from neutrino.db.models.port import Port
from neutrino.db.models.subnet import Subnet
from neutrino.ml2 import mechanism, types

NETWORKS = Network.__table__
SEGMENTS = NetworkSegment.__table__
SUBNETS = Subnet.__table__
PORTS = Port.__table__

POLICIES = rbac.POLICIES

# Ports the service creates for itself and removes with the network.
AUTO_DELETE_OWNERS = ("network:dhcp",)
ROUTER_GATEWAY = "network:router_gateway"
PROVIDER_KEYS = ("provider:network_type", "provider:physical_network", "provider:segmentation_id")
# The network segment ranges (network-segment-range), when that feature runs.
RANGES = "network_segment_ranges"
SHARED, EXTERNAL = rbac.ACCESS_SHARED, rbac.ACCESS_EXTERNAL


def visible_networks(ctx: Context) -> ColumnElement | None:
    """Networks the caller may see: its own, and those shared with it or external to it."""
    if ctx.sees_all_projects:
        return None
    return (NETWORKS.c.project_id == ctx.project_id) | rbac.granted(
        "network", NETWORKS.c.id, (SHARED, EXTERNAL), ctx.project_id)


def shared_with(ctx: Context) -> ColumnElement:
    """Networks shared with the caller's project, or with every project."""
    return rbac.granted("network", NETWORKS.c.id, (SHARED,), ctx.project_id)


# Built once: constructing a statement costs SQLAlchemy more than running it.
_CALLER = bindparam("project")
POLICY_VIEW = select(
    NETWORKS.c.id, NETWORKS.c.project_id,
    rbac.granted("network", NETWORKS.c.id, (SHARED,), _CALLER).label("shared"),
    rbac.any_policy("network", NETWORKS.c.id, EXTERNAL).label("external"),
).where(NETWORKS.c.id.in_(bindparam("ids", expanding=True)))
POLICY_VIEW_VISIBLE = POLICY_VIEW.where(
    (NETWORKS.c.project_id == _CALLER)
    | rbac.granted("network", NETWORKS.c.id, (SHARED, EXTERNAL), _CALLER))


NETWORK_FOR_PORT = select(NETWORKS.c.id, NETWORKS.c.project_id,
                          NETWORKS.c.port_security_enabled).where(
    NETWORKS.c.id == bindparam("network_id")).with_for_update(read=True)


def network_for_port(conn: Connection, ctx: Context, network_id: str) -> Any:
    """The network a new port of the caller goes on: its own, or one shared with it.

    An external network that is not shared takes router gateways and floating IPs,
    not ports of other projects: 403. A network the caller cannot see: 404.

    The network row is share-locked first: revoking a grant locks it for update
    before counting the ports that rely on the grant, so a port cannot slip in
    between that count and the revocation (PostgreSQL; SQLite serialises writers)."""
    row = conn.execute(NETWORK_FOR_PORT, {"network_id": network_id}).first()
    if row is None:
        raise exc.NetworkNotFound(id=network_id)
    if ctx.sees_all_projects or row.project_id == ctx.project_id:
        return row
    shared, external = conn.execute(select(
        rbac.granted("network", network_id, (SHARED,), ctx.project_id),
        rbac.granted("network", network_id, (EXTERNAL,), ctx.project_id))).one()
    if shared:
        return row
    if external:
        raise exc.PolicyNotAuthorized(
            f"(create_port) is disallowed by policy: network {network_id} is external and not "
            f"shared with project {ctx.project_id}")
    raise exc.NetworkNotFound(id=network_id)


def _relying_projects(conn: Connection, network_id: str, action: str) -> set[str]:
    """Projects with ports on the network; for external access, with router gateways."""
    stmt = select(PORTS.c.project_id).where(PORTS.c.network_id == network_id).distinct()
    if action == EXTERNAL:
        stmt = stmt.where(PORTS.c.device_owner == ROUTER_GATEWAY)
    return set(conn.scalars(stmt))


class NetworkPlugin(ResourcePlugin):
    table = NETWORKS
    not_found = exc.NetworkNotFound
    column_names = {"tenant_id": "project_id"}
    json_columns = frozenset({"availability_zone_hints"})
    handles = frozenset({"shared", "router:external", "segments", *PROVIDER_KEYS})

    def __init__(self, db: Any, conf: Any, registry: Any = None) -> None:
        super().__init__(db, conf, registry)
        self.type_drivers = types.load(conf)
        self.mech_drivers = mechanism.load(conf.ml2.mechanism_drivers)
        seg = SEGMENTS.c
        for key, col in zip(PROVIDER_KEYS, (seg.network_type, seg.physical_network,
                                            seg.segmentation_id)):
            self.filters[key] = self._segment_filter(col)
        external = rbac.any_policy("network", NETWORKS.c.id, EXTERNAL)
        self.filters["router:external"] = lambda stmt, values: (
            stmt if len(set(values)) > 1 else stmt.where(external if values[0] else ~external))

    @staticmethod
    def _segment_filter(col: Any):
        def apply(stmt: Select, values: list) -> Select:
            return stmt.where(exists().where(SEGMENTS.c.network_id == NETWORKS.c.id,
                                             col.in_(values)))
        return apply

    def visible_clause(self, ctx: Context) -> ColumnElement | None:
        return visible_networks(ctx)

    def apply_filter(self, ctx: Context, stmt: Select, name: str, values: list) -> Select:
        if name == "shared":  # as the caller sees it: shared with everyone or with it
            if len(set(values)) > 1:
                return stmt
            return stmt.where(shared_with(ctx) if values[0] else not_(shared_with(ctx)))
        return super().apply_filter(ctx, stmt, name, values)

    # ---- rendering -------------------------------------------------------------
    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        def wanted(*names: str) -> bool:
            return fields is None or any(n in fields for n in names)

        tags = self.load_tags(conn, ids_query) if wanted("tags") else {}
        segments: dict[str, list] = {}
        if wanted(*PROVIDER_KEYS, "segments"):
            for seg in conn.execute(select(SEGMENTS)
                                    .where(SEGMENTS.c.network_id.in_(ids_query))
                                    .order_by(SEGMENTS.c.segment_index)):
                segments.setdefault(seg.network_id, []).append(seg)
        shared: set[str] = set()
        external: set[str] = set()
        for net_id, action in conn.execute(
                select(POLICIES.c.object_id, POLICIES.c.action).where(
                    POLICIES.c.object_type == "network", POLICIES.c.object_id.in_(ids_query),
                    or_(POLICIES.c.action == EXTERNAL,
                        and_(POLICIES.c.action == SHARED,
                             POLICIES.c.target_project == rbac.WILDCARD)))):
            (external if action == EXTERNAL else shared).add(net_id)
        subnets: dict[str, list[str]] = {}
        if wanted("subnets"):
            for net_id, sub_id in conn.execute(select(SUBNETS.c.network_id, SUBNETS.c.id)
                                               .where(SUBNETS.c.network_id.in_(ids_query))
                                               .order_by(SUBNETS.c.created_at, SUBNETS.c.id)):
                subnets.setdefault(net_id, []).append(sub_id)
        default_azs = list(self.conf.default_availability_zones) or list(
            self.conf.availability_zones)
        out = []
        for row in rows:
            mine = segments.get(row.id, [])
            seg = mine[0] if mine else None
            net = self.columns_of_table_row(row)
            hints = net["availability_zone_hints"]
            net.update({
                "tags": tags.get(row.id, []),
                "subnets": subnets.get(row.id, []), "shared": row.id in shared,
                "router:external": row.id in external,
                "availability_zones": hints or default_azs,
                "provider:network_type": seg.network_type if seg else None,
                "provider:physical_network": seg.physical_network if seg else None,
                "provider:segmentation_id": seg.segmentation_id if seg else None,
            })
            if len(mine) > 1:  # multi-provider: the segments instead of provider:*
                for key in PROVIDER_KEYS:
                    del net[key]
                net["segments"] = [{"provider:network_type": s.network_type,
                                    "provider:physical_network": s.physical_network,
                                    "provider:segmentation_id": s.segmentation_id}
                                   for s in mine]
            out.append(net)
        return out

    def policy_view(self, conn: Connection, ctx: Context, ids: list[str],
                    fields: frozenset[str], visible_only: bool = False) -> list[dict]:
        """Owner, ``shared`` (as the caller sees it) and ``router:external`` in one
        prebuilt query: what rules read of a port's or subnet's network."""
        if not fields <= {"id", "project_id", "tenant_id", "shared", "router:external"}:
            return super().policy_view(conn, ctx, ids, fields, visible_only)
        stmt = POLICY_VIEW_VISIBLE if visible_only and not ctx.sees_all_projects else POLICY_VIEW
        return [{"id": r.id, "project_id": r.project_id, "tenant_id": r.project_id,
                 "shared": bool(r.shared), "router:external": bool(r.external)}
                for r in conn.execute(stmt, {"ids": ids, "project": ctx.project_id})]

    def personalize(self, conn: Connection, ctx: Context, items: list[dict]) -> None:
        """A network shared with the caller's project alone is ``shared`` to it too."""
        if not ctx.project_id or not any(item.get("shared") is False for item in items):
            return
        mine = set(conn.scalars(select(POLICIES.c.object_id).where(
            POLICIES.c.object_type == "network", POLICIES.c.action == SHARED,
            POLICIES.c.target_project == ctx.project_id)))
        for item in items:
            if item.get("shared") is False and item["id"] in mine:
                item["shared"] = True

    # ---- create ----------------------------------------------------------------
    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        net_id = str(uuid.uuid4())
        if body.get("vlan_transparent") and not any(
                d.supports_vlan_transparent for d in self.mech_drivers):
            raise exc.VlanTransparencyDriverError()
        unknown_azs = [az for az in body.get("availability_zone_hints", [])
                       if az not in self.conf.availability_zones]
        if unknown_azs:
            raise exc.AvailabilityZoneNotFound(availability_zone=unknown_azs[0])
        row = self.new_standard_row(ctx, body, net_id)
        conn.execute(insert(NETWORKS).values(
            **row,
            admin_state_up=body.get("admin_state_up", True), status="ACTIVE", mtu=0,
            port_security_enabled=body.get("port_security_enabled", True),
            vlan_transparent=bool(body.get("vlan_transparent")),
            availability_zone_hints=orjson.dumps(body.get("availability_zone_hints", [])).decode(),
            dns_domain=body.get("dns_domain", ""),
        ))
        self._reserve_segments(conn, ctx, row["project_id"], net_id, body)
        max_mtu = self.max_mtu(conn, net_id)
        mtu = body.get("mtu")
        if mtu is not None and mtu > max_mtu:
            raise exc.InvalidInput(error_message=f"Requested MTU is too big, maximum is {max_mtu}")
        conn.execute(update(NETWORKS).where(NETWORKS.c.id == net_id).values(mtu=mtu or max_mtu))
        for flag, action in (("shared", SHARED), ("router:external", EXTERNAL)):
            if body.get(flag):
                self._grant(conn, ctx, row["project_id"], net_id, action)
        return net_id

    def _reserve_segments(self, conn: Connection, ctx: Context, project_id: str, net_id: str,
                          body: dict) -> None:
        """The network's segments: those of ``segments`` (multi-provider) or of the
        provider:* attributes, or one of a tenant network type. Each is a segment
        resource created with the network (events, journal row)."""
        requested = {k: body[k] for k in PROVIDER_KEYS if k in body}
        several = body.get("segments")
        if several is not None and requested:
            raise exc.InvalidInput(error_message="Segments and provider values cannot both "
                                                 "be set.")
        if several is not None:
            if not several:
                raise exc.InvalidInput(error_message="segments: at least one segment is "
                                                     "required")
            keys = [tuple(s.get(k) for k in PROVIDER_KEYS) for s in several]
            if len(set(keys)) != len(keys):
                raise exc.SegmentsContainDuplicateEntry()
            wanted = [dict(zip(PROVIDER_KEYS, key)) for key in keys]
        else:
            wanted = [requested] if requested else [{}]
        ids = [self.add_segment(conn, net_id, project_id, types.Segment(
            w.get("provider:network_type"), w.get("provider:physical_network"),
            w.get("provider:segmentation_id")), index, tenant=not w)
            for index, w in enumerate(wanted)]
        if "segments" in self.registry.plugin_classes:
            self.registry.plugin("segments").created_with(conn, ctx, ids)

    def add_segment(self, conn: Connection, net_id: str, project_id: str,
                    requested: types.Segment, index: int, tenant: bool = False,
                    name: str | None = None, description: str | None = None) -> str:
        """Validate and reserve one segment of a network; store it; return its id.
        ``tenant``: of the first tenant network type with a free id."""
        seg_id = str(uuid.uuid4())
        now = utcnow()
        conn.execute(insert(SEGMENTS).values(
            id=seg_id, network_id=net_id, network_type="", segment_index=index,
            project_id=project_id, name=name, description=description, revision_number=0,
            created_at=now, updated_at=now))
        if not tenant:
            net_type = requested.network_type
            if net_type is None:
                raise exc.InvalidInput(error_message="provider:network_type required")
            driver = self.type_drivers.get(net_type)
            if driver is None:
                raise exc.InvalidNetworkType(network_type=net_type,
                                             reason="network type is not enabled")
            checked = driver.validate(requested)
            segment = driver.reserve(conn, checked, seg_id,
                                     self.tenant_pools(conn, checked, project_id))
        else:
            for net_type in self.conf.ml2.tenant_network_types:
                tenant = types.Segment(net_type, None, None)
                try:
                    segment = self.type_drivers[net_type].reserve(
                        conn, tenant, seg_id, self.tenant_pools(conn, tenant, project_id))
                    break
                except exc.NoNetworkAvailable:
                    continue
            else:
                raise exc.NoNetworkAvailable()
        conn.execute(update(SEGMENTS).where(SEGMENTS.c.id == seg_id).values(
            network_type=segment.network_type, physical_network=segment.physical_network,
            segmentation_id=segment.segmentation_id))
        return seg_id

    def tenant_pools(self, conn: Connection, segment: types.Segment,
                     project_id: str) -> list[list[types.Span]] | None:
        """Where a segment of the project's network without a segmentation id gets
        one: the network segment ranges' pools, or (None) the configured ranges (or
        no id to allocate at all)."""
        if (RANGES not in self.registry.plugin_classes or segment.segmentation_id is not None
                or not self.type_drivers[segment.network_type].max_id):
            return None
        return self.registry.plugin(RANGES).pools(conn, segment.network_type, project_id)

    def max_mtu(self, conn: Connection, net_id: str) -> int:
        """The largest MTU every segment of the network carries."""
        kinds = set(conn.scalars(select(SEGMENTS.c.network_type).where(
            SEGMENTS.c.network_id == net_id)))
        return min((self.type_drivers[k].mtu(self.conf) for k in kinds if k in self.type_drivers),
                   default=self.conf.global_physnet_mtu)

    # ---- update ----------------------------------------------------------------
    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        if "shared" in body:
            self._set_shared(conn, ctx, original, body["shared"])
        if "router:external" in body:
            self._set_external(conn, ctx, original, body["router:external"])
        if "mtu" in body:
            max_mtu = self.max_mtu(conn, original["id"])
            if body["mtu"] > max_mtu:
                raise exc.InvalidInput(
                    error_message=f"Requested MTU is too big, maximum is {max_mtu}")
            mtu = body["mtu"] or max_mtu  # 0: the largest the segment allows
            versions = set(conn.scalars(select(SUBNETS.c.ip_version).where(
                SUBNETS.c.network_id == original["id"]).distinct()))
            addressing.check_mtu_fits(original["id"], mtu, versions)
            body = {**body, "mtu": mtu}
        self.update_columns(conn, original, body)

    def _grant(self, conn: Connection, ctx: Context, owner: str, net_id: str,
               action: str) -> None:
        """A wildcard policy made by the network's own flags: an RBAC policy created
        like any other (events, journal row)."""
        policy_id = rbac.add(conn, owner, "network", net_id, action, rbac.WILDCARD)
        self.registry.plugin("rbac-policies").created_with(conn, ctx, [policy_id])

    def _revoke(self, conn: Connection, ctx: Context, rows: list) -> None:
        if rows:
            rbac.remove(conn, rows)
            self.registry.plugin("rbac-policies").deleted_with(
                conn, ctx, [rbac.render(r) for r in rows])

    def _set_shared(self, conn: Connection, ctx: Context, original: dict, shared: bool) -> None:
        """shared=true adds the wildcard access_as_shared policy, false removes it (409
        while projects that only it lets in have ports on the network)."""
        net_id = original["id"]
        wildcard = [p for p in rbac.policies(conn, "network", net_id, SHARED)
                    if p.target_project == rbac.WILDCARD]
        if shared and not wildcard:
            self._grant(conn, ctx, original["project_id"], net_id, SHARED)
        elif not shared and wildcard:
            rbac.check_access_kept(conn, NETWORK_TYPE, net_id, original["project_id"], SHARED,
                                   [rbac.WILDCARD], None,
                                   lambda details: exc.InvalidSharedSetting(network=net_id))
            self._revoke(conn, ctx, wildcard)

    def _set_external(self, conn: Connection, ctx: Context, original: dict,
                      external: bool) -> None:
        """router:external=true adds the wildcard access_as_external policy (unless the
        network is external already, to some projects); false removes every
        access_as_external policy, refused while routers have gateways on it."""
        net_id = original["id"]
        policies = rbac.policies(conn, "network", net_id, EXTERNAL)
        if external and not policies:
            self._grant(conn, ctx, original["project_id"], net_id, EXTERNAL)
        elif not external and policies:
            if conn.execute(select(PORTS.c.id).where(PORTS.c.network_id == net_id,
                                                     PORTS.c.device_owner == ROUTER_GATEWAY)
                            .limit(1)).first():
                raise exc.ExternalNetworkInUse(net_id=net_id)
            self._revoke(conn, ctx, policies)

    # ---- delete ----------------------------------------------------------------
    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        net_id = original["id"]
        in_use = conn.scalars(select(PORTS.c.id).where(
            PORTS.c.network_id == net_id, PORTS.c.device_owner.not_in(AUTO_DELETE_OWNERS))
            .order_by(PORTS.c.id)).all()
        if in_use:
            raise exc.NetworkInUse(net_id=net_id, ports=",".join(in_use))
        auto_ports = conn.scalars(select(PORTS.c.id).where(PORTS.c.network_id == net_id)).all()
        subnet_ids = conn.scalars(select(SUBNETS.c.id).where(SUBNETS.c.network_id == net_id)).all()
        # They go with the network: rendered first, for their events and journal rows.
        ports, subnets = self.registry.plugin("ports"), self.registry.plugin("subnets")
        gone_ports, gone_subnets = ports.load_ids(conn, auto_ports), subnets.load_ids(conn, subnet_ids)
        conn.execute(delete(TAGS).where(TAGS.c.resource_id.in_([*auto_ports, *subnet_ids])))
        conn.execute(delete(PORTS).where(PORTS.c.network_id == net_id))
        conn.execute(delete(SUBNETS).where(SUBNETS.c.network_id == net_id))
        ports.deleted_with(conn, ctx, gone_ports)
        subnets.deleted_with(conn, ctx, gone_subnets)
        self._revoke(conn, ctx, rbac.policies(conn, "network", net_id))
        super().remove(conn, ctx, original)


NETWORK_TYPE = rbac.ObjectType(
    name="network", table=NETWORKS, actions=(SHARED, EXTERNAL), not_found=exc.NetworkNotFound,
    visible=visible_networks, relying_projects=_relying_projects, collection="networks")
