"""Type drivers: validate provider segments and allocate segmentation ids.

Allocations live in ``segment_allocations`` whose unique key makes the
database the arbiter between racing requests: a specific id is checked first
(a clear 409), a tenant id is picked at random among free ones and a lost race
is retried by the transaction layer.

A tenant id comes from the first of a list of pools that has a free one; a pool
is a list of spans (physical network, first id, last id). Without network segment
ranges the one pool is the configured ranges; with them (``network-segment-range``)
the project's own ranges, then the shared ones.
"""
from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, insert, select

from neutrino import exceptions as exc
from neutrino.db.models.network import SegmentAllocation

ALLOC = SegmentAllocation.__table__
MAX_VLAN = 4094
MAX_VNI = 2**24 - 1
IPV4_HEADER = 20
VXLAN_OVERHEAD = 30

# Segmentation ids first..last of a physical network ("" for tunnels).
Span = tuple[str, int, int]


@dataclass(frozen=True)
class Segment:
    network_type: str
    physical_network: str | None
    segmentation_id: int | None


def _parse_ranges(entries: list[str], maximum: int) -> list[tuple[int, int]]:
    ranges = []
    for entry in entries:
        lo, hi = (int(x) for x in entry.split(":"))
        if not 1 <= lo <= hi <= maximum:
            raise ValueError(f"bad range {entry!r} (1..{maximum})")
        ranges.append((lo, hi))
    return ranges


class TypeDriver:
    network_type: str

    def validate(self, seg: Segment) -> Segment:
        raise NotImplementedError

    def mtu(self, conf: Any) -> int:
        raise NotImplementedError

    # The largest segmentation id of the type (0: the type has none, flat).
    max_id = 0

    def tenant_ranges(self) -> list[Span]:
        """The configured ranges tenant networks are allocated from."""
        return []

    def reserve(self, conn: Connection, seg: Segment, segment_id: str,
                pools: Sequence[list[Span]] | None = None) -> Segment:
        """Reserve a validated segment: the given id, or a free one from the first of
        ``pools`` (default: the configured ranges) that has one (on the segment's
        physical network, when it names one)."""
        physnet = seg.physical_network or ""
        if seg.segmentation_id is None and self.network_type != "flat":
            for pool in (pools if pools is not None else [self.tenant_ranges()]):
                spans = [s for s in pool if not physnet or s[0] == physnet]
                found = self._allocate(conn, spans, segment_id)
                if found is not None:
                    return found
            raise exc.NoNetworkAvailable()
        seg_id = seg.segmentation_id or 0
        taken = conn.execute(select(ALLOC.c.id).where(
            ALLOC.c.network_type == self.network_type, ALLOC.c.physical_network == physnet,
            ALLOC.c.segmentation_id == seg_id)).first()
        if taken:
            if self.network_type == "flat":
                raise exc.FlatNetworkInUse(physical_network=physnet)
            raise exc.SegmentationIdInUse(network_type=self.network_type, segmentation_id=seg_id,
                                          physical_network=physnet or "None")
        conn.execute(insert(ALLOC).values(network_type=self.network_type, physical_network=physnet,
                                          segmentation_id=seg_id, segment_id=segment_id))
        return seg

    def _allocate(self, conn: Connection, spans: list[Span], segment_id: str) -> Segment | None:
        """A free id of ``spans`` (disjoint), reserved; None when every one is taken."""
        total = sum(hi - lo + 1 for _p, lo, hi in spans)
        if not total:
            return None
        used = set(conn.execute(select(ALLOC.c.physical_network, ALLOC.c.segmentation_id)
                                .where(ALLOC.c.network_type == self.network_type)).tuples())
        taken = sum(1 for p, i in used if any(p == sp and lo <= i <= hi for sp, lo, hi in spans))
        if taken >= total:
            return None
        # Random start, then the first free id from there: racing workers rarely collide.
        start = random.randrange(total)
        for k in range(total):
            physnet, candidate = _nth(spans, (start + k) % total)
            if (physnet, candidate) not in used:
                conn.execute(insert(ALLOC).values(
                    network_type=self.network_type, physical_network=physnet,
                    segmentation_id=candidate, segment_id=segment_id))
                return Segment(self.network_type, physnet or None, candidate)
        return None


def _nth(spans: list[Span], pos: int) -> tuple[str, int]:
    for physnet, lo, hi in spans:
        if pos <= hi - lo:
            return physnet, lo + pos
        pos -= hi - lo + 1
    raise IndexError(pos)


