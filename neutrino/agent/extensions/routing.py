"""East-west routing in br-int ("OpenFlow-based DVR"), computed from desired state alone.

Traffic between subnets of one router is routed on the host that sends it, after
the sender's egress security groups and before L2: the router's gateway
addresses are answered locally (ARP for IPv4, neighbour advertisements for IPv6)
on every host with a port on an attached network, and a packet to the router's
MAC for a known port on another of its subnets gets its TTL (hop limit)
decremented, its destination MAC set to that port's and goes either to the local
port's ingress stages (its network in the register: the receiver's security
groups, their conntrack zone) or out on the destination network's segment to the
port's host. Anything else sent to the router (traffic leaving the cloud, an
address no port holds) goes on to L2, which takes it to the router's namespace
on its L3 host.

Source MAC: the router interface's on local delivery; on the wire this host's
DVR MAC (``dvr_mac``), so the router's MACs are never seen coming from several
places by a learning switch on a provider network (nor confused with the L3
host's real router ports); the receiving host puts the router interface's MAC
back (``routed_delivery``) before the frame reaches the VM.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Iterator

from neutrino.agent import frames
from neutrino.agent.frames import ICMPV6_NA, ND_OPTION_TLL
from neutrino.agent.desired import DistributedRouter, Port, RouterInterface
from neutrino.agent.extensions.l2 import _to_remote
from neutrino.agent.openflow.flows import Flow
from neutrino.agent.openflow.manager import FlowOwner
from neutrino.agent.openflow.pipeline import REG_DST_PORT, REG_NETWORK
from neutrino.agent.topology import HostView

ROUTING = "routing"
DELIVERY = "routed_delivery"
DELIVER = "ingress_filter"  # first stage of the path towards a local port
LOCAL_FLOOD = "ingress_deflection"  # L2 from outside the host: floods to local ports only
OUTPUT = "output"

PRIO_RESPONDER = 200  # ARP / neighbour solicitation for a gateway address
PRIO_ROUTE = 100  # one destination address
PRIO_RESTORE = 100

# Per-host DVR MACs: fa:16:3f + 24 bits of the host name's hash. Neutron's default
# dvr_base_mac; port MACs come from base_mac fa:16:3e, so the two never meet.
DVR_MAC_PREFIX = "fa:16:3f"
DVR_MAC_MATCH = "fa:16:3f:00:00:00/ff:ff:ff:00:00:00"
ICMPV6_NS = 135
# Neighbour advertisement flags: Router, Solicited, Override.
NA_FLAGS_RSO = 0xE0000000
NA_MARK = 0x1  # in the reserved bits: "made from a solicitation by the flow above"


def dvr_mac(host: str) -> str:
    """This host's source MAC for frames it routed onto another host's port."""
    digest = hashlib.blake2b(host.encode(), digest_size=3).hexdigest()
    return f"{DVR_MAC_PREFIX}:{digest[0:2]}:{digest[2:4]}:{digest[4:6]}"


def _version(address: str) -> int:
    return ipaddress.ip_address(address).version


class EastWestRouting:
    """The routing extension: gateway responders, routes, and the receiver's MAC restore."""

    name = "routing"
    stages = (ROUTING, DELIVERY)

    def announcements(self, owner: FlowOwner, view: HostView) -> dict[tuple[str, ...], tuple[bytes, str]]:
        """A gratuitous ARP (IPv4) or unsolicited neighbour advertisement (IPv6) of each
        gateway on each network of this host, flooded to its local ports only: the agent
        sends each once when it appears (docs/agent.md), so a guest that cached an
        earlier MAC for its gateway (an interface removed and added again is a new port
        with a new MAC) learns the new one at once."""
        out = {}
        for router in view.desired.distributed_routers:
            if not router.admin_state_up:
                continue
            for iface in router.interfaces:
                nid = view.network_ids.get(iface.network_id)
                if nid is None:
                    continue
                actions = f"load:{nid}->{REG_NETWORK.field},{owner.resubmit(LOCAL_FLOOD)}"
                for _subnet, gateway in iface.fixed_ips:
                    frame = (frames.gratuitous_arp(iface.mac_address, gateway) if _version(gateway) == 4
                             else frames.unsolicited_na(iface.mac_address, gateway))
                    out[(iface.network_id, iface.mac_address, gateway)] = (frame, actions)
        return out

    def flows(self, owner: FlowOwner, view: HostView) -> Iterator[Flow]:
        subnets = {s.id: s for s in view.desired.subnets}
        for router in view.desired.distributed_routers:
            if not router.admin_state_up:
                continue
            for iface in router.interfaces:
                nid = view.network_ids.get(iface.network_id)
                if nid is None:  # no port of this host on that network
                    continue
                on_net = f"{REG_NETWORK.match}={nid}"
                for subnet_id, gateway in iface.fixed_ips:
                    yield from _responders(owner, on_net, iface.mac_address, gateway)
                    subnet = subnets.get(subnet_id)
                    if subnet is not None:
                        proto = "ip,nw_dst" if subnet.ip_version == 4 else "ipv6,ipv6_dst"
                        yield owner.flow(DELIVERY, PRIO_RESTORE,
                                         f"{on_net},dl_src={DVR_MAC_MATCH},{proto}={subnet.cidr}",
                                         f"set_field:{iface.mac_address}->eth_src,{owner.goto(OUTPUT)}")
                yield from _routes(owner, view, router, iface, on_net)


