"""A trunk VM on the testbed: one VIF on br-int, an OVS bridge "inside the VM" tagging.

The kernel here has neither VLAN devices nor VLAN-filtering bridges, so the guest's
VLAN sub-interfaces are played by an Open vSwitch bridge of the host's own switch
(``vm<tag><n>``, standalone: MAC learning, no agent flows): its trunk port is the
VM's NIC, the other end of the tap plugged into br-int with the parent's iface-id;
each of the guest's interfaces is a namespace behind an access port of that bridge:
the parent's and each ``mac`` child's untagged (VLAN 0), each VLAN subport's tagged
with its VLAN. Pinging from those namespaces is the guest's traffic on each
interface, and frames towards them arrive on the VIF tagged as the trunk says.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass

from pyroute2 import IPRoute

from .testbed import _CSUM_OFF, OvsHost, Testbed, Vm, ns_exec, run


@dataclass(frozen=True)
class Interface:
    """One of the guest's interfaces: the port whose MAC and address it has, and its
    VLAN on the VIF (0: untagged, the parent's and ``mac`` children's)."""

    port_id: str
    mac: str
    ip: str
    vlan: int = 0


def add_trunk_vm(bed: Testbed, host: OvsHost, parent: Interface,
                 children: list[Interface], prefixlen: int = 24) -> dict[str, Vm]:
    """Plug the trunk VM (the VIF named by the parent port, as Nova does); port id ->
    the namespace of the guest interface with that port's addresses."""
    index = len(bed.namespaces)
    bridge, nic = f"vm{bed.tag}{index}", f"vn{bed.tag}{index}"
    tap = f"tap{parent.port_id[:11]}"
    with IPRoute(netns=host.ns, flags=0) as ipr:
        ipr.link("add", ifname=tap, kind="veth", peer={"ifname": nic})
        for name in (tap, nic):
            ipr.link("set", index=ipr.link_lookup(ifname=name)[0], state="up")
    host.vsctl("add-br", bridge, "--", "set", "bridge", bridge, "datapath_type=netdev",
               "fail_mode=standalone", "--", "add-port", bridge, nic)
    guests = {}
    for number, iface in enumerate([parent, *children]):
        ns = bed._new_ns("v")
        leg = f"vl{bed.tag}{index}{number}"
        with IPRoute(netns=host.ns, flags=0) as ipr:
            ipr.link("add", ifname=leg, kind="veth", peer={"ifname": "eth0", "net_ns_fd": ns})
            ipr.link("set", index=ipr.link_lookup(ifname=leg)[0], state="up")
        with IPRoute(netns=ns, flags=0) as ipr:
            idx = ipr.link_lookup(ifname="eth0")[0]
            ipr.link("set", index=idx, address=iface.mac, mtu=1400)
            ipr.addr("add", index=idx, address=iface.ip, prefixlen=prefixlen)
            ipr.link("set", index=idx, state="up")
        run(ns_exec(ns, [sys.executable, "-c", _CSUM_OFF]))
        host.vsctl("add-port", bridge, leg, "--", "set", "port", leg, f"tag={iface.vlan}",
                   "vlan_mode=access")
        guests[iface.port_id] = Vm(ns=ns, ip=iface.ip, mac=iface.mac, tap=tap)  # the VIF
    host.vsctl("--may-exist", "add-br", "br-int", "--", "set", "bridge", "br-int",
               "datapath_type=netdev", "fail_mode=secure",
               "--", "add-port", "br-int", tap,
               "--", "set", "interface", tap, f"external_ids:iface-id={parent.port_id}",
               f"external_ids:attached-mac={parent.mac}", "external_ids:iface-status=active",
               f"external_ids:vm-uuid={parent.port_id}")
    return guests
