"""Pure: what a router placed on this host must look like in its namespace.

From the desired state alone (routers, their ports bound here, the subnets,
floating IPs and port forwardings) a ``RouterPlan``: the ``qrouter-<id>``
namespace, one veth per port (``qg-`` the gateway, ``qr-`` each interface,
``tap`` their br-int ends: prefix + the port id's first 11 characters), the
addresses (floating IPs as /32 on the gateway device, so the namespace answers
ARP for them), the routes (IPv4 and IPv6), and the nftables table that does the
NAT, keeps address scopes apart and marks the SNAT'd connections a ``snat`` log
records (``snat_log.py``).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from neutrino.agent.desired import DesiredState, FloatingIp, Log, Network, Port, Router, Subnet
from neutrino.agent.l3.snat_log import SNAT_LOG_MARK

TABLE = "neutrino"  # the one nftables table in each router namespace (inet family)
OLD_TABLES = ("ip",)  # families an older agent wrote it in: removed by the same script


@dataclass(frozen=True)
class Device:
    """One router port: a veth, ``tap`` beside Open vSwitch, ``device`` in the namespace."""

    port_id: str
    network_id: str
    tap: str
    device: str
    mac: str
    mtu: int | None
    addresses: tuple[tuple[str, int], ...]  # (ip, prefix length)
    scopes: tuple[str | None, str | None] = (None, None)  # its network's IPv4, IPv6 address scope
    ra_mode: str | None = None  # an interface on an IPv6 subnet whose ipv6_ra_mode asks for RAs
    ra_prefixes: tuple[str, ...] = ()  # those subnets' prefixes

    @property
    def ipv6(self) -> bool:
        return any(ipaddress.ip_address(ip).version == 6 for ip, _len in self.addresses)


@dataclass(frozen=True)
class Forward:
    """One port forwarding: ``external`` ports of ``floating_ip`` to ``internal`` ones."""

    floating_ip: str
    protocol: str
    external: tuple[int, int]
    internal_ip: str
    internal: tuple[int, int]


@dataclass(frozen=True)
class RouterPlan:
    router_id: str
    namespace: str
    gateway: Device | None
    gateway_ip: str | None  # the gateway port's IPv4 address: what SNAT translates to
    default_route: str | None  # the external subnet's gateway
    default_route6: str | None  # the external IPv6 subnet's gateway
    interfaces: tuple[Device, ...]
    snat_sources: tuple[str, ...]  # internal IPv4 CIDRs translated when leaving by the gateway
    routes: tuple[tuple[str, str], ...]  # extra routes (destination, nexthop)
    floating: tuple[tuple[str, str, str], ...]  # (floating IP id, floating IP, fixed IP)
    forwards: tuple[Forward, ...]
    snat_logs: tuple[Log, ...] = ()  # the enabled snat logs of the router (when it SNATs)

    @property
    def devices(self) -> tuple[Device, ...]:
        return ((self.gateway,) if self.gateway else ()) + self.interfaces

    @property
    def ipv6(self) -> bool:
        """Some port of the router has an IPv6 address: IPv6 is on in its namespace."""
        return any(d.ipv6 for d in self.devices)


def namespace_of(router_id: str) -> str:
    return f"qrouter-{router_id}"


def _device(port: Port, subnets: dict[str, Subnet], prefix: str, network: Network | None,
            extra: tuple[tuple[str, int], ...] = ()) -> Device:
    addresses = []
    ra_modes, ra_prefixes = set(), []
    for subnet_id, ip in port.allocations:
        subnet = subnets.get(subnet_id)
        if subnet is not None:
            addresses.append((ip, ipaddress.ip_network(subnet.cidr).prefixlen))
            if prefix == "qr-" and subnet.ip_version == 6 and subnet.ipv6_ra_mode:
                ra_modes.add(subnet.ipv6_ra_mode)
                ra_prefixes.append(subnet.cidr)
    scopes = (network.ipv4_address_scope, network.ipv6_address_scope) if network else (None, None)
    return Device(port.id, port.network_id, f"tap{port.id[:11]}", f"{prefix}{port.id[:11]}",
                  port.mac_address, network.mtu if network else None, tuple(addresses) + extra,
                  scopes, min(ra_modes) if ra_modes else None, tuple(sorted(ra_prefixes)))


def _v4(ip: str) -> bool:
    return ipaddress.ip_address(ip).version == 4


def plan_router(desired: DesiredState, router: Router, host: str) -> RouterPlan:
    ports = {p.id: p for p in desired.ports if p.host == host}
    subnets = {s.id: s for s in desired.subnets}
    networks = {n.id: n for n in desired.networks}
    fips = [f for f in desired.floatingips if f.router_id == router.id]
    gateway = gateway_ip = default_route = default_route6 = None
    gw_port = ports.get(router.gw_port_id or "")
    floating: list[tuple[str, str, str]] = []
    forwards: list[Forward] = []
    if gw_port is not None:
        for fip in fips:
            if fip.port_id and fip.fixed_ip_address and _v4(fip.fixed_ip_address):
                floating.append((fip.id, fip.floating_ip_address, fip.fixed_ip_address))
            forwards.extend(_forwards(fip))
        # The namespace answers ARP for its floating IPs on the gateway device.
        extra = tuple(sorted({(ip, 32) for _id, ip, _fixed in floating}
                             | {(f.floating_ip, 32) for f in forwards}))
        gateway = _device(gw_port, subnets, "qg-", networks.get(gw_port.network_id), extra)
        for subnet_id, ip in gw_port.allocations:
            subnet = subnets.get(subnet_id)
            if _v4(ip) and gateway_ip is None:
                gateway_ip = ip
                default_route = subnet.gateway_ip if subnet is not None else None
            elif not _v4(ip) and default_route6 is None and subnet is not None:
                default_route6 = subnet.gateway_ip
    interfaces = tuple(_device(ports[i], subnets, "qr-", networks.get(ports[i].network_id))
                       for i in sorted(router.interfaces) if i in ports)
    sources = sorted({subnets[s].cidr for d in interfaces for s, _ip in ports[d.port_id].allocations
                      if s in subnets and subnets[s].ip_version == 4})
    logs = tuple(sorted((log for log in desired.logs
                         if log.resource_type == "snat" and log.resource_id == router.id),
                        key=lambda log: log.id)) if router.enable_snat and gateway_ip else ()
    return RouterPlan(router.id, namespace_of(router.id), gateway, gateway_ip, default_route,
                      default_route6, interfaces, tuple(sources) if router.enable_snat else (),
                      tuple(sorted(router.routes)), tuple(sorted(floating)),
                      tuple(sorted(forwards, key=lambda f: (f.floating_ip, f.protocol, f.external))),
                      logs)


def _forwards(fip: FloatingIp) -> list[Forward]:
    return [Forward(fip.floating_ip_address, pf.protocol, pf.external, pf.internal_ip_address,
                    pf.internal) for pf in fip.port_forwardings]


def plan_routers(desired: DesiredState, host: str) -> dict[str, RouterPlan]:
    """The routers this host carries (admin up), by id."""
    return {r.id: plan_router(desired, r, host) for r in desired.routers if r.admin_state_up}


def same_scope(plan: RouterPlan, version: int) -> list[tuple[str, str]]:
    """Ordered pairs (in, out) of the router's devices whose networks are in one address
    scope of that IP version (none counts as one scope here): what the router forwards
    unchanged. A new connection into an interface from a device of another scope is
    dropped unless it was DNAT'd (a floating IP, a port forwarding)."""
    index = 0 if version == 4 else 1
    return [(a.device, b.device) for a in plan.devices for b in plan.devices
            if a is not b and a.scopes[index] == b.scopes[index]]


