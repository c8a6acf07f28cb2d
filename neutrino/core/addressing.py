"""Address arithmetic and checks for subnets: cidr, gateway, pools, routes, EUI-64."""
from __future__ import annotations

import ipaddress
from typing import Any, Union

from neutrino import exceptions as exc

Net = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


def check_cidr(cidr: str, ip_version: int) -> Net:
    net = ipaddress.ip_network(cidr)
    if net.version != ip_version:
        raise exc.InvalidInput(error_message=f"Cidr {cidr} does not match ip_version {ip_version}")
    smallest = 30 if ip_version == 4 else 126
    if net.prefixlen > smallest or net.prefixlen == 0:
        raise exc.InvalidInput(error_message=f"Invalid CIDR {cidr} for IP version {ip_version}: "
                               f"prefix length must be between 1 and {smallest}")
    if net.is_multicast or net.is_loopback:
        raise exc.InvalidInput(error_message=f"Invalid CIDR {cidr}: multicast or loopback")
    return net


# Router interfaces may hold any address of an IPv6 auto-address (SLAAC, DHCPv6-stateless)
# subnet, and (with the centralized SNAT port) get none implicitly; every other port gets
# its EUI-64 address on each such subnet and no other (Neutron's ROUTER_INTERFACE_OWNERS).
ROUTER_INTERFACE_OWNERS = ("network:router_interface", "network:ha_router_replicated_interface",
                           "network:router_interface_distributed")
ROUTER_INTERFACE_OWNERS_SNAT = (*ROUTER_INTERFACE_OWNERS, "network:router_centralized_snat")


# The smallest MTU each IP family works with (RFC 791, RFC 8200).
MIN_MTU = {4: 68, 6: 1280}


def check_mtu_fits(network_id: str, mtu: int | None, ip_versions: set[int]) -> None:
    """409 when the network's MTU is below what one of its subnets' families needs."""
    for version in sorted(ip_versions):
        if mtu and mtu < MIN_MTU[version]:
            raise exc.NetworkMTUSubnetConflict(net_id=network_id, mtu=MIN_MTU[version])


# IPv6 modes under which a port's address derives from its MAC (EUI-64).
AUTO_ADDRESS_MODES = ("slaac", "dhcpv6-stateless")


def is_auto_address(ra_mode: str | None, addr_mode: str | None) -> bool:
    """Neutron's rule: either mode being SLAAC or DHCPv6-stateless makes the subnet
    auto-addressed, so ``ipv6_ra_mode=slaac`` alone means SLAAC addresses too."""
    return addr_mode in AUTO_ADDRESS_MODES or ra_mode in AUTO_ADDRESS_MODES


def check_ipv6_modes(net: Net, ra_mode: str | None, addr_mode: str | None,
                     enable_dhcp: bool = True) -> None:
    """Neutron's rules for the two modes of a new subnet: either may be given alone;
    both given must be equal; none with DHCP off; auto-addressing needs a /64."""
    if net.version == 4:
        if ra_mode or addr_mode:
            raise exc.InvalidInput(error_message="ipv6_ra_mode or ipv6_address_mode cannot be set "
                                                 "when ip_version is 4")
        return
    if (ra_mode or addr_mode) and not enable_dhcp:
        raise exc.InvalidInput(error_message="ipv6_ra_mode or ipv6_address_mode cannot be set "
                                             "when enable_dhcp is set to False")
    if ra_mode and addr_mode and ra_mode != addr_mode:
        raise exc.InvalidInput(error_message=f"ipv6_ra_mode set to '{ra_mode}' with "
                               f"ipv6_address_mode set to '{addr_mode}' is not valid. If both "
                               "attributes are set, they must be the same value")
    if is_auto_address(ra_mode, addr_mode) and net.prefixlen != 64:
        raise exc.InvalidInput(error_message=f"Invalid CIDR {net} for IPv6 address mode. "
                               "OpenStack uses the EUI-64 address format, which requires the "
                               "prefix to be /64")


def check_dhcp_update(original: dict, body: dict) -> None:
    """Neutron refuses turning DHCP off on a subnet that has an IPv6 mode."""
    if body.get("enable_dhcp") is False and (original.get("ipv6_ra_mode")
                                             or original.get("ipv6_address_mode")):
        raise exc.InvalidInput(error_message="Cannot disable enable_dhcp with ipv6 attributes set")