def _responders(owner: FlowOwner, on_net: str, mac: str, gateway: str) -> Iterator[Flow]:
    """Answer who-has ``gateway`` on this network with the router interface's MAC,
    back out of the port that asked."""
    swap = f"move:NXM_OF_ETH_SRC[]->NXM_OF_ETH_DST[],set_field:{mac}->eth_src"
    if _version(gateway) == 4:
        yield owner.flow(ROUTING, PRIO_RESPONDER, f"{on_net},arp,arp_op=1,arp_tpa={gateway}",
                         f"{swap},set_field:2->arp_op,move:NXM_NX_ARP_SHA[]->NXM_NX_ARP_THA[],"
                         f"move:NXM_OF_ARP_SPA[]->NXM_OF_ARP_TPA[],set_field:{mac}->arp_sha,"
                         f"set_field:{gateway}->arp_spa,IN_PORT")
        return
    # The solicitation becomes the advertisement in two steps, because Open vSwitch
    # lets a flow write the target link-layer option only when it matches an
    # advertisement: (1) swap the addresses, turn the type into 136 and the source
    # link-layer option (type 1) into a target one (type 2) holding the router's
    # MAC, flags R|S|O plus a mark in the reserved bits (which receivers ignore);
    # (2) the marked advertisement gets its option written, the mark cleared, and
    # goes back out of the port that asked.
    yield owner.flow(ROUTING, PRIO_RESPONDER,
                     f"{on_net},icmp6,icmpv6_type={ICMPV6_NS},nd_target={gateway},nd_options_type=1",
                     f"{swap},move:NXM_NX_IPV6_SRC[]->NXM_NX_IPV6_DST[],"
                     f"set_field:{gateway}->ipv6_src,set_field:255->nw_ttl,set_field:{mac}->nd_sll,"
                     f"set_field:{ICMPV6_NA}->icmpv6_type,"
                     f"set_field:{NA_FLAGS_RSO | NA_MARK:#x}->nd_reserved,"
                     f"set_field:{ND_OPTION_TLL}->nd_options_type,{owner.resubmit(ROUTING)}")
    yield owner.flow(ROUTING, PRIO_RESPONDER,
                     f"{on_net},icmp6,icmpv6_type={ICMPV6_NA},nd_target={gateway},"
                     f"nd_reserved={NA_FLAGS_RSO | NA_MARK:#x}",
                     f"set_field:{mac}->nd_tll,set_field:{NA_FLAGS_RSO:#x}->nd_reserved,IN_PORT")


def _routes(owner: FlowOwner, view: HostView, router: DistributedRouter, source: RouterInterface,
            on_net: str) -> Iterator[Flow]:
    """Routes from ``source``'s network to every known port on the router's other subnets."""
    own_subnets = {subnet for subnet, _ in source.fixed_ips}
    # A VM sends to the interface that is its gateway in that address family.
    families = {_version(address) for _, address in source.fixed_ips}
    networks = view.desired.network_map()
    for dest in router.interfaces:
        net = networks.get(dest.network_id)
        if net is None:
            continue
        targets = {subnet for subnet, _ in dest.fixed_ips} - own_subnets
        for port in view.ports(dest.network_id):
            if port.device_owner.startswith("network:"):
                continue  # the router's own ports, DHCP: through the namespace as before
            for subnet, address in port.allocations:
                if subnet not in targets or _version(address) not in families:
                    continue
                proto = "ip,nw_dst" if _version(address) == 4 else "ipv6,ipv6_dst"
                actions = _towards(owner, view, net, dest, port)
                if actions is not None:
                    yield owner.flow(ROUTING, PRIO_ROUTE,
                                     f"{on_net},dl_dst={source.mac_address},{proto}={address}",
                                     actions)


def _towards(owner: FlowOwner, view: HostView, net, dest: RouterInterface,
             port: Port) -> str | None:
    """Actions delivering a routed packet to ``port`` (None: no way there from here,
    so L2 hands it to the router's namespace as before)."""
    rewrite = f"dec_ttl,set_field:{port.mac_address}->eth_dst"
    if port.host == view.host:
        ofport = view.local_ofports.get(port.id)
        nid = view.network_ids.get(port.network_id)
        if ofport is None or nid is None:
            return None
        if not port.admin_state_up:
            return "drop"
        return (f"{rewrite},set_field:{dest.mac_address}->eth_src,"
                f"load:{nid}->{REG_NETWORK.field},load:{ofport}->{REG_DST_PORT.field},"
                f"{owner.goto(DELIVER)}")
    if net.is_tunnelled:
        ip = view.desired.tunnel_endpoints.get(port.host, "")
        ofport = view.tunnel_ofports.get((net.network_type, ip))
    else:
        ofport = view.physnet_ofports.get(net.physical_network or "")
    if ofport is None:
        return None
    return f"{rewrite},set_field:{dvr_mac(view.host)}->eth_src,{_to_remote(net, ofport)}"
