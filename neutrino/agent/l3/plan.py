"""Pure: what a router placed on this host must look like in its namespace.

From the desired state alone (routers, their ports bound here, the subnets,
floating IPs and port forwardings) a ``RouterPlan``: the ``qrouter-<id>``
namespace, one veth per port (``qg-`` the gateway, ``qr-`` each interface,
``tap`` their br-int ends: prefix + the port id's first 11 characters), the
addresses (floating IPs as /32 on the gateway device, so the namespace answers
ARP for them), the routes, and the nftables table that does the NAT (and marks
the SNAT'd connections a ``snat`` log records: ``snat_log.py``).
"""
from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from neutrino.agent.desired import DesiredState, FloatingIp, Log, Port, Router, Subnet
from neutrino.agent.l3.snat_log import SNAT_LOG_MARK

TABLE = "neutrino"  # the one nftables table in each router namespace (ip family)


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
    interfaces: tuple[Device, ...]
    snat_sources: tuple[str, ...]  # internal IPv4 CIDRs translated when leaving by the gateway
    routes: tuple[tuple[str, str], ...]  # extra routes (destination, nexthop)
    floating: tuple[tuple[str, str, str], ...]  # (floating IP id, floating IP, fixed IP)
    forwards: tuple[Forward, ...]
    snat_logs: tuple[Log, ...] = ()  # the enabled snat logs of the router (when it SNATs)

    @property
    def devices(self) -> tuple[Device, ...]:
        return ((self.gateway,) if self.gateway else ()) + self.interfaces


def namespace_of(router_id: str) -> str:
    return f"qrouter-{router_id}"


def _device(port: Port, subnets: dict[str, Subnet], prefix: str, mtu: int | None,
            extra: tuple[tuple[str, int], ...] = ()) -> Device:
    addresses = []
    for subnet_id, ip in port.allocations:
        subnet = subnets.get(subnet_id)
        if subnet is not None:
            addresses.append((ip, ipaddress.ip_network(subnet.cidr).prefixlen))
    return Device(port.id, port.network_id, f"tap{port.id[:11]}", f"{prefix}{port.id[:11]}",
                  port.mac_address, mtu, tuple(addresses) + extra)


def _v4(ip: str) -> bool:
    return ipaddress.ip_address(ip).version == 4


def plan_router(desired: DesiredState, router: Router, host: str) -> RouterPlan:
    ports = {p.id: p for p in desired.ports if p.host == host}
    subnets = {s.id: s for s in desired.subnets}
    mtus = {n.id: n.mtu for n in desired.networks}
    fips = [f for f in desired.floatingips if f.router_id == router.id]
    gateway = gateway_ip = default_route = None
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
        gateway = _device(gw_port, subnets, "qg-", mtus.get(gw_port.network_id), extra)
        for subnet_id, ip in gw_port.allocations:
            subnet = subnets.get(subnet_id)
            if _v4(ip) and gateway_ip is None:
                gateway_ip = ip
                default_route = subnet.gateway_ip if subnet is not None else None
    interfaces = tuple(_device(ports[i], subnets, "qr-", mtus.get(ports[i].network_id))
                       for i in sorted(router.interfaces) if i in ports)
    sources = sorted({subnets[s].cidr for d in interfaces for s, _ip in ports[d.port_id].allocations
                      if s in subnets and subnets[s].ip_version == 4})
    logs = tuple(sorted((log for log in desired.logs
                         if log.resource_type == "snat" and log.resource_id == router.id),
                        key=lambda log: log.id)) if router.enable_snat and gateway_ip else ()
    return RouterPlan(router.id, namespace_of(router.id), gateway, gateway_ip, default_route,
                      interfaces, tuple(sources) if router.enable_snat else (),
                      tuple(sorted(router.routes)), tuple(sorted(floating)),
                      tuple(sorted(forwards, key=lambda f: (f.floating_ip, f.protocol, f.external))),
                      logs)


def _forwards(fip: FloatingIp) -> list[Forward]:
    return [Forward(fip.floating_ip_address, pf.protocol, pf.external, pf.internal_ip_address,
                    pf.internal) for pf in fip.port_forwardings]


def plan_routers(desired: DesiredState, host: str) -> dict[str, RouterPlan]:
    """The routers this host carries (admin up), by id."""
    return {r.id: plan_router(desired, r, host) for r in desired.routers if r.admin_state_up}


def ruleset(plan: RouterPlan, log_limit: tuple[int, int] = (100, 25)) -> str:
    """The ``nft -f`` script that replaces the router's table as one transaction:
    declare it (so the delete cannot fail), delete it, define it whole. ``log_limit``:
    (per second, burst) of the connections marked for the router's snat logs."""
    qg = f'"{plan.gateway.device}"' if plan.gateway else None
    pre: list[str] = []
    out: list[str] = []
    post: list[str] = []
    for fwd in plan.forwards:
        pre.append(_forward_rule(fwd))
    for _id, fip, fixed in plan.floating:
        pre.append(f"ip daddr {fip} dnat ip to {fixed}")
        out.append(f"ip daddr {fip} dnat ip to {fixed}")
    if qg:
        # Between the router's own subnets (and what arrives DNAT'd): no SNAT.
        post.append(f"oifname != {qg} ct status & dnat == 0 accept")
        for _id, fip, fixed in plan.floating:
            post.append(f"ip saddr {fixed} oifname {qg} snat ip to {fip}")
        if plan.gateway_ip and plan.snat_sources:
            snat = f"oifname {qg} ip saddr {{ {', '.join(plan.snat_sources)} }}"
            if plan.snat_logs:  # the nat chain sees only a connection's first packet
                rate, burst = log_limit
                post.append(f"{snat} limit rate {rate}/second burst {burst} packets "
                            f"ct mark set ct mark | {SNAT_LOG_MARK:#x}")
            post.append(f"{snat} snat ip to {plan.gateway_ip}")
    lines = [f"table ip {TABLE}", f"delete table ip {TABLE}", f"table ip {TABLE} {{"]
    for name, hook, priority, rules in (("prerouting", "prerouting", "dstnat", pre),
                                        ("output", "output", "-100", out),
                                        ("postrouting", "postrouting", "srcnat", post)):
        lines.append(f"\tchain {name} {{")
        lines.append(f"\t\ttype nat hook {hook} priority {priority}; policy accept;")
        lines.extend(f"\t\t{rule}" for rule in rules)
        lines.append("\t}")
    lines.append("}")
    return "\n".join(lines) + "\n"


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
