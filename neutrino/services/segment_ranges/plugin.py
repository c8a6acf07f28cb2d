"""Network segment ranges (``/v2.0/network_segment_ranges``): which VLAN ids and
tunnel VNIs tenant networks are allocated from.

The type drivers' configured ranges (``network_vlan_ranges``, ``vni_ranges``) are the
``default`` ranges: shared and read only. Allocation takes them from the
configuration; their rows, which list, show and protect them, are written from it by
each server process before its first read of ranges (``sync_defaults``: their ids
are derived from what they are, so they stay the same across restarts and workers).
An admin adds ranges of a project (``shared`` false) or shared ones. A network of a
project without a segmentation id of its own gets one from the project's ranges
first, then from the shared ones, leaving out the ids of other projects' ranges
(``pools``).

``available`` and ``used`` are computed from the allocations and segments when a
range is rendered (three queries for a whole list).
"""
from __future__ import annotations

import uuid
from collections import defaultdict
from typing import Any

from sqlalchemy import Connection, Select, delete, func, insert, select

from neutrino import exceptions as exc
from neutrino.context import Context
from neutrino.core.listing import ListQuery
from neutrino.core.resource import Authorize, ResourcePlugin
from neutrino.db.engine import utcnow
from neutrino.db.models.network import NetworkSegment, SegmentAllocation
from neutrino.ml2 import types
from neutrino.services.segment_ranges import exceptions as rexc
from neutrino.services.segment_ranges.models import NetworkSegmentRange

RANGES = NetworkSegmentRange.__table__
SEGMENTS = NetworkSegment.__table__
ALLOCATIONS = SegmentAllocation.__table__
VLAN = "vlan"
# Default ranges are named by what they are: the same id at every start.
DEFAULT_NAMESPACE = uuid.UUID("6f1f3d4e-4c38-4b8e-9d0c-2b8e5a7c1d90")


def _in_range(column: Any, row: Any) -> Any:
    return column.between(row["minimum"], row["maximum"])


def _physnet_is(column: Any, physnet: str | None) -> Any:
    return column.is_(None) if physnet is None else column == physnet


def merged(spans: list[types.Span]) -> list[types.Span]:
    """The same ids as disjoint spans, in order."""
    out: list[types.Span] = []
    for physnet, lo, hi in sorted(spans):
        if out and out[-1][0] == physnet and lo <= out[-1][2] + 1:
            out[-1] = (physnet, out[-1][1], max(out[-1][2], hi))
        else:
            out.append((physnet, lo, hi))
    return out


def without(spans: list[types.Span], holes: list[types.Span]) -> list[types.Span]:
    """The ids of ``spans`` (disjoint) that no span of ``holes`` holds."""
    out = []
    for physnet, lo, hi in spans:
        for hole_net, hole_lo, hole_hi in merged(holes):
            if hole_net != physnet or hole_hi < lo or hole_lo > hi:
                continue
            if hole_lo > lo:
                out.append((physnet, lo, hole_lo - 1))
            lo = hole_hi + 1
        if lo <= hi:
            out.append((physnet, lo, hi))
    return out


