"""What one network's DHCP server must look like, computed from the desired state alone.

Pure functions, no I/O: ``plan_network`` picks the network's DHCP port, the
subnets it serves and the ports it leases to; ``hosts_file``, ``opts_file``,
``addn_hosts_file`` and ``dnsmasq_args`` render dnsmasq's inputs from that plan.
The driver (``neutrino.agent.dhcp``) writes the files, compares the command line
with the running process and decides between nothing, SIGHUP and a restart.

Every lease comes from Neutrino's allocations: ranges are ``static`` (dnsmasq
never picks an address), and the hosts file lists each port's MAC with the IP
the API gave it.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from neutrino.agent.desired import DesiredState, Network, Port, Subnet

DHCP_OWNER = "network:dhcp"
STATEFUL = "dhcpv6-stateful"
STATELESS = "dhcpv6-stateless"
IPV4_ANY = "0.0.0.0/0"
# A subnet whose dns_nameservers is exactly this hands out no DNS server at all.
NO_DNS = {"0.0.0.0", "::"}
# dnsmasq's lease table must hold one lease per address it may give.
MAX_LEASES = 1 << 24


@dataclass(frozen=True)
class DhcpPlan:
    """One network as its DHCP server sees it."""

    network: Network
    port: Port  # the network's DHCP port, bound to this host
    subnets: tuple[Subnet, ...]  # served: enable_dhcp, and for IPv6 a DHCPv6 mode
    all_subnets: tuple[Subnet, ...]  # every subnet of the network (prefix lengths)
    ports: tuple[Port, ...]  # every other port of the network, bound or not

    @property
    def namespace(self) -> str:
        return f"qdhcp-{self.network.id}"

    @property
    def tap(self) -> str:
        """The br-int end of the DHCP port's veth (Neutron's ``tap`` prefix, under 15 chars)."""
        return f"tap{self.port.id[:11]}"

    @property
    def device(self) -> str:
        """The namespace end, the interface dnsmasq binds to."""
        return f"ns-{self.port.id[:11]}"

    def addresses(self) -> tuple[tuple[str, int], ...]:
        """The DHCP port's fixed IPs with their subnets' prefix lengths."""
        prefix = {s.id: ipaddress.ip_network(s.cidr, strict=False).prefixlen for s in self.all_subnets}
        return tuple(sorted((ip, prefix[sid]) for sid, ip in self.port.allocations if sid in prefix))

    @property
    def serves_ipv6(self) -> bool:
        return any(s.ip_version == 6 for s in self.subnets)

    def port_address(self, subnet: Subnet) -> str | None:
        """The DHCP port's address in ``subnet`` (where dnsmasq answers DNS)."""
        return next((ip for sid, ip in self.port.allocations if sid == subnet.id), None)


def v6_mode(subnet: Subnet) -> str | None:
    """``stateful``, ``stateless`` or None (not served by DHCPv6: SLAAC or DHCP off)."""
    if subnet.ip_version != 6 or not subnet.enable_dhcp:
        return None
    if subnet.ipv6_address_mode == STATEFUL:
        return "stateful"
    if subnet.ipv6_address_mode == STATELESS:
        return "stateless"
    # Neither mode set: Neutron's historic behaviour is stateful DHCPv6.
    if subnet.ipv6_address_mode is None and subnet.ipv6_ra_mode is None:
        return "stateful"
    return None


def served(subnet: Subnet) -> bool:
    return subnet.enable_dhcp and (subnet.ip_version == 4 or v6_mode(subnet) is not None)


def plan_network(desired: DesiredState, network_id: str, host: str) -> DhcpPlan | None:
    """The plan for one network, or None when this host holds no DHCP port for it."""
    network = desired.network_map().get(network_id)
    if network is None:
        return None
    ports = [p for p in desired.ports if p.network_id == network_id]
    dhcp_port = next((p for p in sorted(ports, key=lambda p: p.id)
                      if p.device_owner == DHCP_OWNER and p.host == host), None)
    if dhcp_port is None:
        return None
    subnets = tuple(sorted((s for s in desired.subnets if s.network_id == network_id),
                           key=lambda s: s.id))
    return DhcpPlan(network=network, port=dhcp_port,
                    subnets=tuple(s for s in subnets if served(s)), all_subnets=subnets,
                    ports=tuple(sorted((p for p in ports if p.id != dhcp_port.id),
                                       key=lambda p: p.id)))