def ruleset(plan: RouterPlan, log_limit: tuple[int, int] = (100, 25)) -> str:
    """The ``nft -f`` script that replaces the router's table as one transaction:
    declare it (so the delete cannot fail), delete it, define it whole. ``log_limit``:
    (per second, burst) of the connections marked for the router's snat logs.

    Address scopes (Neutron marks packets with a scope id in the fwmark's upper bits
    because iptables' POSTROUTING cannot see the input device; nftables can): the
    interfaces in the external network's IPv4 scope leave by the gateway untranslated,
    and a named set of same-scope (in, out) device pairs guards the interfaces."""
    qg = f'"{plan.gateway.device}"' if plan.gateway else None
    pre: list[str] = []
    out: list[str] = []
    post: list[str] = []
    forward: list[str] = []
    for fwd in plan.forwards:
        pre.append(_forward_rule(fwd))
    for _id, fip, fixed in plan.floating:
        pre.append(f"ip daddr {fip} dnat ip to {fixed}")
        out.append(f"ip daddr {fip} dnat ip to {fixed}")
    if plan.gateway and qg:
        # Between the router's own subnets (and what arrives DNAT'd): no SNAT.
        post.append(f"oifname != {qg} ct status & dnat == 0 accept")
        for _id, fip, fixed in plan.floating:
            post.append(f"ip saddr {fixed} oifname {qg} snat ip to {fip}")
        scope = plan.gateway.scopes[0]
        routed = sorted(d.device for d in plan.interfaces if scope and d.scopes[0] == scope)
        if routed:  # the external network's address scope: routed, not translated
            post.append(f"meta nfproto ipv4 iifname {{ {', '.join(_q(d) for d in routed)} }} accept")
        if plan.gateway_ip and plan.snat_sources:
            snat = f"oifname {qg} ip saddr {{ {', '.join(plan.snat_sources)} }}"
            if plan.snat_logs:  # the nat chain sees only a connection's first packet
                rate, burst = log_limit
                post.append(f"{snat} limit rate {rate}/second burst {burst} packets "
                            f"ct mark set ct mark | {SNAT_LOG_MARK:#x}")
            post.append(f"{snat} snat ip to {plan.gateway_ip}")
    if plan.interfaces:
        for family, version in (("ipv4", 4), ("ipv6", 6)):
            forward.append(f'oifname "qr-*" meta nfproto {family} ct state new '
                           f"ct status & dnat == 0 iifname . oifname != @scope{version} drop")
    lines = [f"table inet {TABLE}", f"delete table inet {TABLE}"]
    for family in OLD_TABLES:
        lines += [f"table {family} {TABLE}", f"delete table {family} {TABLE}"]
    lines.append(f"table inet {TABLE} {{")
    for version in (4, 6):
        pairs = same_scope(plan, version)
        lines.append(f"\tset scope{version} {{")
        lines.append("\t\ttype ifname . ifname;")
        if pairs:
            lines.append("\t\telements = { " + ", ".join(f"{_q(a)} . {_q(b)}" for a, b in pairs)
                         + " }")
        lines.append("\t}")
    for name, kind, hook, priority, rules in (
            ("prerouting", "nat", "prerouting", "dstnat", pre),
            ("output", "nat", "output", "-100", out),
            ("postrouting", "nat", "postrouting", "srcnat", post),
            ("forward", "filter", "forward", "filter", forward)):
        lines.append(f"\tchain {name} {{")
        lines.append(f"\t\ttype {kind} hook {hook} priority {priority}; policy accept;")
        lines.extend(f"\t\t{rule}" for rule in rules)
        lines.append("\t}")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _q(name: str) -> str:
    return f'"{name}"'


def _forward_rule(fwd: Forward) -> str:
    ext_first, ext_last = fwd.external
    int_first, int_last = fwd.internal
    match = f"ip daddr {fwd.floating_ip} {fwd.protocol} dport"
    if ext_first == ext_last:
        return f"{match} {ext_first} dnat ip to {fwd.internal_ip}:{int_first}"
    if ext_last - ext_first == int_last - int_first:
        # One to one: an explicit map (a range after dnat would pick any port of it).
        pairs = ", ".join(f"{ext_first + i} : {int_first + i}"
                          for i in range(ext_last - ext_first + 1))
        return (f"{match} {ext_first}-{ext_last} dnat ip to {fwd.internal_ip} : "
                f"{fwd.protocol} dport map {{ {pairs} }}")
    # Ranges of different sizes (the API allows N:1): every external port to the internal range.
    return f"{match} {ext_first}-{ext_last} dnat ip to {fwd.internal_ip}:{int_first}-{int_last}"