class FlatDriver(TypeDriver):
    network_type = "flat"

    def __init__(self, conf: Any) -> None:
        self.physnets = list(conf.ml2_type_flat.flat_networks)

    def validate(self, seg: Segment) -> Segment:
        if not seg.physical_network:
            raise exc.InvalidInput(error_message="physical_network required for flat provider network")
        if "*" not in self.physnets and seg.physical_network not in self.physnets:
            raise exc.InvalidInput(error_message=f"physical_network '{seg.physical_network}' "
                                                 "unknown for flat provider network")
        if seg.segmentation_id:
            raise exc.InvalidInput(error_message="segmentation_id prohibited for flat provider network")
        return Segment("flat", seg.physical_network, None)

    def mtu(self, conf: Any) -> int:
        return conf.global_physnet_mtu


class VlanDriver(TypeDriver):
    network_type = "vlan"
    max_id = MAX_VLAN

    def __init__(self, conf: Any) -> None:
        self.ranges: dict[str, list[tuple[int, int]]] = {}
        for entry in conf.ml2_type_vlan.network_vlan_ranges:
            physnet, _, rng = entry.partition(":")
            self.ranges.setdefault(physnet, [])
            if rng:
                self.ranges[physnet] += _parse_ranges([rng], MAX_VLAN)

    def tenant_ranges(self) -> list[Span]:
        return [(p, lo, hi) for p, ranges in self.ranges.items() for lo, hi in ranges]

    def validate(self, seg: Segment) -> Segment:
        """A VLAN segment without a physical network is a tenant one (any physical
        network with a free id: the allocation picks)."""
        physnet = seg.physical_network
        if not physnet:
            if seg.segmentation_id is not None:
                raise exc.InvalidInput(
                    error_message="physical_network required for VLAN provider network")
        elif physnet not in self.ranges:
            raise exc.InvalidInput(error_message=f"physical_network '{physnet}' unknown for VLAN "
                                                 "provider network")
        if seg.segmentation_id is not None and not 1 <= seg.segmentation_id <= MAX_VLAN:
            raise exc.InvalidInput(error_message=f"segmentation_id out of range (1 through "
                                                 f"{MAX_VLAN})")
        return Segment("vlan", physnet, seg.segmentation_id)

    def mtu(self, conf: Any) -> int:
        return conf.global_physnet_mtu


class TunnelDriver(TypeDriver):
    group: str
    overhead: int
    max_id = MAX_VNI

    def __init__(self, conf: Any) -> None:
        self.ranges = _parse_ranges(list(getattr(conf, self.group).vni_ranges), MAX_VNI)

    def tenant_ranges(self) -> list[Span]:
        return [("", lo, hi) for lo, hi in self.ranges]

    def validate(self, seg: Segment) -> Segment:
        if seg.physical_network:
            raise exc.InvalidInput(error_message=f"provider:physical_network specified for "
                                                 f"{self.network_type} network")
        if seg.segmentation_id is not None and not 1 <= seg.segmentation_id <= MAX_VNI:
            raise exc.InvalidInput(error_message=f"segmentation_id out of range (1 through "
                                                 f"{MAX_VNI})")
        return Segment(self.network_type, None, seg.segmentation_id)

    def mtu(self, conf: Any) -> int:
        underlay = conf.ml2.path_mtu or conf.global_physnet_mtu
        return underlay - self.header(conf) - IPV4_HEADER

    def header(self, conf: Any) -> int:
        return self.overhead


class VxlanDriver(TunnelDriver):
    network_type = "vxlan"
    group = "ml2_type_vxlan"
    overhead = VXLAN_OVERHEAD


class GeneveDriver(TunnelDriver):
    network_type = "geneve"
    group = "ml2_type_geneve"

    def header(self, conf: Any) -> int:
        return conf.ml2_type_geneve.max_header_size


DRIVERS = {d.network_type: d for d in (FlatDriver, VlanDriver, VxlanDriver, GeneveDriver)}


def load(conf: Any) -> dict[str, TypeDriver]:
    unknown = [t for t in conf.ml2.type_drivers if t not in DRIVERS]
    if unknown:
        raise ValueError(f"unknown type drivers {unknown}")
    drivers = {t: DRIVERS[t](conf) for t in conf.ml2.type_drivers}
    bad = [t for t in conf.ml2.tenant_network_types if t not in drivers]
    if bad:
        raise ValueError(f"tenant_network_types {bad} are not among type_drivers")
    return drivers
