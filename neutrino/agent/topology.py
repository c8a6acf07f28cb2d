"""What this host looks like: desired state joined with OVSDB facts.

``HostView`` is what every extension computes its flows from: which networks
are present here and their local ids (the value of the network register), the
OpenFlow port of each plugged local port (a trunk's subport has a logical one,
``trunks.py``), of each tunnel and of each physnet.
"""

from __future__ import annotations

import hashlib
import ipaddress
import zlib
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from neutrino.agent.desired import DesiredState, Network, Port
from neutrino.agent.trunks import TrunkPlan

# Network ids live in 16 bits so they can double as conntrack zones. 0 means
# "no network", so 65535 networks per host.
NETWORK_ID_BITS = 16
_NETWORK_ID_SPACE = (1 << NETWORK_ID_BITS) - 1


def assign_network_ids(network_ids: Iterable[str]) -> dict[str, int]:
    """Give each network a local id that is the same after an agent restart.

    Derived from the network's UUID, so no state is kept anywhere: a restarted
    agent computes the same ids and its flows are unchanged. Collisions are
    resolved by probing in UUID order, which is deterministic too.
    """
    taken: set[int] = set()
    result: dict[str, int] = {}
    for net_id in sorted(set(network_ids)):
        candidate = zlib.crc32(net_id.encode()) % _NETWORK_ID_SPACE + 1
        while candidate in taken:
            candidate = candidate % _NETWORK_ID_SPACE + 1
        taken.add(candidate)
        result[net_id] = candidate
    if len(result) > _NETWORK_ID_SPACE:
        raise ValueError("more networks on this host than network ids")
    return result


def tunnel_port_name(kind: str, remote_ip: str) -> str:
    """A stable name under the 15-character interface limit, e.g. ``vx-0a000002``."""
    prefix = {"vxlan": "vx", "geneve": "gn"}[kind]
    address = ipaddress.ip_address(remote_ip)
    if address.version == 4:
        return f"{prefix}-{address.packed.hex()}"
    return f"{prefix}-{hashlib.blake2b(address.packed, digest_size=6).hexdigest()}"


@dataclass(frozen=True)
class HostView:
    """The host's share of the desired state, with OpenFlow port numbers filled in."""

    host: str
    desired: DesiredState
    networks: dict[str, Network]
    network_ids: dict[str, int]
    local_ofports: dict[str, int] = field(default_factory=dict)  # port id -> ofport
    tunnel_ofports: dict[tuple[str, str], int] = field(default_factory=dict)  # (kind, ip)
    physnet_ofports: dict[str, int] = field(default_factory=dict)  # physnet -> br-int patch
    # The host's trunks: their wired subports are in ``local_ofports`` with logical ofports.
    trunks: TrunkPlan = field(default_factory=TrunkPlan)

    @cached_property
    def _ports_by_network(self) -> dict[str, list[Port]]:
        grouped: dict[str, list[Port]] = defaultdict(list)
        for port in self.desired.ports:
            if port.is_bound:
                grouped[port.network_id].append(port)
        return grouped

    def ports(self, network_id: str) -> list[Port]:
        """The bound ports of a network, on every host (unbound ones are nowhere on the wire)."""
        return self._ports_by_network.get(network_id, [])

    @cached_property
    def _peer_networks(self) -> dict[str, set[str]]:
        return routed_peers(self.desired)

    def peer_networks(self, network_id: str) -> set[str]:
        """The network and those sharing an admin-up distributed router with it."""
        return self._peer_networks.get(network_id, set()) | {network_id}

    def sending_hosts(self, network_id: str) -> set[str]:
        """Other hosts that may send this network's frames here: those with a bound
        port on it, or on a network it is routed with (they route east-west onto it)."""
        return {p.host for peer in self.peer_networks(network_id) for p in self.ports(peer)
                if p.host != self.host}

    def local_ports(self, network_id: str) -> list[tuple[Port, int]]:
        """Plugged ports of this host on a network, with their ofport."""
        return [(p, self.local_ofports[p.id]) for p in self.ports(network_id)
                if p.host == self.host and p.id in self.local_ofports]


def local_networks(desired: DesiredState, host: str) -> dict[str, Network]:
    """Networks with at least one port bound to this host."""
    nets = desired.network_map()
    return {p.network_id: nets[p.network_id] for p in desired.ports
            if p.host == host and p.network_id in nets}


def routed_peers(desired: DesiredState) -> dict[str, set[str]]:
    """network id -> the other networks an admin-up distributed router joins it to."""
    peers: dict[str, set[str]] = defaultdict(set)
    for router in desired.distributed_routers:
        if not router.admin_state_up:
            continue
        nets = {i.network_id for i in router.interfaces}
        for net in nets:
            peers[net] |= nets - {net}
    return peers


def wanted_tunnels(desired: DesiredState, host: str) -> set[tuple[str, str]]:
    """(kind, remote ip) of every tunnel this host needs: one per remote host per type.

    Towards the hosts of a local network's ports, and, for east-west routing, of
    the ports of the networks it is routed with: this host sends on those networks'
    segments (their type) and receives on its own network's (its type).
    """
    nets = desired.network_map()
    local = local_networks(desired, host)
    peers = routed_peers(desired)
    # network id -> the tunnel types used towards hosts with ports on it
    kinds: dict[str, set[str]] = defaultdict(set)
    for net_id, net in local.items():
        for other in peers.get(net_id, set()) | {net_id}:
            peer = nets.get(other)
            kinds[other].update(n.network_type for n in (net, peer)
                                if n is not None and n.is_tunnelled)
    wanted = set()
    for port in desired.ports:
        if not port.is_bound or port.host == host or port.network_id not in kinds:
            continue
        remote_ip = desired.tunnel_endpoints.get(port.host)
        if remote_ip:
            wanted.update((kind, remote_ip) for kind in kinds[port.network_id])
    return wanted
