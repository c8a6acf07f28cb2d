"""The DHCP namespace and its interface, through pyroute2 (no ``ip`` commands).

The DHCP port is a veth pair: ``tap<port>`` stays beside Open vSwitch and is
added to br-int, ``ns-<port>`` lives in ``qdhcp-<network>`` with the port's MAC
and fixed IPs. A veth rather than an OVS internal port because the userspace
datapath's internal ports are tap devices that OVS keeps using by name in its
own namespace.

Every function is idempotent: called again with the same spec it changes
nothing, so a restarted agent re-asserts what it finds without a flap.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from pyroute2 import IPRoute, netns
from pyroute2.ethtool import Ethtool

LOG = logging.getLogger(__name__)
IFA_F_NODAD = 0x02
T = TypeVar("T")


@dataclass(frozen=True)
class InterfaceSpec:
    """Everything the namespace side of one network's DHCP port must have."""

    namespace: str
    tap: str  # br-int side, in the host's (OVS's) namespace
    device: str  # namespace side
    mac: str
    mtu: int | None
    addresses: tuple[tuple[str, int], ...]  # (ip, prefix length)
    ipv6: bool  # an IPv6 subnet is served: link-local needed for DHCPv6


def in_namespace(name: str, func: Callable[[], T]) -> T:
    """Run ``func`` in a thread switched into namespace ``name``.

    setns(CLONE_NEWNET) moves only the calling thread, and the thread ends with
    the call: the agent's own threads never leave the host's namespace. Needed
    for what is resolved by the caller's namespace: /proc/sys/net and ethtool.
    """
    result: list[Any] = []
    errors: list[BaseException] = []

    def target() -> None:
        try:
            netns.setns(name, flags=0)
            result.append(func())
        except BaseException as exc:  # re-raised in the caller
            errors.append(exc)

    thread = threading.Thread(target=target, name=f"netns-{name}")
    thread.start()
    thread.join()
    if errors:
        raise errors[0]
    return result[0]


def _sysctl(path: str, value: int) -> None:
    with open(f"/proc/sys/net/{path}", "w") as fh:
        fh.write(str(value))


def _ipv6_settings(device: str | None, ipv6: bool) -> None:
    """No IPv6 chatter unless DHCPv6 is served; never autoconfigure from RAs; no DAD wait."""
    for conf in (("all", "default") if device is None else (device,)):
        _sysctl(f"ipv6/conf/{conf}/disable_ipv6", 0 if ipv6 else 1)
        _sysctl(f"ipv6/conf/{conf}/accept_ra", 0)
        _sysctl(f"ipv6/conf/{conf}/accept_dad", 0)


def no_tx_checksum(device: str) -> None:
    """Have the kernel fill in checksums the veth would leave to "hardware".

    With tx checksum offload, dnsmasq's UDP replies cross the veth with only a
    partial checksum; the userspace datapath reads them through a packet
    socket and forwards them as they are, and a DHCP client (which reads raw
    frames) drops them as corrupt.
    """
    with Ethtool() as tool:
        features = tool.get_features(device)
        changed = False
        for name, feature in features.features.items():
            if name.startswith("tx-checksum") and feature.enable and feature.available:
                feature.enable = False
                changed = True
        if changed:
            tool.set_features(device, features)


def _host_ipr(host_netns: str | None) -> IPRoute:
    return IPRoute(netns=host_netns, flags=0) if host_netns else IPRoute()


def ensure(spec: InterfaceSpec, host_netns: str | None = None) -> bool:
    """Create or correct the namespace, the veth pair and the addresses; True when the
    pair was (re)made (a switch port of that name must then be made anew too)."""
    if spec.namespace not in netns.listnetns():
        netns.create(spec.namespace)
    in_namespace(spec.namespace, lambda: _ipv6_settings(None, spec.ipv6))
    with IPRoute(netns=spec.namespace, flags=0) as ns:
        ns.link("set", index=ns.link_lookup(ifname="lo")[0], state="up")
        # A DHCP port whose id changed leaves an interface of another name behind.
        for link in ns.get_links():
            name = link.get("IFLA_IFNAME")
            if name.startswith("ns-") and name != spec.device:
                ns.link("del", index=link["index"])
        found = ns.link_lookup(ifname=spec.device)
    with _host_ipr(host_netns) as host:
        if found and not host.link_lookup(ifname=spec.tap):
            # The pair's other end is not beside this host's switch (the port moved here
            # from a host whose namespace of that name was left behind): make it anew.
            with IPRoute(netns=spec.namespace, flags=0) as ns:
                ns.link("del", index=found[0])
            found = []
        made = not found
        if made:
            stale = host.link_lookup(ifname=spec.tap)
            if stale:
                host.link("del", index=stale[0])
            host.link("add", ifname=spec.tap, kind="veth",
                      peer={"ifname": spec.device, "net_ns_fd": spec.namespace})
        tap = host.link_lookup(ifname=spec.tap)[0]
        host.link("set", index=tap, state="up", **({"mtu": spec.mtu} if spec.mtu else {}))
    in_namespace(spec.namespace, lambda: (_ipv6_settings(spec.device, spec.ipv6),
                                          no_tx_checksum(spec.device)))
    with IPRoute(netns=spec.namespace, flags=0) as ns:
        index = ns.link_lookup(ifname=spec.device)[0]
        link = ns.get_links(index)[0]
        changes: dict[str, Any] = {}
        if link.get("IFLA_ADDRESS") != spec.mac:
            changes["address"] = spec.mac
        if spec.mtu and link.get("IFLA_MTU") != spec.mtu:
            changes["mtu"] = spec.mtu
        if changes:
            ns.link("set", index=index, **changes)
        ns.link("set", index=index, state="up")
        _ensure_addresses(ns, index, spec.addresses)
    return made


def _ensure_addresses(ns: IPRoute, index: int, wanted: tuple[tuple[str, int], ...]) -> None:
    have = set()
    for addr in ns.get_addr(index=index):
        ip = addr.get("IFA_ADDRESS")
        if addr["family"] == socket.AF_INET6 and ipaddress.ip_address(ip).is_link_local:
            continue  # the kernel's own, needed by DHCPv6
        have.add((ip, addr["prefixlen"]))
    for ip, prefixlen in sorted(have - set(wanted)):
        ns.addr("del", index=index, address=ip, prefixlen=prefixlen)
    for ip, prefixlen in sorted(set(wanted) - have):
        extra = {"flags": IFA_F_NODAD} if ipaddress.ip_address(ip).version == 6 else {}
        ns.addr("add", index=index, address=ip, prefixlen=prefixlen, **extra)


def destroy(namespace: str, tap: str | None, host_netns: str | None = None) -> None:
    """Remove the veth pair (deleting one end deletes both) and the namespace."""
    if tap:
        with _host_ipr(host_netns) as host:
            found = host.link_lookup(ifname=tap)
            if found:
                host.link("del", index=found[0])
    if namespace in netns.listnetns():
        netns.remove(namespace)
