"""Classification groups compiled into OpenFlow matches, for any consumer.

A consumer (QoS DSCP marking today; security groups or logging could be next)
asks for a group's **decision list**: entries ``(fields, verdict)`` to be
installed in order, first match wins, at descending priorities in one table:

* ``MATCH``: the packet is in the group;
* ``FALL``: it is not, and the consumer goes on with whatever it checks next
  (another rule's list: ``compose``), or does nothing when there is none.

Fields are ``{ofctl field name: (value, mask)}``, rendered by ``render``; two
entries combine (``merge``) into the packets both match, or nothing.

How a group becomes a list: the group is brought to disjunctive normal form
(AND distributes over OR, nested groups included); each conjunction is its
positive classifications' matches combined, preceded by FALL entries for the
packets its negated classifications take away; the conjunctions of an OR follow
one another, a FALL of one resolved against the ones after it (``compose``).

What a classification type compiles to (anything else is ``Unsupported``: the
consumer then applies nothing rather than something wider than asked):

=========  =============================================================
ethernet   ethertype (dl_type), src_addr / dst_addr (dl_src / dl_dst)
ipv4/ipv6  the ethertype; src_addr / dst_addr (nw_* / ipv6_*, any prefix);
           dscp (with dscp_mask: each value it admits), ecn; protocol /
           next_header (nw_proto); ttl_min/max, hops_min/max (nw_ttl, each
           value of the range)
tcp / udp  nw_proto, over IPv4 and IPv6 unless combined with one; port
           ranges (tp_src / tp_dst as value/mask pairs); tcp flags / mask
=========  =============================================================

Not expressible in an OpenFlow match, hence ``Unsupported``: IPv4 flags, IP
lengths, TCP window, UDP length.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from itertools import product
from typing import Any

from neutrino.agent.desired import Classification, ClassificationGroup

MATCH = "match"
FALL = "fall"
ETH_IPV4, ETH_IPV6 = 0x0800, 0x86DD
PROTOCOLS = {"tcp": 6, "udp": 17}
# Bit widths of the fields we write (a full mask is an exact match).
WIDTHS = {"dl_type": 16, "dl_src": 48, "dl_dst": 48, "nw_src": 32, "nw_dst": 32,
          "ipv6_src": 128, "ipv6_dst": 128, "ip_dscp": 6, "ip_ecn": 2, "nw_proto": 8,
          "nw_ttl": 8, "tp_src": 16, "tp_dst": 16, "tcp_flags": 12}
# Rendering order: OpenFlow prerequisites first (dl_type before nw_*, nw_proto before tp_*).
ORDER = tuple(WIDTHS)
MAX_ENTRIES = 4096

Fields = dict[str, tuple[int, int]]


class Unsupported(ValueError):
    """The group uses what an OpenFlow match cannot express, or compiles too large."""


@dataclass(frozen=True)
class Entry:
    fields: tuple[tuple[str, tuple[int, int]], ...]
    verdict: Any  # MATCH, FALL, or a consumer's own label

    @property
    def as_dict(self) -> Fields:
        return dict(self.fields)


def entry(fields: Mapping[str, tuple[int, int]], verdict: Any) -> Entry:
    return Entry(tuple(sorted(fields.items(), key=lambda kv: ORDER.index(kv[0]))), verdict)


def _full(name: str) -> int:
    return (1 << WIDTHS[name]) - 1


def exact(name: str, value: int) -> tuple[str, tuple[int, int]]:
    return name, (value, _full(name))


def merge(a: Mapping[str, tuple[int, int]], b: Mapping[str, tuple[int, int]]) -> Fields | None:
    """The packets both match (None: no packet does)."""
    out = dict(a)
    for name, (value, mask) in b.items():
        if name not in out:
            out[name] = (value & mask, mask)
            continue
        v1, m1 = out[name]
        common = m1 & mask
        if v1 & common != value & common:
            return None
        out[name] = ((v1 & m1) | (value & mask), m1 | mask)
    return out


def range_masks(low: int, high: int, width: int = 16) -> list[tuple[int, int]]:
    """The fewest value/mask pairs covering exactly ``low``..``high``."""
    out = []
    while low <= high:
        size = low & -low if low else 1 << width
        while size > high - low + 1:
            size >>= 1
        out.append((low, ((1 << width) - 1) & ~(size - 1)))
        low += size
    return out


def _prefix(text: str) -> tuple[int, int]:
    net = ipaddress.ip_network(text, strict=False)
    return int(net.network_address), int(net.netmask)


def _mac(text: str) -> int:
    return int(text.replace(":", "").replace("-", ""), 16)


def _alternatives(c: Classification) -> list[Fields]:
    """The matches (any of them) of one classification, negation aside."""
    d = dict(c.definition)

    def unsupported(*names: str) -> None:
        used = [n for n in names if d.get(n) is not None]
        if used:
            raise Unsupported(f"{c.type} classification {c.id}: {', '.join(used)} cannot be "
                              "matched in OpenFlow")

    def values(name: str, low: int | None, high: int | None, top: int) -> list[Fields]:
        if low is None and high is None:
            return [{}]
        return [dict([exact(name, v)]) for v in range(low or 0, (top if high is None else high) + 1)]

    def ports(name: str, width: int = 16) -> list[Fields]:
        low, high = d.get(f"{name}_min"), d.get(f"{name}_max")
        if low is None and high is None:
            return [{}]
        field = {"src_port": "tp_src", "dst_port": "tp_dst"}[name]
        return [{field: pair} for pair in range_masks(low or 0, 65535 if high is None else high)]

    if c.type == "ethernet":
        base: Fields = {}
        if d.get("ethertype") is not None:
            base.update([exact("dl_type", d["ethertype"])])
        for key, name in (("src_addr", "dl_src"), ("dst_addr", "dl_dst")):
            if d.get(key):
                base.update([exact(name, _mac(d[key]))])
        return [base]
    if c.type in ("ipv4", "ipv6"):
        v6 = c.type == "ipv6"
        unsupported("length_min", "length_max", *(() if v6 else ("flags", "flags_mask")))
        base = dict([exact("dl_type", ETH_IPV6 if v6 else ETH_IPV4)])
        for key in ("src_addr", "dst_addr"):
            if d.get(key):
                base[("ipv6_" if v6 else "nw_") + key[:3]] = _prefix(d[key])
        if d.get("ecn") is not None:
            base.update([exact("ip_ecn", d["ecn"])])
        proto = d.get("next_header" if v6 else "protocol")
        if proto is not None:
            base.update([exact("nw_proto", proto)])
        dscp: list[Fields] = [{}]
        if d.get("dscp") is not None:
            mask = d.get("dscp_mask", 63)
            dscp = [dict([exact("ip_dscp", v)]) for v in range(64)
                    if v & mask == d["dscp"] & mask]
        ttl = values("nw_ttl", d.get("hops_min" if v6 else "ttl_min"),
                     d.get("hops_max" if v6 else "ttl_max"), 255)
        return [{**base, **a, **b} for a, b in product(dscp, ttl)]
    if c.type in PROTOCOLS:
        unsupported("window_min", "window_max", "length_min", "length_max")
        ip = [dict([exact("dl_type", eth), exact("nw_proto", PROTOCOLS[c.type])])
              for eth in (ETH_IPV4, ETH_IPV6)]
        flags: Fields = {}
        if d.get("flags") is not None:
            flags = {"tcp_flags": (d["flags"], d.get("flags_mask", 0x1FF))}
        return [{**a, **s, **t, **flags}
                for a, s, t in product(ip, ports("src_port"), ports("dst_port"))]
    raise Unsupported(f"classification {c.id}: unknown type {c.type!r}")


def _dnf(gid: str, groups: Mapping[str, ClassificationGroup],
         classifications: Mapping[str, Classification],
         seen: frozenset[str] = frozenset()) -> list[list[Classification]]:
    """The group as an OR of ANDs of classifications."""
    group = groups.get(gid)
    if group is None or gid in seen:
        raise Unsupported(f"classification group {gid} is unknown here (or nests itself)")
    members: list[list[list[Classification]]] = []
    for cid in group.classifications:
        if cid not in classifications:
            raise Unsupported(f"classification {cid} of group {gid} is unknown here")
        members.append([[classifications[cid]]])
    for nested in group.classification_groups:
        members.append(_dnf(nested, groups, classifications, seen | {gid}))
    if not members:
        return [[]]  # an empty group matches everything, as an empty AND
    if group.operator == "OR" and len(members) > 1:
        return [conj for member in members for conj in member]
    out: list[list[Classification]] = [[]]
    for member in members:
        out = [a + b for a, b in product(out, member)]
        if len(out) > MAX_ENTRIES:
            raise Unsupported(f"classification group {gid} is too large to compile")
    return out


def _conjunction(literals: list[Classification]) -> list[Entry]:
    positive: list[Fields] = [{}]
    for c in (x for x in literals if not x.negated):
        positive = [m for a, b in product(positive, _alternatives(c))
                    if (m := merge(a, b)) is not None]
    out = []
    for c in (x for x in literals if x.negated):
        for p, n in product(positive, _alternatives(c)):
            m = merge(p, n)
            if m is not None:
                out.append(entry(m, FALL))
    out.extend(entry(p, MATCH) for p in positive)
    return out


def compose(first: Iterable[Entry], then: list[Entry]) -> list[Entry]:
    """First-match list: ``first``, where each of its FALL entries goes on with
    ``then`` (restricted to what the FALL entry matches); then ``then``."""
    out: list[Entry] = []
    for e in first:
        if e.verdict != FALL:
            out.append(e)
            continue
        for t in then:
            m = merge(e.as_dict, t.as_dict)
            if m is not None:
                out.append(entry(m, t.verdict))
        out.append(e)
        if len(out) > MAX_ENTRIES:
            raise Unsupported("classification compiles to too many flows")
    return _dedupe(out + list(then))


def _dedupe(entries: list[Entry]) -> list[Entry]:
    seen: set = set()
    out = []
    for e in entries:  # a later entry with the same fields is never reached
        if e.fields not in seen:
            seen.add(e.fields)
            out.append(e)
    return out


def compile_group(gid: str, groups: Mapping[str, ClassificationGroup],
                  classifications: Mapping[str, Classification]) -> list[Entry]:
    """The decision list of a group (see the module docstring)."""
    result: list[Entry] = []
    for conj in reversed(_dnf(gid, groups, classifications)):
        result = compose(_conjunction(conj), result)
    if len(result) > MAX_ENTRIES:
        raise Unsupported(f"classification group {gid} compiles to too many flows")
    return result


def _render_value(name: str, value: int, mask: int) -> str:
    full = _full(name)
    if name in ("dl_src", "dl_dst"):
        mac = ":".join(f"{value:012x}"[i:i + 2] for i in range(0, 12, 2))
        return mac if mask == full else mac + "/" + ":".join(
            f"{mask:012x}"[i:i + 2] for i in range(0, 12, 2))
    if name in ("nw_src", "nw_dst", "ipv6_src", "ipv6_dst"):
        cls = ipaddress.IPv6Address if name.startswith("ipv6") else ipaddress.IPv4Address
        return f"{cls(value)}/{cls(mask)}" if mask != full else str(cls(value))
    if mask != full:
        return f"{value:#x}/{mask:#x}"
    return f"{value:#06x}" if name == "dl_type" else str(value)


def render(fields: Mapping[str, tuple[int, int]] | Entry) -> str:
    """The ``ovs-ofctl`` match text of some fields (empty: everything)."""
    items = fields.fields if isinstance(fields, Entry) else sorted(
        fields.items(), key=lambda kv: ORDER.index(kv[0]))
    return ",".join(f"{name}={_render_value(name, v, m)}" for name, (v, m) in items)
