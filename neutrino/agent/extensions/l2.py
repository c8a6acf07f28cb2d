"""Static Layer 2 forwarding on br-int, computed from desired state alone.

No MAC learning: every port's MAC and host are known, so unicast goes straight
to the local port or to the tunnel of the host that has it; broadcast and
unknown unicast go to the network's local ports and to the hosts (or physnet)
that carry the network. The network register, set at classification, keeps
overlapping tenant networks apart on one bridge.
"""

from __future__ import annotations

from collections.abc import Iterator

from neutrino.agent.desired import Network, Port
from neutrino.agent.openflow.flows import Flow
from neutrino.agent.openflow.manager import FlowOwner
from neutrino.agent.openflow.pipeline import REG_DST_PORT, REG_NETWORK
from neutrino.agent.topology import HostView

# Priorities inside L2's stages.
PRIO_PORT = 100  # one port's or one MAC's flow
PRIO_PHYS_UNTAGGED = 90  # flat network: untagged frames from the physnet
PRIO_PHYS_ANY = 80  # transparent flat network: anything else from the physnet
PRIO_FLOOD = 10  # per network: broadcast, multicast and unknown unicast

TPID_8021Q = 0x8100
TPID_8021AD = 0x88A8
VLAN_PRESENT = 0x1000

CLASSIFY = "classification"
EGRESS = "egress_deflection"
INGRESS = "ingress_deflection"
DELIVER = "ingress_filter"  # first stage of the path towards a local port
OUTPUT = "output"


class L2Forwarding:
    """The L2 extension: classification, both deflection stages and output."""

    name = "l2"
    stages = (CLASSIFY, EGRESS, INGRESS, OUTPUT)

    def __init__(self) -> None:
        # network id -> (everything its flows are computed from, those flows): a sync
        # reuses the flows (and their cookies) of every network whose inputs did not
        # change, so one port's change recomputes one network's flows.
        self._memo: dict[str, tuple[tuple, list[Flow]]] = {}
        self._memo_owner: FlowOwner | None = None

    def flows(self, owner: FlowOwner, view: HostView) -> Iterator[Flow]:
        if owner is not self._memo_owner:
            self._memo, self._memo_owner = {}, owner
        yield owner.flow(OUTPUT, 1, "", f"output:{REG_DST_PORT.field}")
        memo: dict[str, tuple[tuple, list[Flow]]] = {}
        for net_id, net in sorted(view.networks.items()):
            inputs = _NetworkInputs.of(view, net, view.network_ids[net_id])
            signature = inputs.signature()
            kept = self._memo.get(net_id)
            flows = kept[1] if kept is not None and kept[0] == signature else list(
                _network_flows(owner, inputs))
            memo[net_id] = (signature, flows)
            yield from flows
        self._memo = memo


class _NetworkInputs:
    """What one network's L2 flows depend on, gathered from the host view."""

    __slots__ = ("net", "nid", "local", "remote", "reach", "patch", "senders")

    def __init__(self, net: Network, nid: int, local: list[tuple[Port, int]],
                 remote: list[Port], reach: dict[str, int], patch: int | None,
                 senders: tuple[int, ...]) -> None:
        self.net, self.nid, self.local, self.remote = net, nid, local, remote
        self.reach, self.patch, self.senders = reach, patch, senders

    @classmethod
    def of(cls, view: HostView, net: Network, nid: int) -> _NetworkInputs:
        remote = [p for p in view.ports(net.id) if p.host != view.host]
        return cls(net, nid, view.local_ports(net.id), remote, _remote_ofports(view, net, remote),
                   view.physnet_ofports.get(net.physical_network or ""), _sender_ofports(view, net))

    def signature(self) -> tuple:
        return (self.net, self.nid, tuple(self.local), tuple(self.remote),
                tuple(sorted(self.reach.items())), self.patch, self.senders)


def _sender_ofports(view: HostView, net: Network) -> tuple[int, ...]:
    """The tunnel ofports of every host that may send on a tunnelled network: also those
    routing east-west onto it."""
    if not net.is_tunnelled:
        return ()
    senders = {view.tunnel_ofports.get((net.network_type, view.desired.tunnel_endpoints.get(h, "")))
               for h in view.sending_hosts(net.id)}
    return tuple(sorted(senders - {None}))


def _deliver(owner: FlowOwner, ofport: int) -> str:
    return f"load:{ofport}->{REG_DST_PORT.field},{owner.goto(DELIVER)}"


def _flood_local(owner: FlowOwner, ofports: list[int]) -> list[str]:
    # clone() so nothing done on the way to one port leaks into the next copy.
    return [f"clone(load:{p}->{REG_DST_PORT.field},{owner.resubmit(DELIVER)})" for p in ofports]