def hostname(port: Port, ip: str) -> str:
    """The port's dns_name, else Neutron's ``host-10-0-0-5`` form of its address."""
    if port.dns_name:
        return port.dns_name
    return "host-" + ip.replace(".", "-").replace(":", "-")


def _tag(port: Port, version: int) -> str:
    if any(v == version for _, _, v in port.extra_dhcp_opts):
        return f",set:port-{port.id}"
    return ""


def _leases(plan: DhcpPlan) -> list[tuple[Port, Subnet, str]]:
    """(port, subnet, ip) of every address handed out by DHCP (v4 and DHCPv6 stateful)."""
    by_id = {s.id: s for s in plan.subnets}
    found = []
    for port in plan.ports:
        for subnet_id, ip in port.allocations:
            subnet = by_id.get(subnet_id)
            if subnet is None:
                continue
            if subnet.ip_version == 6 and v6_mode(subnet) != "stateful":
                continue  # SLAAC addresses: the VM makes them itself
            found.append((port, subnet, ip))
    return found


def hosts_file(plan: DhcpPlan) -> str:
    """``--dhcp-hostsfile``: ``<mac>,<name>,<ip>[,set:port-<id>]``, IPv6 in brackets.

    Ports on stateless DHCPv6 subnets that carry IPv6 extra options get an
    address-less line, only to set their tag.
    """
    lines = []
    leases = _leases(plan)
    for port, subnet, ip in leases:
        address = f"[{ip}]" if subnet.ip_version == 6 else ip
        lines.append(f"{port.mac_address},{hostname(port, ip)},{address}{_tag(port, subnet.ip_version)}")
    if any(v6_mode(s) == "stateless" for s in plan.subnets):
        with_v6 = {port.id for port, subnet, _ in leases if subnet.ip_version == 6}
        lines.extend(f"{port.mac_address}{_tag(port, 6)}" for port in plan.ports
                     if _tag(port, 6) and port.id not in with_v6)
    return "".join(line + "\n" for line in lines)


def addn_hosts_file(plan: DhcpPlan) -> str:
    """``--addn-hosts``: the names dnsmasq answers in DNS, one address per line."""
    lines = [f"{ip}\t{hostname(port, ip)}" for port, _, ip in _leases(plan)]
    return "".join(line + "\n" for line in lines)


def _dns_servers(plan: DhcpPlan, subnet: Subnet) -> list[str]:
    if subnet.dns_nameservers:
        if set(subnet.dns_nameservers) <= NO_DNS:
            return []
        return list(subnet.dns_nameservers)
    # None configured: dnsmasq itself answers (the network's names, and the
    # agent's configured forwarders if any), as Neutron's DHCP port does.
    own = plan.port_address(subnet)
    return [own] if own else []


def _classless_routes(plan: DhcpPlan, subnet: Subnet) -> tuple[list[str], str | None]:
    """(destination,nexthop pairs for options 121/249, the router to announce)."""
    gateway = subnet.gateway_ip
    routes = []
    for destination, nexthop in subnet.host_routes:
        if destination == IPV4_ANY:
            gateway = gateway or nexthop
        else:
            routes.append(f"{destination},{nexthop}")
    # The network's other IPv4 subnets are on the same link: reach them directly.
    on_link = [f"{s.cidr},0.0.0.0" for s in plan.all_subnets
               if s.ip_version == 4 and s.id != subnet.id]
    routes = on_link + routes
    # RFC 3442: a client given option 121 ignores the router option, so the
    # default route must be in the list too.
    if routes and gateway:
        routes.append(f"{IPV4_ANY},{gateway}")
    return routes, gateway


