"""The IPAM driver interface: which address a port gets on a subnet."""
from __future__ import annotations

import ipaddress
from abc import ABC, abstractmethod
from dataclasses import dataclass

from sqlalchemy import Connection

from neutrino.core.addressing import is_auto_address


@dataclass(frozen=True)
class SubnetInfo:
    id: str
    network_id: str
    cidr: str
    ip_version: int
    gateway_ip: str | None
    pools: tuple[tuple[str, str], ...]
    ipv6_address_mode: str | None
    service_types: tuple[str, ...] = ()
    ipv6_ra_mode: str | None = None

    @property
    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.cidr)

    @property
    def auto_address(self) -> bool:
        """SLAAC-style subnet: addresses derive from the port MAC (EUI-64)."""
        return self.ip_version == 6 and is_auto_address(self.ipv6_ra_mode, self.ipv6_address_mode)


class IpamDriver(ABC):
    """Chooses addresses. The caller records them in ``ip_allocations``, whose
    unique key (subnet, address) is the final word under concurrency."""

    @abstractmethod
    def request_address(self, conn: Connection, subnet: SubnetInfo, address: str | None,
                        prefer_next: bool = False) -> str:
        """A free address of the subnet: ``address`` if given and free, else any (the
        first free one of the pools with ``prefer_next``: DHCP ports, as in Neutron).

        Raises IpAddressInUse, InvalidIpForSubnet or IpAddressGenerationFailure.
        """

    def release_address(self, conn: Connection, subnet: SubnetInfo, address: str) -> None:
        """Forget an address (the default driver keeps no state of its own)."""
