"""The default IPAM driver: random free addresses from the allocation pools.

A random pick keeps concurrent creators from all asking for the same "next"
address: a batch of random candidates is checked with one query. Only when a
pool is nearly full does it fall back to scanning for the first free address.
DHCP (and distributed) ports take the first free address, as in Neutron.
"""
from __future__ import annotations

import ipaddress
import random

from sqlalchemy import Connection, bindparam, select

from neutrino import exceptions as exc
from neutrino.core.ipam.driver import IpamDriver, SubnetInfo
from neutrino.db.models.port import IpAllocation

ALLOCS = IpAllocation.__table__
CANDIDATES = 8
SCAN_LIMIT = 1 << 16

# Built once: building a SELECT costs SQLAlchemy more than SQLite takes to run it.
TAKEN_AMONG = select(ALLOCS.c.ip_address).where(
    ALLOCS.c.subnet_id == bindparam("subnet_id"),
    ALLOCS.c.ip_address.in_(bindparam("candidates", expanding=True)))
HOLDER_OF = select(ALLOCS.c.id).where(ALLOCS.c.subnet_id == bindparam("subnet_id"),
                                      ALLOCS.c.ip_address == bindparam("ip_address"))


def _pool_ints(subnet: SubnetInfo) -> list[tuple[int, int]]:
    return [(int(ipaddress.ip_address(a)), int(ipaddress.ip_address(b))) for a, b in subnet.pools]


class InternalIpamDriver(IpamDriver):
    def request_address(self, conn: Connection, subnet: SubnetInfo, address: str | None,
                        prefer_next: bool = False) -> str:
        if address is not None:
            return self._specific(conn, subnet, address)
        pools = _pool_ints(subnet)
        total = sum(hi - lo + 1 for lo, hi in pools)
        if total == 0:
            raise exc.IpAddressGenerationFailure(subnet_id=subnet.id)
        if prefer_next:
            return self._first_free(conn, subnet, pools)
        make = ipaddress.ip_address
        candidates = list(dict.fromkeys(
            str(make(_nth(pools, random.randrange(total)))) for _ in range(min(CANDIDATES, total))))
        used = set(conn.scalars(TAKEN_AMONG, {"subnet_id": subnet.id, "candidates": candidates}))
        for candidate in candidates:
            if candidate not in used:
                return candidate
        return self._first_free(conn, subnet, pools)

    def _first_free(self, conn: Connection, subnet: SubnetInfo,
                    pools: list[tuple[int, int]]) -> str:
        used = {int(ipaddress.ip_address(a)) for a in conn.scalars(
            select(ALLOCS.c.ip_address).where(ALLOCS.c.subnet_id == subnet.id))}
        scanned = 0
        for lo, hi in pools:
            value = lo
            while value <= hi and scanned < SCAN_LIMIT + len(used):
                if value not in used:
                    return str(ipaddress.ip_address(value))
                value += 1
                scanned += 1
        raise exc.IpAddressGenerationFailure(subnet_id=subnet.id)

    def _specific(self, conn: Connection, subnet: SubnetInfo, address: str) -> str:
        addr = ipaddress.ip_address(address)
        net = subnet.network
        if addr not in net or addr == net.network_address or (
                net.version == 4 and net.prefixlen < 31 and addr == net.broadcast_address):
            raise exc.InvalidIpForSubnet(ip_address=address)
        taken = conn.execute(HOLDER_OF, {"subnet_id": subnet.id, "ip_address": str(addr)}).first()
        if taken:
            raise exc.IpAddressInUse(net_id=subnet.network_id, ip_address=str(addr))
        return str(addr)


def _nth(pools: list[tuple[int, int]], pos: int) -> int:
    for lo, hi in pools:
        if pos <= hi - lo:
            return lo + pos
        pos -= hi - lo + 1
    raise IndexError(pos)
