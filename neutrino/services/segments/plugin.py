"""Segments (``/v2.0/segments``): a network's segments as a resource of their own,
and subnets on a segment.

A network's segments are made with it (``NetworkPlugin.add_segment``: the type
drivers validate and reserve them); here more are added to a network or removed
from it. Adding or removing one changes how the network renders (provider:* or
``segments``), so the network counts it as a change of its own (revision, journal
row: agents see the new segments). A segment that subnets are on, or that bound
ports use, cannot go; nor can a network's last one (the network would carry no
traffic at all).
"""
from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Select, delete, func, select

from neutrino.context import Context
from neutrino.core.extenders import AttributeExtender
from neutrino.core.resource import ResourcePlugin
from neutrino.db.models.network import NetworkSegment, SegmentAllocation
from neutrino.db.models.port import InactivePortBinding, Port
from neutrino.db.models.subnet import Subnet
from neutrino.ml2 import types
from neutrino.services.segments import exceptions as sexc

SEGMENTS = NetworkSegment.__table__
ALLOCATIONS = SegmentAllocation.__table__
SUBNETS = Subnet.__table__
PORTS = Port.__table__
INACTIVE = InactivePortBinding.__table__


class SegmentPlugin(ResourcePlugin):
    table = SEGMENTS
    not_found = sexc.SegmentNotFound

    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        tags = self.load_tags(conn, ids_query) if fields is None or "tags" in fields else {}
        out = []
        for row in rows:
            item = self.columns_of_table_row(row)
            item["tags"] = tags.get(row.id, [])
            out.append(item)
        return out

    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        networks = self.registry.plugin("networks")
        network = networks.get_in(conn, ctx, body["network_id"], for_update=True)
        index = conn.execute(select(func.max(SEGMENTS.c.segment_index)).where(
            SEGMENTS.c.network_id == network["id"])).scalar()
        seg_id = networks.add_segment(
            conn, network["id"], network["project_id"],
            types.Segment(body["network_type"], body.get("physical_network"),
                          body.get("segmentation_id")),
            (index or 0) + 1, name=body.get("name"), description=body.get("description"))
        networks.touch(conn, ctx, [network["id"]])
        return seg_id

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        self.update_columns(conn, original, body)

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        seg_id, net_id = original["id"], original["network_id"]
        subnets = conn.scalars(select(SUBNETS.c.id).where(SUBNETS.c.segment_id == seg_id)
                               .order_by(SUBNETS.c.id)).all()
        if subnets:
            raise sexc.SegmentInUse(segment_id=seg_id,
                                    reason=f"subnets {', '.join(subnets)} are on it")
        ports = sorted({*conn.scalars(select(PORTS.c.id).where(
            PORTS.c.binding_segment_id == seg_id)), *conn.scalars(select(INACTIVE.c.port_id)
                                                                 .where(INACTIVE.c.segment_id == seg_id))})
        if ports:
            raise sexc.SegmentInUse(segment_id=seg_id,
                                    reason=f"ports {', '.join(ports)} are bound to it")
        others = conn.execute(select(func.count()).select_from(SEGMENTS).where(
            SEGMENTS.c.network_id == net_id, SEGMENTS.c.id != seg_id)).scalar()
        if not others:
            raise sexc.SegmentInUse(segment_id=seg_id,
                                    reason=f"it is the only segment of network {net_id}")
        conn.execute(delete(ALLOCATIONS).where(ALLOCATIONS.c.segment_id == seg_id))
        super().remove(conn, ctx, original)
        self.registry.plugin("networks").touch(conn, ctx, [net_id])

    def gone_with_network(self, conn: Connection, ctx: Context, network_id: str) -> None:
        """The segments of a network being deleted go with it (events, journal rows)."""
        ids = list(conn.scalars(select(SEGMENTS.c.id).where(SEGMENTS.c.network_id == network_id)))
        self.deleted_with(conn, ctx, self.load_ids(conn, ids))


def delete_with_network(registry: Any):
    def callback(resource, event, trigger, payload) -> None:
        registry.plugin("segments").gone_with_network(payload.connection, payload.context,
                                                      payload.resource_id)
    return callback


class SubnetSegment(AttributeExtender):
    """``segment_id`` of subnets: set on create, on a segment of the subnet's network;
    every subnet of a network is on a segment, or none is (routed networks). An update
    sets it only where that rule cannot break (``update``)."""

    collection = "subnets"
    attributes = ("segment_id",)
    alias = "segment"

    def load(self, conn: Connection, ids_query: Select, items: list[dict]) -> None:
        by_id = dict(conn.execute(select(SUBNETS.c.id, SUBNETS.c.segment_id)
                                  .where(SUBNETS.c.id.in_(ids_query))).all())
        self.values(items, "segment_id", by_id, None)

    def sort_keys(self) -> dict[str, Any]:
        return {"segment_id": SUBNETS.c.segment_id}

    def create(self, conn: Connection, ctx: Context, items: list[dict],
               bodies: list[dict]) -> None:
        networks = set()
        for item, body in zip(items, bodies):
            seg_id = body.get("segment_id")
            item["segment_id"] = seg_id
            networks.add(item["network_id"])
            if seg_id is not None:
                self._put_on(conn, item, seg_id)
        for net_id in sorted(networks):
            self._all_or_none(conn, net_id)

    def update(self, conn: Connection, ctx: Context, original: dict, changes: dict) -> None:
        """subnet-segmentid-writable, as Neutron allows it: the only subnet of a network
        of one segment, on no segment yet, goes on that segment."""
        seg_id, net_id = changes["segment_id"], original["network_id"]
        if seg_id == original["segment_id"]:
            return
        on = conn.scalars(select(SUBNETS.c.segment_id).where(SUBNETS.c.network_id == net_id)).all()
        if len(on) > 1:
            raise sexc.SubnetsNotAllAssociatedWithSegments(network_id=net_id)
        if original["segment_id"] is not None:
            raise sexc.SubnetSegmentAssociationChangeNotAllowed()
        segments = conn.execute(select(func.count()).select_from(SEGMENTS).where(
            SEGMENTS.c.network_id == net_id)).scalar()
        if segments > 1:
            raise sexc.NoUpdateSubnetWhenMultipleSegmentsOnNetwork(network_id=net_id)
        self._put_on(conn, original, seg_id)

    @staticmethod
    def _put_on(conn: Connection, subnet: dict, seg_id: str) -> None:
        """Store the subnet's segment: one of the subnet's network."""
        segment = conn.execute(select(SEGMENTS.c.network_id).where(
            SEGMENTS.c.id == seg_id)).first()
        if segment is None:
            raise sexc.SegmentNotFound(id=seg_id)
        if segment.network_id != subnet["network_id"]:
            raise sexc.NetworkIdsDontMatch(subnet_network=subnet["network_id"],
                                           segment_id=seg_id)
        conn.execute(SUBNETS.update().where(SUBNETS.c.id == subnet["id"])
                     .values(segment_id=seg_id))

    @staticmethod
    def _all_or_none(conn: Connection, net_id: str) -> None:
        on = set(conn.scalars(select(SUBNETS.c.segment_id).where(
            SUBNETS.c.network_id == net_id).distinct()))
        if None in on and len(on) > 1:
            raise sexc.SubnetsNotAllAssociatedWithSegments(network_id=net_id)
