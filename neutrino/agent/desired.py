"""Desired state of the data plane, as plain typed data in the API's shapes.

The agent's only input. ``from_api`` reads the dictionaries the Neutron API
returns (networks with provider attributes or ``segments``, ports with
``binding:host_id``) so a later change-feed client can hand them over as is.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

NETWORK_TYPES = ("flat", "vlan", "vxlan", "geneve")
TUNNEL_TYPES = ("vxlan", "geneve")


class DesiredStateError(ValueError):
    """The desired state is inconsistent (unknown network type, missing segment id...)."""


@dataclass(frozen=True)
class Network:
    """A network as one segment: how its traffic leaves the host."""

    id: str
    network_type: str
    segmentation_id: int | None = None
    physical_network: str | None = None
    vlan_transparent: bool = False

    def __post_init__(self) -> None:
        if self.network_type not in NETWORK_TYPES:
            raise DesiredStateError(f"network {self.id}: unsupported type {self.network_type!r}")
        if self.network_type != "flat" and self.segmentation_id is None:
            raise DesiredStateError(f"network {self.id}: {self.network_type} needs a segment id")
        if self.network_type in ("flat", "vlan") and not self.physical_network:
            raise DesiredStateError(f"network {self.id}: {self.network_type} needs a physnet")

    @property
    def is_tunnelled(self) -> bool:
        return self.network_type in TUNNEL_TYPES


@dataclass(frozen=True)
class Port:
    """A port bound to a host; on its own host it is found on br-int by iface-id."""

    id: str
    network_id: str
    mac_address: str
    host: str
    fixed_ips: tuple[str, ...] = ()
    admin_state_up: bool = True

    def __post_init__(self) -> None:
        object.__setattr__(self, "mac_address", self.mac_address.lower())


@dataclass(frozen=True)
class DesiredState:
    """Everything one host needs: networks, ports (all hosts) and tunnel endpoints."""

    networks: tuple[Network, ...] = ()
    ports: tuple[Port, ...] = ()
    # host name -> tunnel endpoint IP, as the agents API reports them.
    tunnel_endpoints: Mapping[str, str] = field(default_factory=dict)

    def network_map(self) -> dict[str, Network]:
        return {net.id: net for net in self.networks}

    @classmethod
    def from_api(cls, networks: Iterable[Mapping[str, Any]], ports: Iterable[Mapping[str, Any]],
                 tunnel_endpoints: Mapping[str, str] | None = None) -> DesiredState:
        """Build from API resource bodies (``GET /v2.0/networks`` and ``/v2.0/ports``)."""
        return cls(
            networks=tuple(network_from_api(body) for body in networks),
            ports=tuple(port_from_api(body) for body in ports
                        if body.get("binding:host_id")),
            tunnel_endpoints=dict(tunnel_endpoints or {}),
        )

    @classmethod
    def from_json(cls, text: str) -> DesiredState:
        data = json.loads(text)
        return cls.from_api(data.get("networks", ()), data.get("ports", ()),
                            data.get("tunnel_endpoints"))

    @classmethod
    def from_file(cls, path: str | Path) -> DesiredState:
        return cls.from_json(Path(path).read_text())


def network_from_api(body: Mapping[str, Any]) -> Network:
    # Multi-segment networks: the first segment is the one this agent uses.
    segment = body["segments"][0] if body.get("segments") else body
    seg_id = segment.get("provider:segmentation_id")
    return Network(
        id=body["id"],
        network_type=segment.get("provider:network_type") or "",
        segmentation_id=int(seg_id) if seg_id is not None else None,
        physical_network=segment.get("provider:physical_network"),
        vlan_transparent=bool(body.get("vlan_transparent")),
    )


def port_from_api(body: Mapping[str, Any]) -> Port:
    return Port(
        id=body["id"],
        network_id=body["network_id"],
        mac_address=body["mac_address"],
        host=body["binding:host_id"],
        fixed_ips=tuple(ip["ip_address"] for ip in body.get("fixed_ips", ())),
        admin_state_up=bool(body.get("admin_state_up", True)),
    )


def network_to_api(net: Network) -> dict[str, Any]:
    return {"id": net.id, "provider:network_type": net.network_type,
            "provider:segmentation_id": net.segmentation_id,
            "provider:physical_network": net.physical_network,
            "vlan_transparent": net.vlan_transparent}


def port_to_api(port: Port) -> dict[str, Any]:
    return {"id": port.id, "network_id": port.network_id, "mac_address": port.mac_address,
            "binding:host_id": port.host, "admin_state_up": port.admin_state_up,
            "fixed_ips": [{"ip_address": ip} for ip in port.fixed_ips]}


def to_json(state: DesiredState) -> str:
    """Serialise in the same API shapes ``from_json`` reads."""
    return json.dumps({
        "networks": [network_to_api(n) for n in state.networks],
        "ports": [port_to_api(p) for p in state.ports],
        "tunnel_endpoints": dict(state.tunnel_endpoints),
    })
