"""Which subports of this host's trunks can be wired, and the trunks' statuses.

A subport has no interface of its own: its frames share the parent's VIF,
told apart by an 802.1Q tag (``vlan``, ``inherit``) or, untagged, by the
subport's own MAC (``mac``: a MACVLAN container behind the VM's NIC). Each
wired subport gets a *logical ofport*: a number no OVS port uses, which the
trunk extension writes into ``in_port`` as the subport's frames arrive and
recognises in the destination register as they leave. Between the two, every
other extension sees the subport as one more plugged local port (anti-spoofing,
security groups, QoS, L2, routing on the subport's network), so nothing of
theirs knows about trunks (docs/agent.md, "Trunks").

Logical ofports are derived from the port's UUID, like network ids, so a
restarted agent computes the same flows and changes nothing.
"""

from __future__ import annotations

import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field

from neutrino.agent.desired import DesiredState, Port, SubPort, Trunk

# OVS numbers its ports from 1 up (and at most 0xfeff); logical ofports come from the
# top of that space, where no real port of a host ever gets.
LOGICAL_OFPORT_FIRST = 0xE000
LOGICAL_OFPORT_LAST = 0xFEFF
VLAN_IDS = range(1, 4095)

ACTIVE, DOWN, BUILD, DEGRADED = "ACTIVE", "DOWN", "BUILD", "DEGRADED"


@dataclass(frozen=True)
class WiredSubport:
    """A subport whose frames this host tells apart on its parent's VIF."""

    port: Port
    trunk_id: str
    parent_ofport: int
    ofport: int  # logical: what in_port and the destination register say for it
    vlan: int | None  # the 802.1Q VLAN id; None for a ``mac`` subport (untagged)


@dataclass(frozen=True)
class TrunkPlan:
    """The host's trunks as wired now: subports, the parents' ofports, statuses."""

    subports: tuple[WiredSubport, ...] = ()
    parents: Mapping[str, int] = field(default_factory=dict)  # trunk id -> parent ofport
    statuses: Mapping[str, str] = field(default_factory=dict)  # trunk id -> status

    @property
    def ofports(self) -> dict[str, int]:
        """Subport port id -> its logical ofport (joined to the host's plugged ports)."""
        return {s.port.id: s.ofport for s in self.subports}


def assign_logical_ofports(port_ids: list[str], taken: set[int]) -> dict[str, int]:
    """A stable logical ofport per subport, avoiding ``taken`` (real ofports)."""
    space = LOGICAL_OFPORT_LAST - LOGICAL_OFPORT_FIRST + 1
    used = set(taken)
    result = {}
    for port_id in sorted(set(port_ids)):
        offset = zlib.crc32(port_id.encode()) % space
        for probe in range(space):
            candidate = LOGICAL_OFPORT_FIRST + (offset + probe) % space
            if candidate not in used:
                break
        else:
            raise ValueError("more subports on this host than logical ofports")
        used.add(candidate)
        result[port_id] = candidate
    return result


def plan_trunks(desired: DesiredState, host: str, ofports: Mapping[str, int]) -> TrunkPlan:
    """Wire what can be wired of the host's trunks, given its plugged ports' ofports.

    A trunk is DOWN while its parent is not plugged here (or is admin down): none of
    its subports is wired. Otherwise each subport is wired unless its port is not
    bound here yet (the trunk is then BUILD) or it cannot be told apart from the
    others (``_unwirable``: the trunk is DEGRADED, the other subports wired).
    """
    ports = {p.id: p for p in desired.ports}
    networks = desired.network_map()
    wanted: list[tuple[Trunk, Port, int, int | None]] = []
    parents: dict[str, int] = {}
    statuses: dict[str, str] = {}
    for trunk in sorted(desired.trunks, key=lambda t: t.id):
        parent = ports.get(trunk.port_id)
        parent_ofport = ofports.get(trunk.port_id)
        if (parent is None or parent.host != host or parent_ofport is None
                or not parent.admin_state_up):
            statuses[trunk.id] = DOWN
            continue
        parents[trunk.id] = parent_ofport
        pending = degraded = False
        vlans: set[int] = set()
        macs = {parent.mac_address}
        for sub in trunk.sub_ports:
            port = ports.get(sub.port_id)
            if port is None or port.host != host:
                pending = True
                continue
            taken = {p.id for _, p, _, _ in wanted}
            if _unwirable(port, sub, networks, set(ofports) | taken, vlans, macs):
                degraded = True
                continue
            vlan = None if sub.segmentation_type == "mac" else sub.segmentation_id
            if vlan is None:
                macs.add(port.mac_address)
            else:
                vlans.add(vlan)
            wanted.append((trunk, port, parent_ofport, vlan))
        statuses[trunk.id] = DEGRADED if degraded else BUILD if pending else ACTIVE
    logical = assign_logical_ofports([port.id for _, port, _, _ in wanted],
                                     set(ofports.values()))
    subports = tuple(WiredSubport(port, trunk.id, parent_ofport, logical[port.id], vlan)
                     for trunk, port, parent_ofport, vlan in wanted)
    return TrunkPlan(subports, parents, statuses)


def _unwirable(port: Port, sub: SubPort, networks: Mapping[str, object],
               on_a_wire: set[str], vlans: set[int], macs: set[str]) -> bool:
    """Whether a subport cannot be told apart on its parent's VIF: a network this host
    cannot carry, a port with a VIF of its own or already a subport of another trunk,
    a VLAN id missing, outside 1..4094 or already the trunk's (the first subport in
    port-id order keeps it), a ``mac`` child with the parent's MAC or another child's."""
    if port.network_id not in networks or port.id in on_a_wire:
        return True
    if sub.segmentation_type == "mac":
        return port.mac_address in macs
    return sub.segmentation_id not in VLAN_IDS or sub.segmentation_id in vlans
