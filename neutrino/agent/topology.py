"""What this host looks like: desired state joined with OVSDB facts.

``HostView`` is what every extension computes its flows from: which networks
are present here and their local ids (the value of the network register), the
OpenFlow port of each plugged local port, of each tunnel and of each physnet.
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

    def local_ports(self, network_id: str) -> list[tuple[Port, int]]:
        """Plugged ports of this host on a network, with their ofport."""
        return [(p, self.local_ofports[p.id]) for p in self.ports(network_id)
                if p.host == self.host and p.id in self.local_ofports]


def local_networks(desired: DesiredState, host: str) -> dict[str, Network]:
    """Networks with at least one port bound to this host."""
    nets = desired.network_map()
    return {p.network_id: nets[p.network_id] for p in desired.ports
            if p.host == host and p.network_id in nets}


def wanted_tunnels(desired: DesiredState, host: str) -> set[tuple[str, str]]:
    """(kind, remote ip) of every tunnel this host needs: one per remote host per type."""
    local = local_networks(desired, host)
    wanted = set()
    for port in desired.ports:
        net = local.get(port.network_id)
        if net is None or not net.is_tunnelled or not port.is_bound or port.host == host:
            continue
        remote_ip = desired.tunnel_endpoints.get(port.host)
        if remote_ip:
            wanted.add((net.network_type, remote_ip))
    return wanted