class NetworkSegmentRangePlugin(ResourcePlugin):
    table = RANGES
    not_found = rexc.NetworkSegmentRangeNotFound
    column_names = {"default": "is_default"}
    handles = frozenset({"project_id"})  # null when shared, else the caller's by default

    # The default rows were written from the configuration by this process.
    defaults_synced = False

    @property
    def type_drivers(self) -> dict[str, types.TypeDriver]:
        return self.registry.plugin("networks").type_drivers

    # ---- every call reads the default ranges as configured ---------------------
    def list(self, ctx: Context, query: ListQuery) -> list[dict]:
        self.sync_defaults()
        return super().list(ctx, query)

    def get(self, ctx: Context, id: str, fields: list[str] | None = None) -> dict:
        self.sync_defaults()
        return super().get(ctx, id, fields)

    def update(self, ctx: Context, id: str, body: dict, if_revision: int | None = None,
               authorize: Authorize | None = None) -> dict:
        self.sync_defaults()
        return super().update(ctx, id, body, if_revision, authorize)

    def delete(self, ctx: Context, id: str, if_revision: int | None = None,
               authorize: Authorize | None = None) -> None:
        self.sync_defaults()
        super().delete(ctx, id, if_revision, authorize)

    # ---- rendering -------------------------------------------------------------
    def load(self, conn: Connection, ids_query: Select, rows: list,
             fields: frozenset[str] | None) -> list[dict]:
        def wanted(name: str) -> bool:
            return fields is None or name in fields

        tags = self.load_tags(conn, ids_query) if wanted("tags") else {}
        kinds = sorted({row.network_type for row in rows})
        taken: dict[tuple, set[int]] = defaultdict(set)
        owners: dict[tuple, dict[int, str]] = defaultdict(dict)
        if kinds and wanted("available"):
            for kind, physnet, seg_id in conn.execute(
                    select(ALLOCATIONS.c.network_type, ALLOCATIONS.c.physical_network,
                           ALLOCATIONS.c.segmentation_id)
                    .where(ALLOCATIONS.c.network_type.in_(kinds))):
                taken[(kind, physnet or None)].add(seg_id)
        if kinds and wanted("used"):
            for kind, physnet, seg_id, project in conn.execute(
                    select(SEGMENTS.c.network_type, SEGMENTS.c.physical_network,
                           SEGMENTS.c.segmentation_id, SEGMENTS.c.project_id)
                    .where(SEGMENTS.c.network_type.in_(kinds),
                           SEGMENTS.c.segmentation_id.is_not(None))):
                owners[(kind, physnet)][seg_id] = project
        out = []
        for row in rows:
            item = self.columns_of_table_row(row)
            key, lo, hi = (row.network_type, row.physical_network), row.minimum, row.maximum
            item["project_id"] = row.project_id
            item["tags"] = tags.get(row.id, [])
            if wanted("available"):
                item["available"] = [i for i in range(lo, hi + 1) if i not in taken[key]]
            if wanted("used"):
                item["used"] = {str(i): p for i, p in sorted(owners[key].items())
                                if lo <= i <= hi}
            out.append(item)
        return out

    # ---- writing ---------------------------------------------------------------
    def insert(self, conn: Connection, ctx: Context, body: dict) -> str:
        kind = body["network_type"]
        driver = self.type_drivers.get(kind)
        if driver is None or not driver.max_id:  # GRE, or a type not enabled
            raise rexc.NetworkSegmentRangeNetTypeNotSupported(type=kind)
        physnet = body.get("physical_network") if kind == VLAN else None
        if kind == VLAN and physnet is None:
            raise exc.BadRequest(
                resource="network_segment_range",
                msg="Network type vlan requires 'physical_network' to be specified while "
                    "creating new range")
        wanted = {"network_type": kind, "physical_network": physnet,
                  "minimum": body["minimum"], "maximum": body["maximum"]}
        self._check_range(conn, wanted)
        range_id = str(uuid.uuid4())
        row = self.new_row(ctx, body, range_id)
        row.update(physical_network=physnet, is_default=False,
                   project_id=None if body["shared"] else body.get("project_id") or ctx.project_id)
        conn.execute(insert(RANGES).values(**row))
        return range_id

    def apply_update(self, conn: Connection, ctx: Context, original: dict, body: dict) -> None:
        if original["default"]:
            raise rexc.NetworkSegmentRangeDefaultReadOnly(range_id=original["id"])
        wanted = {**original, **{k: body[k] for k in ("minimum", "maximum") if k in body}}
        lowest, highest = self._segments_in(conn, original)
        if lowest is not None and (wanted["minimum"] > lowest or wanted["maximum"] < highest):
            raise rexc.NetworkSegmentRangeReferencedByProject(range_id=original["id"])
        self._check_range(conn, wanted, original["id"])
        self.update_columns(conn, original, body)

    def remove(self, conn: Connection, ctx: Context, original: dict) -> None:
        if original["default"]:
            raise rexc.NetworkSegmentRangeDefaultReadOnly(range_id=original["id"])
        if self._segments_in(conn, original)[0] is not None:
            raise rexc.NetworkSegmentRangeReferencedByProject(range_id=original["id"])
        super().remove(conn, ctx, original)

    def _check_range(self, conn: Connection, wanted: dict, range_id: str | None = None) -> None:
        """The ids are of the type, in order, and overlap no other range of the type
        that is not a default one (as Neutron checks them)."""
        kind, lo, hi = wanted["network_type"], wanted["minimum"], wanted["maximum"]
        top = self.type_drivers[kind].max_id
        shown = f"{lo}:{hi}"
        if kind == VLAN:
            for tag in (lo, hi):
                if not 1 <= tag <= top:
                    raise rexc.NetworkVlanRangeError(vlan_range=shown,
                                                     error=f"{tag} is not a valid VLAN tag")
            if hi < lo:
                raise rexc.NetworkVlanRangeError(
                    vlan_range=shown, error="End of VLAN range is less than start of VLAN range")
        else:
            for ident in (lo, hi):
                if not 1 <= ident <= top:
                    raise rexc.NetworkTunnelRangeError(
                        tunnel_range=shown, error=f"{ident} is not a valid {kind} identifier")
            if hi < lo:
                raise rexc.NetworkTunnelRangeError(
                    tunnel_range=shown,
                    error="End of tunnel range is less than start of tunnel range")
        overlapping = conn.scalars(select(RANGES.c.id).where(
            RANGES.c.network_type == kind, RANGES.c.is_default.is_(False),
            _physnet_is(RANGES.c.physical_network, wanted["physical_network"]),
            RANGES.c.minimum <= hi, RANGES.c.maximum >= lo,
            RANGES.c.id != (range_id or "")).order_by(RANGES.c.id)).all()
        if overlapping:
            raise rexc.NetworkSegmentRangeOverlaps(range_id=", ".join(overlapping))

    @staticmethod
    def _segments_in(conn: Connection, row: dict) -> tuple[int | None, int | None]:
        """The lowest and highest segmentation id of the segments in the range."""
        return tuple(conn.execute(select(
            func.min(SEGMENTS.c.segmentation_id), func.max(SEGMENTS.c.segmentation_id)).where(
            SEGMENTS.c.network_type == row["network_type"],
            _physnet_is(SEGMENTS.c.physical_network, row["physical_network"]),
            _in_range(SEGMENTS.c.segmentation_id, row))).one())

    # ---- what tenant networks are allocated from -------------------------------
    def pools(self, conn: Connection, network_type: str,
              project_id: str) -> list[list[types.Span]]:
        """The project's ranges of the type, then the shared ones (the configured
        ranges among them) without the ids of other projects' ranges."""
        own, others = [], []
        shared = list(self.type_drivers[network_type].tenant_ranges())
        for row in conn.execute(select(RANGES.c.project_id, RANGES.c.shared,
                                       RANGES.c.physical_network, RANGES.c.minimum,
                                       RANGES.c.maximum)
                                .where(RANGES.c.network_type == network_type,
                                       RANGES.c.is_default.is_(False))):
            span = (row.physical_network or "", row.minimum, row.maximum)
            if row.shared:
                shared.append(span)
            else:
                (own if row.project_id == project_id else others).append(span)
        return [merged(own), without(merged(shared), others)]

    def sync_defaults(self) -> None:
        """Make the default rows those of the configuration, once per process (before
        its first read: the schema may still be migrating while the application is
        built). Racing processes write the same rows; the loser's retry finds them."""
        if self.defaults_synced:
            return
        wanted = {}
        for kind, driver in self.type_drivers.items():
            for physnet, lo, hi in driver.tenant_ranges():
                physical_network = physnet if kind == VLAN else None
                key = f"{kind}:{physical_network or ''}:{lo}:{hi}"
                wanted[str(uuid.uuid5(DEFAULT_NAMESPACE, key))] = {
                    "network_type": kind, "physical_network": physical_network,
                    "minimum": lo, "maximum": hi}

        def txn(conn: Connection) -> None:
            present = set(conn.scalars(select(RANGES.c.id).where(RANGES.c.is_default.is_(True))))
            gone = present - set(wanted)
            if gone:
                conn.execute(delete(RANGES).where(RANGES.c.id.in_(sorted(gone))))
            now = utcnow()
            for range_id in sorted(set(wanted) - present):
                conn.execute(insert(RANGES).values(
                    id=range_id, project_id=None, name="", description="", revision_number=0,
                    created_at=now, updated_at=now, is_default=True, shared=True,
                    **wanted[range_id]))

        self.db.write(txn)
        self.defaults_synced = True