def check_gateway(net: Net, gateway: str) -> None:
    addr = ipaddress.ip_address(gateway)
    if addr.version != net.version:
        raise exc.InvalidInput(error_message=f"Gateway IP version {addr.version} does not match "
                                             f"subnet IP version {net.version}")
    if addr not in net or addr == net.network_address or (
            net.version == 4 and addr == net.broadcast_address):
        raise exc.InvalidInput(error_message=f"Gateway {gateway} is not a valid host address "
                                             f"of subnet {net}")


def host_range(net: Net) -> tuple[int, int]:
    first = int(net.network_address) + 1
    last = int(net.broadcast_address) - (1 if net.version == 4 else 0)
    return first, last


def default_pools(net: Net, gateway: str | None) -> list[tuple[str, str]]:
    first, last = host_range(net)
    ranges = [(first, last)]
    if gateway is not None:
        gw = int(ipaddress.ip_address(gateway))
        if first <= gw <= last:
            ranges = [(a, b) for a, b in ((first, gw - 1), (gw + 1, last)) if a <= b]
    make = ipaddress.ip_address
    return [(str(make(a)), str(make(b))) for a, b in ranges]


def check_pools(net: Net, pools: list[dict], gateway: str | None) -> list[tuple[str, str]]:
    first, last = host_range(net)
    parsed = []
    for pool in pools:
        start, end = ipaddress.ip_address(pool["start"]), ipaddress.ip_address(pool["end"])
        text = f"{pool['start']}-{pool['end']}"
        if start.version != net.version or end.version != net.version or start > end:
            raise exc.InvalidAllocationPool(pool=text)
        if not (first <= int(start) and int(end) <= last):
            raise exc.OutOfBoundsAllocationPool(pool=text, subnet_cidr=str(net))
        parsed.append((int(start), int(end), text))
    parsed.sort()
    for (a1, b1, t1), (a2, _b2, t2) in zip(parsed, parsed[1:]):
        if a2 <= b1:
            raise exc.OverlappingAllocationPools(pool_1=t1, pool_2=t2, subnet_cidr=str(net))
    result = [(str(ipaddress.ip_address(a)), str(ipaddress.ip_address(b))) for a, b, _t in parsed]
    if gateway is not None:
        check_gateway_outside_pools(gateway, result)
    return result


def check_gateway_outside_pools(gateway: str, pools: list[tuple[str, str]]) -> None:
    gw = int(ipaddress.ip_address(gateway))
    for a, b in pools:
        if int(ipaddress.ip_address(a)) <= gw <= int(ipaddress.ip_address(b)):
            raise exc.GatewayConflictWithAllocationPools(ip_address=gateway, pool=f"{a}-{b}")


def check_route(net: Net, route: dict) -> None:
    dest = ipaddress.ip_network(route["destination"])
    hop = ipaddress.ip_address(route["nexthop"])
    if dest.version != net.version or hop.version != net.version:
        raise exc.InvalidInput(error_message=f"Host route {route['destination']} via "
                               f"{route['nexthop']} does not match the subnet's IP version")


def eui64(net: Net, mac: str) -> str:
    """The SLAAC address of a MAC on a /64 (universal/local bit flipped, ff:fe inserted)."""
    octets = [int(x, 16) for x in mac.split(":")]
    octets[0] ^= 0x02
    iid = octets[:3] + [0xFF, 0xFE] + octets[3:]
    return str(ipaddress.IPv6Address(int(net.network_address) | int.from_bytes(bytes(iid), "big")))


def auto_ips(subnets: list[Any], owner: str, mac: str, handled: set[str]) -> list[tuple[Any, str]]:
    """The EUI-64 addresses a port with requested fixed IPs gets besides them: one on every
    auto-address subnet (``SubnetInfo``) serving it that the request did not name (as
    Neutron), none for router interfaces."""
    if owner in ROUTER_INTERFACE_OWNERS_SNAT:
        return []
    serving = [s for s in subnets if owner and owner in s.service_types] or [
        s for s in subnets if not s.service_types]
    return [(s, eui64(s.network, mac)) for s in serving if s.auto_address and s.id not in handled]