def opts_file(plan: DhcpPlan) -> str:
    """``--dhcp-optsfile``: options per subnet (``tag:subnet-<id>``) and per port."""
    lines = []
    for subnet in plan.subnets:
        tag = f"tag:subnet-{subnet.id}"
        dns = _dns_servers(plan, subnet)
        if subnet.ip_version == 4:
            lines.append(f"{tag},option:dns-server" + "".join(f",{ip}" for ip in dns))
            routes, gateway = _classless_routes(plan, subnet)
            if routes:
                lines.append(f"{tag},option:classless-static-route,{','.join(routes)}")
                lines.append(f"{tag},249,{','.join(routes)}")
            # Without a router line dnsmasq would announce itself as the router.
            lines.append(f"{tag},option:router" + (f",{gateway}" if gateway else ""))
            if plan.network.mtu:
                lines.append(f"{tag},option:mtu,{plan.network.mtu}")
        else:
            lines.append(f"{tag},option6:dns-server" + "".join(f",[{ip}]" for ip in dns))
    for port in plan.ports:
        for name, value, version in port.extra_dhcp_opts:
            line = _extra_option(port, name, value, version)
            if line:
                lines.append(line)
    return "".join(line + "\n" for line in lines)


def _extra_option(port: Port, name: str, value: str, version: int) -> str | None:
    """One extra_dhcp_opt as an opts-file line; None for what cannot be one safely."""
    if any(c in name + value for c in "\n\r\0") or not name.replace("-", "").isalnum():
        return None  # would break the file's line structure, or is no option name
    space = "option6" if version == 6 else "option"
    option = f"{space}:{name}" if not name.isdigit() or version == 6 else name
    return f"tag:port-{port.id},{option},{value}"


@dataclass(frozen=True)
class Paths:
    """Where one network's dnsmasq keeps its files: ``<state_path>/dhcp/<network id>/``."""

    root: Path

    @classmethod
    def of(cls, state_path: str | Path, network_id: str) -> Paths:
        return cls(Path(state_path) / "dhcp" / network_id)

    @property
    def pid(self) -> Path:
        return self.root / "pid"

    @property
    def hosts(self) -> Path:
        return self.root / "host"

    @property
    def opts(self) -> Path:
        return self.root / "opts"

    @property
    def addn_hosts(self) -> Path:
        return self.root / "addn_hosts"

    @property
    def leases(self) -> Path:
        return self.root / "leases"

    @property
    def log(self) -> Path:
        return self.root / "log"


def _range(subnet: Subnet, lease_seconds: int) -> str:
    net = ipaddress.ip_network(subnet.cidr, strict=False)
    mask = str(net.netmask) if net.version == 4 else str(net.prefixlen)
    return f"--dhcp-range=set:subnet-{subnet.id},{net.network_address},static,{mask},{lease_seconds}s"


def dnsmasq_args(plan: DhcpPlan, paths: Paths, *, lease_seconds: int = 86400,
                 dns_servers: tuple[str, ...] = (), user: str | None = None,
                 log_dhcp: bool = False, binary: str = "dnsmasq") -> list[str]:
    """dnsmasq's command line: what may only change by a restart (ranges, interface, files).

    Everything that changes with ports (hosts, options) is in the files, re-read
    on SIGHUP; this list is compared with the running process's to decide on a
    restart.
    """
    args = [
        binary, "--conf-file=/dev/null", "--no-hosts",
        # No recursion to the host's resolvers: only the configured forwarders.
        "--no-resolv", *(f"--server={s}" for s in dns_servers),
        f"--pid-file={paths.pid}", f"--dhcp-hostsfile={paths.hosts}",
        f"--addn-hosts={paths.addn_hosts}", f"--dhcp-optsfile={paths.opts}",
        f"--dhcp-leasefile={paths.leases}", f"--log-facility={paths.log}",
        f"--interface={plan.device}", "--except-interface=lo", "--bind-dynamic",
        # The only DHCP server of the network, with every client known: a
        # request for an address the port no longer has is NAKed at once, so
        # the client falls back to discovery and gets its new one.
        "--dhcp-authoritative",
    ]
    if user:
        args.append(f"--user={user}")
    if log_dhcp:
        args.append("--log-dhcp")
    size = 0
    for subnet in plan.subnets:
        args.append(_range(subnet, lease_seconds))
        size += ipaddress.ip_network(subnet.cidr, strict=False).num_addresses
    args.append(f"--dhcp-lease-max={min(max(size, 1), MAX_LEASES)}")
    return args
