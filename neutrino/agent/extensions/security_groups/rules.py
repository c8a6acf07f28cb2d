"""Security group rules compiled to OpenFlow match fragments (pure, no switch needed).

A rule becomes a list of matches on the L3/L4 fields only: the stage, the
port it filters and conntrack state are added by the flow builder. Facts
followed (Neutron's API and its OVS firewall driver):

* ``protocol`` is a name, a number 0-255, ``any`` or None (any); ``icmp`` on an
  IPv6 rule means ICMPv6, as Neutron's OVS firewall treats it.
* ``port_range_min``/``port_range_max`` are the destination port range for TCP,
  UDP and SCTP, in both directions; for ICMP and ICMPv6 they are the type and
  the code. A range is covered by prefix masks on ``tp_dst`` (at most 2 x 15
  flows for any range of 16-bit ports) rather than conjunctive matches: a rule
  stays a few self-contained flows whose cookies depend on that rule alone.
* ``remote_ip_prefix`` is the other end: the source of ingress traffic, the
  destination of egress traffic.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from functools import lru_cache

from neutrino.agent.desired import SecurityGroupRule

# Neutron's IP protocol names (neutron-lib constants) and their numbers.
IP_PROTOCOLS = {
    "ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "hopopt": 0, "icmp": 1,
    "igmp": 2, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58, "icmpv6": 58,
    "ipv6-nonxt": 59, "ipv6-opts": 60, "ipv6-route": 43, "ospf": 89, "pgm": 113, "rsvp": 46,
    "sctp": 132, "tcp": 6, "udp": 17, "udplite": 136, "vrrp": 112,
}
PROTO_ICMP = 1
PROTO_ICMPV6 = 58
# Protocols whose ports Open vSwitch can match (tp_dst).
PORTED_PROTOCOLS = frozenset({6, 17, 132})
ETHERTYPES = {"IPv4": ("ip", 4), "IPv6": ("ipv6", 6)}
DIRECTIONS = ("ingress", "egress")


class RuleError(ValueError):
    """A rule the data plane cannot express; it admits nothing (fails closed)."""


def protocol_number(protocol: str | None, ethertype: str) -> int | None:
    """The IP protocol number a rule matches, None for any protocol."""
    if protocol is None or protocol.lower() in ("", "any"):
        return None
    name = protocol.lower()
    if name.isdigit():
        number = int(name)
        if not 0 <= number <= 255:
            raise RuleError(f"protocol number {number} outside 0..255")
    elif name in IP_PROTOCOLS:
        number = IP_PROTOCOLS[name]
    else:
        raise RuleError(f"unknown protocol {protocol!r}")
    if number == PROTO_ICMP and ethertype == "IPv6":
        return PROTO_ICMPV6
    return number


def port_masks(low: int, high: int) -> list[tuple[int, int]]:
    """(value, mask) pairs whose union is exactly ``low..high`` (16-bit ports).

    Greedy: from ``low``, take the largest aligned power-of-two block that
    does not pass ``high``. A full 0..65535 range is one pair with mask 0.
    """
    if not 0 <= low <= high <= 0xFFFF:
        raise RuleError(f"port range {low}-{high} invalid")
    result = []
    while low <= high:
        size = (low & -low) or 0x10000
        while low + size - 1 > high:
            size >>= 1
        result.append((low, 0xFFFF & ~(size - 1)))
        low += size
    return result


def _tp_dst(value: int, mask: int) -> str:
    if mask == 0:
        return ""
    return f"tp_dst={value}" if mask == 0xFFFF else f"tp_dst={value:#x}/{mask:#x}"


def remote_match(prefix: str, ethertype: str, direction: str) -> str:
    """The match on the other end's address ("" for a prefix that is everything)."""
    try:
        network = ipaddress.ip_network(prefix, strict=False)
    except ValueError as exc:
        raise RuleError(f"remote_ip_prefix {prefix!r}: {exc}") from None
    version = ETHERTYPES[ethertype][1]
    if network.version != version:
        raise RuleError(f"remote_ip_prefix {prefix} is not {ethertype}")
    if network.prefixlen == 0:
        return ""
    text = str(network.network_address) if network.num_addresses == 1 else str(network)
    if version == 4:
        field = "nw_src" if direction == "ingress" else "nw_dst"
    else:
        field = "ipv6_src" if direction == "ingress" else "ipv6_dst"
    return f"{field}={text}"


@dataclass(frozen=True)
class CompiledRule:
    """A rule as match fragments; any one matching admits the packet."""

    direction: str
    ethertype: str
    matches: tuple[str, ...]  # L3/L4 matches including the remote prefix, if any
    remote_group_id: str | None = None


# Rules and members repeat across every port of a group: parse each once.
@lru_cache(maxsize=65536)
def compile_rule(rule: SecurityGroupRule) -> CompiledRule:
    """Translate one API rule; raises RuleError for what cannot be expressed."""
    if rule.direction not in DIRECTIONS:
        raise RuleError(f"direction {rule.direction!r}")
    if rule.ethertype not in ETHERTYPES:
        raise RuleError(f"ethertype {rule.ethertype!r}")
    base = ETHERTYPES[rule.ethertype][0]
    proto = protocol_number(rule.protocol, rule.ethertype)
    low, high = rule.port_range_min, rule.port_range_max
    if proto is not None:
        base += f",nw_proto={proto}"
    l4: list[str] = [""]
    if proto in (PROTO_ICMP, PROTO_ICMPV6) and (low is not None or high is not None):
        # A bad match would make the switch refuse the whole bundle, not just this rule.
        if low is None:
            raise RuleError("ICMP code without a type")
        if (proto == PROTO_ICMPV6) != (rule.ethertype == "IPv6"):
            raise RuleError(f"ICMP type of protocol {proto} on an {rule.ethertype} rule")
        prefix = "icmp" if proto == PROTO_ICMP else "icmpv6"
        if not 0 <= low <= 255 or (high is not None and not 0 <= high <= 255):
            raise RuleError(f"ICMP type/code {low}/{high} outside 0..255")
        l4 = [f"{prefix}_type={low}" + (f",{prefix}_code={high}" if high is not None else "")]
    elif low is not None or high is not None:
        if proto not in PORTED_PROTOCOLS:
            # Open vSwitch cannot match these ports: admitting the whole protocol
            # would open more than the rule says.
            raise RuleError(f"port range on protocol {rule.protocol!r} cannot be matched")
        low = low if low is not None else high
        high = high if high is not None else low
        assert low is not None and high is not None
        l4 = [_tp_dst(value, mask) for value, mask in port_masks(low, high)]
    remote = ""
    if rule.remote_ip_prefix and not rule.remote_group_id:
        remote = remote_match(rule.remote_ip_prefix, rule.ethertype, rule.direction)
    matches = tuple(",".join(part for part in (base, match, remote) if part) for match in l4)
    return CompiledRule(rule.direction, rule.ethertype, matches, rule.remote_group_id or None)


@lru_cache(maxsize=262144)
def member_match(address: str, ethertype: str, direction: str) -> str | None:
    """The remote-address match for one remote-group member (None: other IP version)."""
    try:
        network = ipaddress.ip_network(address, strict=False)
    except ValueError:
        return None
    if network.version != ETHERTYPES[ethertype][1]:
        return None
    remote = remote_match(str(network), ethertype, direction)
    base = ETHERTYPES[ethertype][0]
    return f"{base},{remote}" if remote else base
