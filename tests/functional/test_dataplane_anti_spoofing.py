"""Anti-spoofing and what passes without rules, with raw frames and real traffic.

Shares one two-host testbed across the module (``sgbed.py``).
"""

from __future__ import annotations

import pytest

from neutrino.agent.desired import SecurityGroup
from neutrino.agent.extensions.security_groups.base import link_local

from .packets import arp_reply, neighbour_advert, router_advert, udp_frame
from .sgbed import (
    EGRESS_ANY,
    V4,
    Bed,
    bed,
    connects,
    default_group,
    delivered,
    ip4,
    ip6,
    listening,
    pings,
    rule,
)
from .testbed import ns_exec, run

# One worker runs the whole module, so it builds its testbed once.
pytestmark = [pytest.mark.dataplane, pytest.mark.xdist_group("sg-spoofing")]

__all__ = ["bed"]  # the module-scoped testbed fixture


def test_allowed_address_pair_is_a_legitimate_source(bed: Bed) -> None:
    pair, stranger = f"{V4}.100", f"{V4}.101"
    b1 = bed.vms["b1"]
    for address in (pair, stranger):
        run(ns_exec(b1.ns, ["ip", "addr", "add", f"{address}/24", "dev", "eth0"]))
    try:
        bed.converge((default_group(),), {"a1": ("default",), "b1": ("default",)},
                     b1={"allowed_address_pairs": ((pair, bed.ports["b1"].mac_address),)})
        assert pings(b1, ip4(bed, "a1"), src=pair), "the pair's address is admitted as b1's"
        assert pings(bed.vms["a1"], pair), "and answers ARP for it"
        assert not pings(b1, ip4(bed, "a1"), count=1, src=stranger)
    finally:
        for address in (pair, stranger):
            run(ns_exec(b1.ns, ["ip", "addr", "del", f"{address}/24", "dev", "eth0"]), check=False)


def test_spoofed_source_mac_ip_and_arp_are_dropped(bed: Bed) -> None:
    sink = SecurityGroup("sink", True, (*EGRESS_ANY, rule("udp-in", "ingress", protocol="udp")))
    bed.converge((sink,), {"a1": ("sink",), "a2": ("sink",)})
    a1, a2 = bed.ports["a1"], bed.ports["a2"]
    marker = b"spoof-probe"
    frames = {
        "genuine": udp_frame(a2.mac_address, a1.mac_address, ip4(bed, "a2"), ip4(bed, "a1"), marker + b"1"),
        "mac": udp_frame("fa:16:3e:99:99:99", a1.mac_address, ip4(bed, "a2"), ip4(bed, "a1"),
                         marker + b"2"),
        "ip": udp_frame(a2.mac_address, a1.mac_address, f"{V4}.77", ip4(bed, "a1"), marker + b"3"),
        # a2 claiming b1's address in ARP, and an ARP with a forged sender MAC.
        "arp-ip": arp_reply(a2.mac_address, a1.mac_address, ip4(bed, "b1"), ip4(bed, "a1"),
                            a2.mac_address),
        "arp-mac": arp_reply(a2.mac_address, a1.mac_address, ip4(bed, "a2"), ip4(bed, "a1"),
                             "fa:16:3e:99:99:98"),
    }
    # The capture keeps frames holding the marker: the UDP payload, or an ARP reply header.
    got = delivered(bed, bed.vms["a2"], bed.vms["a1"], {k: v for k, v in frames.items()
                                                         if not k.startswith("arp")}, marker)
    assert got == {"genuine"}
    arp = {k: v for k, v in frames.items() if k.startswith("arp")}
    arp["arp-genuine"] = arp_reply(a2.mac_address, a1.mac_address, ip4(bed, "a2"), ip4(bed, "a1"),
                                   a2.mac_address)
    got = delivered(bed, bed.vms["a2"], bed.vms["a1"], arp, bytes.fromhex("0806000108000604" "0002"))
    assert got == {"arp-genuine"}


def test_vm_cannot_pose_as_dhcp_server_router_or_neighbour(bed: Bed) -> None:
    sink = SecurityGroup("sink", True, (*EGRESS_ANY, rule("udp-in", "ingress", protocol="udp")))
    bed.converge((sink,), {"a1": ("sink",), "a2": ("sink",)})
    a1, a2 = bed.ports["a1"], bed.ports["a2"]
    lla = link_local(a2.mac_address)
    frames = {
        # A VM with no address yet asks for one: broadcast from 0.0.0.0, client port to server port.
        "dhcp-discover": udp_frame(a2.mac_address, "ff:ff:ff:ff:ff:ff", "0.0.0.0", "255.255.255.255",
                                   b"discover", sport=68, dport=67),
        "dhcp-offer": udp_frame(a2.mac_address, a1.mac_address, ip4(bed, "a2"), ip4(bed, "a1"),
                                b"offer", sport=67, dport=68),
        "na-own": neighbour_advert(a2.mac_address, a1.mac_address, lla, ip6(bed, "a1"), ip6(bed, "a2")),
        "na-forged": neighbour_advert(a2.mac_address, a1.mac_address, lla, ip6(bed, "a1"),
                                      ip6(bed, "b1")),
        "ra": router_advert(a2.mac_address, a1.mac_address, lla, "ff02::1"),
    }
    got = delivered(bed, bed.vms["a2"], bed.vms["a1"], frames,
                    bytes.fromhex(a2.mac_address.replace(":", "")))
    assert got == {"dhcp-discover", "na-own"}


def test_port_security_off_lets_everything_through(bed: Bed) -> None:
    off = {"port_security_enabled": False}
    bed.converge((), {}, a1=off, a2=off)
    a1 = bed.ports["a1"]
    with listening(bed.vms["a1"], "tcp", 9300):
        assert connects(bed.vms["a2"], "tcp", ip4(bed, "a1"), 9300)
    assert pings(bed.vms["a2"], ip6(bed, "a1"))
    marker = b"nosec-probe"
    spoofed = udp_frame("fa:16:3e:99:99:97", a1.mac_address, f"{V4}.78", ip4(bed, "a1"), marker)
    assert delivered(bed, bed.vms["a2"], bed.vms["a1"], {"spoofed": spoofed}, marker) == {"spoofed"}
