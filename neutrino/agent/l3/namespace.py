"""A router's namespace through pyroute2 and its NAT through ``nft`` (no ``ip``,
no iptables): the veths are made as the DHCP port's are (``dhcp.namespace.ensure``),
then forwarding, the routes and the nftables table."""
from __future__ import annotations

import ctypes
import ipaddress
import os
import socket
import subprocess

from pyroute2 import IPRoute, netns

from neutrino.agent import frames
from neutrino.agent.dhcp import namespace as dhcp_ns
from neutrino.agent.dhcp.namespace import InterfaceSpec
from neutrino.agent.l3.plan import TABLE, RouterPlan

CLONE_NEWNET = 0x40000000
RTPROT_STATIC = 4  # the routes this agent adds carry it; others (the kernel's) are left alone
PREFIXES = ("qr-", "qg-")


class NftError(RuntimeError):
    """nft refused a script."""


def run_in(namespace: str, args: list[str], stdin: str | None = None) -> subprocess.CompletedProcess:
    """Run a program inside ``namespace`` (entered in the child by one libc call: the agent
    has threads, so nothing else may run between fork and exec)."""
    fd = os.open(os.path.join(netns.NETNS_RUN_DIR, namespace), os.O_RDONLY | os.O_CLOEXEC)
    libc_setns = ctypes.CDLL(None, use_errno=True).setns

    def enter() -> None:
        if libc_setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), f"setns into {namespace} failed")
    try:
        return subprocess.run(args, preexec_fn=enter, input=stdin, capture_output=True, text=True,
                              timeout=30, check=False)
    finally:
        os.close(fd)


def apply_nat(namespace: str, script: str) -> None:
    """Replace the router's table in one nft transaction."""
    done = run_in(namespace, ["nft", "-f", "-"], script)
    if done.returncode != 0:
        raise NftError(f"nft in {namespace}: {done.stderr.strip()}")


def nat_table(namespace: str) -> str:
    """The table as nft lists it (for tests and operators)."""
    return run_in(namespace, ["nft", "list", "table", "inet", TABLE]).stdout


def delete_conntrack(namespace: str, address: str) -> None:
    """Forget the connections to and from a floating IP that went: they must stop,
    not live on through conntrack's memory of the old translation."""
    for flag in ("--orig-dst", "--reply-dst"):
        run_in(namespace, ["conntrack", "-D", flag, address])


def delete_forward_conntrack(namespace: str, address: str, protocol: str, ports: range) -> None:
    """Forget the connections a removed port forwarding admitted."""
    for port in ports:
        run_in(namespace, ["conntrack", "-D", "-p", protocol, "--orig-dst", address,
                           "--orig-port-dst", str(port)])


def _sysctls(ipv6: bool) -> None:
    settings = [("ipv4/ip_forward", 1), ("ipv4/conf/all/rp_filter", 0),
                ("ipv4/conf/default/rp_filter", 0)]
    if ipv6:  # (the ports' own accept_ra stays 0: the router takes no RAs)
        settings.append(("ipv6/conf/all/forwarding", 1))
    for path, value in settings:
        with open(f"/proc/sys/net/{path}", "w") as fh:
            fh.write(str(value))


def ensure(plan: RouterPlan, host_netns: str | None = None) -> list[str]:
    """Create or correct the namespace, its devices, forwarding and routes; the taps
    whose veth was (re)made."""
    made = []
    for dev in plan.devices:
        if dhcp_ns.ensure(InterfaceSpec(namespace=plan.namespace, tap=dev.tap, device=dev.device,
                                     mac=dev.mac, mtu=dev.mtu, addresses=dev.addresses,
                                     ipv6=plan.ipv6), host_netns):
            made.append(dev.tap)
    if plan.namespace not in netns.listnetns():
        netns.create(plan.namespace)
    dhcp_ns.in_namespace(plan.namespace, lambda: _sysctls(plan.ipv6))
    wanted_devices = {d.device for d in plan.devices}
    with IPRoute(netns=plan.namespace, flags=0) as ns:
        ns.link("set", index=ns.link_lookup(ifname="lo")[0], state="up")
        for link in ns.get_links():
            name = link.get("IFLA_IFNAME")
            if name.startswith(PREFIXES) and name not in wanted_devices:
                ns.link("del", index=link["index"])  # the veth's other end goes with it
        _ensure_routes(ns, plan)
    return made


def _ensure_routes(ns: IPRoute, plan: RouterPlan) -> None:
    wanted: set[tuple[str, str]] = set()
    if plan.default_route and plan.gateway:
        wanted.add(("0.0.0.0/0", plan.default_route))
    if plan.default_route6 and plan.gateway:
        wanted.add(("::/0", plan.default_route6))
    wanted.update((str(ipaddress.ip_network(d, strict=False)), n) for d, n in plan.routes)
    have: set[tuple[str, str]] = set()
    for family, default in ((socket.AF_INET, "0.0.0.0"), (socket.AF_INET6, "::")):
        for route in ns.get_routes(family=family, table=254):
            if route["proto"] != RTPROT_STATIC:
                continue
            dst = route.get("RTA_DST") or default
            have.add((f"{dst}/{route['dst_len']}", route.get("RTA_GATEWAY") or ""))
    for dst, gateway in sorted(have - wanted):
        ns.route("del", dst=dst, gateway=gateway or None, proto=RTPROT_STATIC)
    for dst, gateway in sorted(wanted - have):
        try:
            ns.route("replace", dst=dst, gateway=gateway, proto=RTPROT_STATIC)
        except Exception as err:  # a nexthop not on any subnet of the router: skip it, say why
            raise RouteError(f"route {dst} via {gateway}: {err}") from err


class RouteError(RuntimeError):
    """A route the kernel refused (its nexthop unreachable from the router)."""


def destroy(namespace: str, taps: list[str], host_netns: str | None = None) -> None:
    for tap in taps:
        dhcp_ns.destroy(namespace, tap, host_netns)
    if namespace in netns.listnetns():
        netns.remove(namespace)


def announce(namespace: str, device: str, addresses: list[str]) -> None:
    """Gratuitous ARP for IPv4 addresses new on a device (as Neutron's L3 agent sends):
    neighbours holding the address under another MAC (a re-added interface, a floating
    IP that moved) update at once instead of after their cache entry goes stale."""
    def send() -> None:
        with socket.socket(socket.AF_PACKET, socket.SOCK_RAW) as sock:
            sock.bind((device, 0))
            mac = sock.getsockname()[4]
            for address in addresses:
                sock.send(frames.gratuitous_arp(mac, address))
    dhcp_ns.in_namespace(namespace, send)
