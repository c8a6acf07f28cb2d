"""What a security group rule matches, checked and put in canonical form the way
Neutron does: protocol names and numbers, port ranges and ICMP type/code, remote
prefixes, and the match key under which two equal rules compare equal."""
from __future__ import annotations

import ipaddress

from neutrino import exceptions as exc

# IP protocol names a rule accepts, with their numbers (IANA).
PROTOCOL_NUMBERS = {
    "ah": 51, "dccp": 33, "egp": 8, "esp": 50, "gre": 47, "hopopt": 0, "icmp": 1, "igmp": 2,
    "ip": 0, "ipip": 4, "ipv6-encap": 41, "ipv6-frag": 44, "ipv6-icmp": 58,
    "icmpv6": 58,  # the legacy name, still accepted
    "ipv6-nonxt": 59, "ipv6-opts": 60, "ipv6-route": 43, "ospf": 89, "pgm": 113, "rsvp": 46,
    "sctp": 132, "tcp": 6, "udp": 17, "udplite": 136, "vrrp": 112,
}
# "any" (or 0) means every protocol and is stored as null.
ANY = "any"
PORT_PROTOCOLS = frozenset({6, 17, 33, 132, 136})  # tcp, udp, dccp, sctp, udplite
ICMP_PROTOCOLS = frozenset({1, 58})
IPV6_ONLY_PROTOCOLS = frozenset({41, 43, 44, 58, 59, 60})
ALL_ADDRESSES = ("0.0.0.0/0", "::/0")
PORT_MAX = 65535


def normalise_protocol(value: str | None) -> str | None:
    """A known name in lower case, a number 1-255 as text, or None for any protocol."""
    if value is None:
        return None
    text = value.strip().lower()
    if text == ANY:
        return None
    if text.isdigit():
        number = int(text)
        if number > 255:
            raise exc.SecurityGroupRuleInvalidProtocol(protocol=value, values=_names())
        return None if number == 0 else str(number)
    if text in PROTOCOL_NUMBERS:
        return text
    raise exc.SecurityGroupRuleInvalidProtocol(protocol=value, values=_names())


def _names() -> list[str]:
    return [ANY, *sorted(PROTOCOL_NUMBERS)]


def protocol_number(protocol: str | None) -> int | None:
    if protocol is None:
        return None
    return PROTOCOL_NUMBERS[protocol] if protocol in PROTOCOL_NUMBERS else int(protocol)


def normalise(rule: dict) -> dict:
    """The rule's matching fields checked and in canonical form (a new dict).

    ``rule`` holds direction, ethertype, protocol, port_range_min/max,
    remote_ip_prefix and remote_group_id as the API layer parsed them.
    """
    out = dict(rule)
    ethertype = out.setdefault("ethertype", "IPv4")
    protocol = normalise_protocol(out.get("protocol"))
    if ethertype == "IPv6":
        # ICMP on an IPv6 rule means ICMPv6: store it under its one canonical name.
        if protocol in ("icmp", "icmpv6"):
            protocol = "ipv6-icmp"
        elif protocol == "1":
            protocol = "58"
    out["protocol"] = protocol
    _check_ports(protocol, out.get("port_range_min"), out.get("port_range_max"))
    prefix, network = _remote_prefix(out.get("remote_ip_prefix"), ethertype)
    out["remote_ip_prefix"], out["normalized_cidr"] = prefix, network
    if ethertype == "IPv4" and protocol_number(protocol) in IPV6_ONLY_PROTOCOLS:
        raise exc.SecurityGroupEthertypeConflictWithProtocol(ethertype=ethertype,
                                                             protocol=rule.get("protocol"))
    if prefix is not None and out.get("remote_group_id") is not None:
        raise exc.SecurityGroupRemoteGroupAndRemoteIpPrefix()
    return out


def _check_ports(protocol: str | None, low: int | None, high: int | None) -> None:
    for value in (low, high):
        if value is not None and not 0 <= value <= PORT_MAX:
            raise exc.SecurityGroupInvalidPortValue(port=value)
    if low is None and high is None:
        return
    if protocol is None:
        raise exc.SecurityGroupProtocolRequiredWithPorts()
    number = protocol_number(protocol)
    if number in PORT_PROTOCOLS:
        if low == 0 or high == 0:
            raise exc.SecurityGroupInvalidPortValue(port=0)
        if low is None or high is None or low > high:
            raise exc.SecurityGroupInvalidPortRange()
    elif number in ICMP_PROTOCOLS:
        for value, attr, field in ((low, "port_range_min", "type"),
                                   (high, "port_range_max", "code")):
            if value is not None and not 0 <= value <= 255:
                raise exc.SecurityGroupInvalidIcmpValue(field=field, attr=attr, value=value)
        if low is None:
            raise exc.SecurityGroupMissingIcmpType(value=high)
    else:
        raise exc.SecurityGroupInvalidProtocolForPort(protocol=protocol)


def _remote_prefix(value: str | None, ethertype: str) -> tuple[str | None, str | None]:
    """The prefix as given in canonical text (host bits kept, /32 or /128 added to a
    bare address) and the network it names (host bits cleared)."""
    if value is None or not value.strip():
        return None, None
    try:
        iface = ipaddress.ip_interface(value.strip())
    except ValueError:
        raise exc.InvalidCIDR(cidr=value) from None
    if f"IPv{iface.version}" != ethertype:
        raise exc.SecurityGroupRuleParameterConflict(ethertype=ethertype, cidr=value)
    return str(iface), str(iface.network)


def match_key(rule: dict) -> str:
    """Equal for two rules that match the same traffic the same way (in one group)."""
    prefix = rule.get("remote_ip_prefix")
    number = protocol_number(rule.get("protocol"))
    parts = (rule["direction"], rule["ethertype"], rule.get("port_range_min"),
             rule.get("port_range_max"), number, rule.get("remote_group_id"),
             None if prefix in ALL_ADDRESSES else prefix)
    return "|".join("+" if p is None else str(p) for p in parts)


def default_rules(group_id: str, is_default: bool) -> list[dict]:
    """The rules a new group starts with: egress to anywhere (IPv4 and IPv6) and, for
    a project's default group, ingress from the group's own members."""
    rules = []
    for ethertype in ("IPv4", "IPv6"):
        if is_default:
            rules.append({"direction": "ingress", "ethertype": ethertype,
                          "remote_group_id": group_id})
        rules.append({"direction": "egress", "ethertype": ethertype})
    return [{"protocol": None, "port_range_min": None, "port_range_max": None,
             "remote_ip_prefix": None, "normalized_cidr": None, "remote_group_id": None, **r}
            for r in rules]