def _to_remote(net: Network, ofport: int) -> str:
    """Actions sending a frame of this network out of a tunnel or physnet patch port."""
    if net.is_tunnelled:
        return f"set_field:{net.segmentation_id:#x}->tun_id,output:{ofport}"
    if net.network_type == "vlan":
        # Customer tags survive on transparent networks: ours goes outside, as 802.1ad.
        tpid = TPID_8021AD if net.vlan_transparent else TPID_8021Q
        return (f"push_vlan:{tpid:#x},set_field:{VLAN_PRESENT | net.segmentation_id}->vlan_vid,"
                f"output:{ofport}")
    return f"output:{ofport}"


def _remote_ofports(view: HostView, net: Network, remote: list[Port]) -> dict[str, int]:
    """Port id of each remote port -> the ofport that reaches its host."""
    if not net.is_tunnelled:
        patch = view.physnet_ofports.get(net.physical_network or "")
        return {p.id: patch for p in remote} if patch else {}
    result = {}
    for port in remote:
        ip = view.desired.tunnel_endpoints.get(port.host)
        ofport = view.tunnel_ofports.get((net.network_type, ip or ""))
        if ofport:
            result[port.id] = ofport
    return result


def _network_flows(owner: FlowOwner, inputs: _NetworkInputs) -> Iterator[Flow]:
    net, nid, local, remote = inputs.net, inputs.nid, inputs.local, inputs.remote
    reach, patch = inputs.reach, inputs.patch
    set_net = f"load:{nid}->{REG_NETWORK.field}"
    on_net = f"{REG_NETWORK.match}={nid}"
    up = [ofport for port, ofport in local if port.admin_state_up]

    # Classification: VM ports enter the egress path; admin-down ports go nowhere.
    for port, ofport in local:
        actions = (f"{set_net},{owner.goto(_after(owner, CLASSIFY))}"
                   if port.admin_state_up else "drop")
        yield owner.flow(CLASSIFY, PRIO_PORT, f"in_port={ofport}", actions)

    # Classification of traffic from outside the host: it enters the ingress path.
    to_ingress = f"{set_net},{owner.goto(INGRESS)}"
    if net.is_tunnelled:
        for ofport in inputs.senders:
            yield owner.flow(CLASSIFY, PRIO_PORT,
                             f"in_port={ofport},tun_id={net.segmentation_id:#x}", to_ingress)
    else:
        if patch and net.network_type == "vlan":
            yield owner.flow(CLASSIFY, PRIO_PORT, f"in_port={patch},dl_vlan={net.segmentation_id}",
                             f"pop_vlan,{to_ingress}")
        elif patch and net.vlan_transparent:
            yield owner.flow(CLASSIFY, PRIO_PHYS_ANY, f"in_port={patch}", to_ingress)
        elif patch:
            yield owner.flow(CLASSIFY, PRIO_PHYS_UNTAGGED,
                             f"in_port={patch},vlan_tci=0x0000/0x1000", to_ingress)

    # Unicast to known MACs, from VMs (egress) and from outside (ingress).
    for port, ofport in local:
        actions = _deliver(owner, ofport) if port.admin_state_up else "drop"
        match = f"{on_net},dl_dst={port.mac_address}"
        yield owner.flow(EGRESS, PRIO_PORT, match, actions)
        yield owner.flow(INGRESS, PRIO_PORT, match, actions)
    for port in remote:
        if port.id in reach:
            yield owner.flow(EGRESS, PRIO_PORT, f"{on_net},dl_dst={port.mac_address}",
                             _to_remote(net, reach[port.id]))

    # Flooding: local ports plus every host (or the physnet) carrying the network.
    # From outside we flood only locally: the sender already reached the others.
    # A provider network's physnet also carries what Neutron does not know (physical
    # routers, outside hosts): floods and unknown unicast go there even with no remote port.
    flood_to = set(reach.values())
    if not net.is_tunnelled and patch:
        flood_to.add(patch)
    remote_actions = [_to_remote(net, ofport) for ofport in sorted(flood_to)]
    egress_flood = _flood_local(owner, up) + remote_actions
    yield owner.flow(EGRESS, PRIO_FLOOD, on_net, ",".join(egress_flood) or "drop")
    yield owner.flow(INGRESS, PRIO_FLOOD, on_net, ",".join(_flood_local(owner, up)) or "drop")


def _after(owner: FlowOwner, stage: str) -> str:
    """The stage following ``stage`` in the pipeline, by table order."""
    table = owner.table(stage) + 1
    return next(name for name, number in owner.tables.items() if number == table)
