"""Networks: segments from the type drivers, MTU, external / port-security flags,
VLAN transparency, availability zones; deletion with its service ports."""
from __future__ import annotations

import uuid
from typing import Any

import orjson
from sqlalchemy import Connection, Select, delete, exists, insert, select, update
from sqlalchemy.sql import ColumnElement

from neutrino import exceptions as exc
from neutrino.callbacks import Resource
from neutrino.context import Context
from neutrino.core.listing import column_filter
from neutrino.core.resource import TAGS, ResourcePlugin
from neutrino.db import journal
from neutrino.db.models.network import Network, NetworkSegment
from neutrino.db.models.port import Port
from neutrino.db.models.subnet import Subnet
from neutrino.ml2 import mechanism, types

NETWORKS = Network.__table__
SEGMENTS = NetworkSegment.__table__
SUBNETS = Subnet.__table__
PORTS = Port.__table__

# Ports the service creates for itself and removes with the network.
AUTO_DELETE_OWNERS = ("network:dhcp",)
PROVIDER_KEYS = ("provider:network_type", "provider:physical_network", "provider:segmentation_id")


class NetworkPlugin(ResourcePlugin):
    table = NETWORKS
    resource = Resource.NETWORK
    not_found = exc.NetworkNotFound
    quota_resource = "network"
    column_names = {"tenant_id": "project_id", "router:external": "router_external"}

    def __init__(self, db: Any, conf: Any) -> None:
        super().__init__(db, conf)
        self.type_drivers = types.load(conf)
        self.mech_drivers = mechanism.load(conf.ml2.mechanism_drivers)
        seg = SEGMENTS.c
        for key, col in zip(PROVIDER_KEYS, (seg.network_type, seg.physical_network,
                                            seg.segmentation_id)):
            self.filters[key] = self._segment_filter(col)
        self.filters["shared"] = lambda stmt, values: stmt if False in values else stmt.where(
            NETWORKS.c.id.is_(None))
        self.filters["router:external"] = column_filter(NETWORKS.c.router_external)

    @staticmethod
    def _segment_filter(col: Any):
        def apply(stmt: Select, values: list) -> Select:
            return stmt.where(exists().where(SEGMENTS.c.network_id == NETWORKS.c.id,
                                             col.in_(values)))
        return apply

    def visible_clause(self, ctx: Context) -> ColumnElement | None:
        if ctx.is_admin:
            return None
        return (NETWORKS.c.project_id == ctx.project_id) | NETWORKS.c.router_external

    # ---- rendering -------------------------------------------------------------
    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        tags = self.load_tags(conn, ids_query)
        segments: dict[str, list] = {}
        for seg in conn.execute(select(SEGMENTS).where(SEGMENTS.c.network_id.in_(ids_query))
                                .order_by(SEGMENTS.c.segment_index)):
            segments.setdefault(seg.network_id, []).append(seg)
        subnets: dict[str, list[str]] = {}
        for net_id, sub_id in conn.execute(select(SUBNETS.c.network_id, SUBNETS.c.id)
                                           .where(SUBNETS.c.network_id.in_(ids_query))
                                           .order_by(SUBNETS.c.created_at, SUBNETS.c.id)):
            subnets.setdefault(net_id, []).append(sub_id)
        default_azs = list(self.conf.default_availability_zones) or list(
            self.conf.availability_zones)
        out = []
        for row in rows:
            seg = segments.get(row.id, [None])[0]
            hints = orjson.loads(row.availability_zone_hints)
            net = self.standard_fields(row, tags)
            net.update({
                "admin_state_up": row.admin_state_up, "status": row.status,
                "subnets": subnets.get(row.id, []), "shared": False,
                "router:external": row.router_external, "mtu": row.mtu,
                "port_security_enabled": row.port_security_enabled,
                "vlan_transparent": row.vlan_transparent,
                "availability_zone_hints": hints,
                "availability_zones": hints or default_azs,
                "dns_domain": row.dns_domain,
                "provider:network_type": seg.network_type if seg else None,
                "provider:physical_network": seg.physical_network if seg else None,
                "provider:segmentation_id": seg.segmentation_id if seg else None,
            })
            out.append(net)
        return out

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
        conn.execute(insert(NETWORKS).values(
            **self.new_standard_row(ctx, body, net_id),
            admin_state_up=body.get("admin_state_up", True), status="ACTIVE",
            router_external=body.get("router:external", False), mtu=0,
            port_security_enabled=body.get("port_security_enabled", True),
            vlan_transparent=bool(body.get("vlan_transparent")),
            availability_zone_hints=orjson.dumps(body.get("availability_zone_hints", [])).decode(),
            dns_domain=body.get("dns_domain", ""),
        ))
        driver, segment = self._reserve_segment(conn, net_id, body)
        max_mtu = driver.mtu(self.conf)
        mtu = body.get("mtu")
        if mtu is not None and mtu > max_mtu:
            raise exc.InvalidInput(error_message=f"Requested MTU is too big, maximum is {max_mtu}")
        conn.execute(update(NETWORKS).where(NETWORKS.c.id == net_id).values(mtu=mtu or max_mtu))
        return net_id

    def _reserve_segment(self, conn: Connection, net_id: str,
                         body: dict) -> tuple[types.TypeDriver, types.Segment]:
        seg_id = str(uuid.uuid4())
        conn.execute(insert(SEGMENTS).values(id=seg_id, network_id=net_id, network_type="",
                                             segment_index=0))
        requested = {k: body[k] for k in PROVIDER_KEYS if k in body}
        if requested:
            net_type = requested.get("provider:network_type")
            if net_type is None:
                raise exc.InvalidInput(error_message="provider:network_type required")
            driver = self.type_drivers.get(net_type)
            if driver is None:
                raise exc.InvalidNetworkType(network_type=net_type,
                                             reason="network type is not enabled")
            segment = driver.validate(types.Segment(
                net_type, requested.get("provider:physical_network"),
                requested.get("provider:segmentation_id")))
            segment = driver.reserve(conn, segment, seg_id)
        else:
            for net_type in self.conf.ml2.tenant_network_types:
                driver = self.type_drivers[net_type]
                try:
                    segment = driver.reserve(conn, types.Segment(net_type, None, None), seg_id)
                    break
                except exc.NoNetworkAvailable:
                    continue
            else:
                raise exc.NoNetworkAvailable()
        conn.execute(update(SEGMENTS).where(SEGMENTS.c.id == seg_id).values(
            network_type=segment.network_type, physical_network=segment.physical_network,
            segmentation_id=segment.segmentation_id))
        return driver, segment

    # ---- update ----------------------------------------------------------------
    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        values: dict[str, Any] = {}
        for key in ("name", "description", "admin_state_up", "port_security_enabled",
                    "dns_domain"):
            if key in body:
                values[key] = body[key]
        if "router:external" in body:
            values["router_external"] = body["router:external"]
        if "mtu" in body:
            driver = self.type_drivers[original["provider:network_type"]]
            max_mtu = driver.mtu(self.conf)
            if body["mtu"] > max_mtu:
                raise exc.InvalidInput(
                    error_message=f"Requested MTU is too big, maximum is {max_mtu}")
            values["mtu"] = body["mtu"]
        if values:
            conn.execute(update(NETWORKS).where(NETWORKS.c.id == original["id"]).values(**values))

    # ---- delete ----------------------------------------------------------------
    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        net_id = original["id"]
        in_use = conn.execute(select(PORTS.c.id).where(
            PORTS.c.network_id == net_id, PORTS.c.device_owner.not_in(AUTO_DELETE_OWNERS))
            .limit(1)).first()
        if in_use:
            raise exc.NetworkInUse(net_id=net_id)
        auto_ports = conn.scalars(select(PORTS.c.id).where(PORTS.c.network_id == net_id)).all()
        subnet_ids = conn.scalars(select(SUBNETS.c.id).where(SUBNETS.c.network_id == net_id)).all()
        journal.append_many(conn, [("port", p, "delete", 0, {"id": p}) for p in auto_ports] +
                            [("subnet", s, "delete", 0, {"id": s}) for s in subnet_ids])
        conn.execute(delete(TAGS).where(TAGS.c.resource_id.in_([*auto_ports, *subnet_ids])))
        conn.execute(delete(PORTS).where(PORTS.c.network_id == net_id))
        conn.execute(delete(SUBNETS).where(SUBNETS.c.network_id == net_id))
        super().remove(conn, ctx, original)
