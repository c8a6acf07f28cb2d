"""Prefix arithmetic of subnet pools: normalising and compacting prefix lists,
what is left of a pool once its subnets are taken out, choosing a new subnet,
and the per-project quota units. Pure functions on ``ipaddress`` networks.
"""
from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from fractions import Fraction
from typing import Union

from neutrino import exceptions as exc

Net = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]

# Per IP version: the longest prefix, the default min_prefixlen, and the prefix length
# one unit of a pool's default_quota stands for (an IPv4 address, an IPv6 /64).
MAX_PREFIXLEN = {4: 32, 6: 128}
DEFAULT_MIN_PREFIXLEN = {4: 8, 6: 64}
QUOTA_UNIT_PREFIXLEN = {4: 32, 6: 64}


def parse(cidrs: Iterable[str]) -> list[Net]:
    """Networks from CIDR texts (host bits cleared)."""
    return [ipaddress.ip_network(c, strict=False) for c in cidrs]


def version_of(prefixes: list[Net]) -> int:
    """The one IP version of a pool's prefixes: 400 when empty or mixed."""
    if not prefixes:
        raise exc.EmptySubnetPoolPrefixList()
    versions = {p.version for p in prefixes}
    if len(versions) > 1:
        raise exc.PrefixVersionMismatch()
    return versions.pop()


def compact(prefixes: Iterable[Net]) -> list[Net]:
    """The fewest networks covering the same addresses (overlaps merged, adjacent
    halves joined), in address order."""
    by_version: dict[int, list[Net]] = {}
    for p in prefixes:
        by_version.setdefault(p.version, []).append(p)
    out: list[Net] = []
    for version in sorted(by_version):
        out.extend(ipaddress.collapse_addresses(by_version[version]))
    return out


def texts(prefixes: Iterable[Net]) -> list[str]:
    return [str(p) for p in prefixes]


def overlaps(a: Iterable[Net], b: Iterable[Net]) -> bool:
    b = list(b)
    return any(x.version == y.version and x.overlaps(y) for x in a for y in b)


def covers(prefixes: Iterable[Net], net: Net) -> bool:
    """Whether ``net`` lies inside the addresses of ``prefixes``. A network inside
    a compacted list lies inside one of its members (they are maximal blocks)."""
    return any(p.version == net.version and net.subnet_of(p) for p in compact(prefixes))


def difference(whole: Iterable[Net], taken: Iterable[Net]) -> list[Net]:
    """The addresses of ``whole`` that no network of ``taken`` holds, compacted."""
    free = compact(whole)
    for t in compact(taken):
        left: list[Net] = []
        for f in free:
            if f.version != t.version or not f.overlaps(t):
                left.append(f)
            elif f.subnet_of(t):
                continue
            else:  # t lies inside f
                left.extend(f.address_exclude(t))
        free = left
    return compact(free)


def choose(prefixes: Iterable[Net], allocated: Iterable[Net], prefixlen: int) -> Net | None:
    """The first ``/prefixlen`` network of the smallest free block it fits in (best fit
    keeps large blocks whole for large requests), or None when none is left."""
    free = sorted(difference(prefixes, allocated),
                  key=lambda n: (-n.prefixlen, int(n.network_address)))
    for block in free:
        if block.prefixlen <= prefixlen:
            return next(block.subnets(new_prefix=prefixlen))
    return None


def quota_units(net: Net) -> Fraction:
    """How much of a pool's default_quota a subnet uses: addresses for IPv4, /64s for
    IPv6 (a longer IPv6 prefix uses a fraction of one)."""
    return Fraction(2) ** (QUOTA_UNIT_PREFIXLEN[net.version] - net.prefixlen)


def check_bounds(ip_version: int, min_prefixlen: int, max_prefixlen: int,
                 default_prefixlen: int) -> None:
    """min <= default <= max <= the version's longest prefix, else 400."""
    longest = MAX_PREFIXLEN[ip_version]
    if max_prefixlen > longest:
        raise exc.IllegalSubnetPoolPrefixBounds(prefix_type="max_prefixlen",
                                                prefixlen=max_prefixlen,
                                                base_prefix_type="ip_version_max",
                                                base_prefixlen=longest)
    if min_prefixlen > max_prefixlen:
        raise exc.IllegalSubnetPoolPrefixBounds(prefix_type="min_prefixlen",
                                                prefixlen=min_prefixlen,
                                                base_prefix_type="max_prefixlen",
                                                base_prefixlen=max_prefixlen)
    for base_type, base, bad in (("min_prefixlen", min_prefixlen, default_prefixlen < min_prefixlen),
                                 ("max_prefixlen", max_prefixlen, default_prefixlen > max_prefixlen)):
        if bad:
            raise exc.IllegalSubnetPoolPrefixBounds(prefix_type="default_prefixlen",
                                                    prefixlen=default_prefixlen,
                                                    base_prefix_type=base_type,
                                                    base_prefixlen=base)
