"""Mechanism drivers: what each backend can do, and how it binds a port.

A driver binds a port on a host when an agent of its type on that host is alive,
administratively up, and reaches one of the network's segments: a tunnel type it
lists in ``tunnel_types`` (vxlan, geneve), or the physical network of a flat or
VLAN segment among its mappings. The result is Neutron's ``binding:vif_type`` and
``binding:vif_details`` for that backend.

The SR-IOV driver (``sriovnicswitch``) also needs ``binding:profile`` to name the
device Nova allocated (``pci_slot``; a bond's members, ml2/sriov.py) on the
segment's physical network. A VF (``direct``, ``macvtap``: ``hw_veb``) binds only
with an alive ``NIC Switch agent`` whose ``device_mappings`` reach that network; a
whole PF (``direct-physical``: ``hostdev_physical``) binds without one and is
ACTIVE at once, as Neutron does it: no agent manages a PF.
"""
from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from neutrino.ml2 import sriov

TUNNEL_TYPES = ("vxlan", "geneve", "gre")
PHYSNET_TYPES = ("flat", "vlan")


@dataclass(frozen=True)
class Binding:
    vif_type: str
    vif_details: dict
    segment: dict  # the segment bound: network_type, physical_network, segmentation_id
    status: str = "DOWN"  # the port's until its agent reports it (ACTIVE: no agent will)


def _ovs_reaches(configurations: dict, segment: dict) -> bool:
    network_type = segment.get("network_type")
    if network_type in TUNNEL_TYPES:
        return network_type in (configurations.get("tunnel_types") or [])
    if network_type in PHYSNET_TYPES:
        return segment.get("physical_network") in (configurations.get("bridge_mappings") or {})
    return network_type == "local"


def _ovs_details(configurations: dict) -> dict:
    # What Neutron's openvswitch driver answers for a port plugged into br-int by os-vif.
    return {"port_filter": True, "ovs_hybrid_plug": False,
            "datapath_type": configurations.get("datapath_type") or "system",
            "bridge_name": configurations.get("integration_bridge") or "br-int",
            "connectivity": "l2"}


def _sriov_reaches(configurations: dict, segment: dict) -> bool:
    return (segment.get("network_type") in PHYSNET_TYPES
            and segment.get("physical_network") in (configurations.get("device_mappings") or {}))


def _sriov_details(configurations: dict, segment: dict) -> dict:
    vlan = segment.get("segmentation_id") if segment.get("network_type") == "vlan" else 0
    return {"port_filter": False, "vlan": str(vlan or 0), "connectivity": "l2"}


def _sriov_profile_fits(vnic_type: str, profile: Any, segment: dict) -> bool:
    # A bond is of VFs the guest bonds: direct ports only.
    if sriov.bond_mode(profile) is not None and vnic_type != "direct":
        return False
    return segment.get("network_type") in PHYSNET_TYPES and sriov.profile_fits(profile, segment)


@dataclass(frozen=True)
class MechanismDriver:
    name: str
    supports_vlan_transparent: bool
    vnic_types: tuple[str, ...]
    agent_type: str = ""
    vif_type: str = ""
    reaches: Callable[[dict, dict], bool] | None = None
    details: Callable[[dict, dict], dict] | None = None
    # vnic type -> vif type, where it is not ``vif_type``.
    vif_types: Mapping[str, str] = field(default_factory=dict)
    # vnic types bound without an agent (their ports are ACTIVE once bound).
    agentless: tuple[str, ...] = ()
    # What binding:profile must name for a segment: (vnic_type, profile, segment).
    profile_fits: Callable[[str, Any, dict], bool] | None = None

    def bind(self, vnic_type: str, segments: list[dict], agents: list[dict],
             profile: Any = None) -> Binding | None:
        """The binding this driver makes with one of ``agents`` (the host's alive,
        admin-up agents, rendered), or None."""
        if vnic_type not in self.vnic_types or self.reaches is None:
            return None
        vif_type = self.vif_types.get(vnic_type, self.vif_type)
        segments = [s for s in segments
                    if self.profile_fits is None or self.profile_fits(vnic_type, profile, s)]
        if vnic_type in self.agentless:
            for segment in segments:
                return Binding(vif_type, self.details({}, segment), segment, status="ACTIVE")
            return None
        for agent in agents:
            if agent["agent_type"] != self.agent_type:
                continue
            configurations = agent.get("configurations") or {}
            for segment in segments:
                if self.reaches(configurations, segment):
                    return Binding(vif_type, self.details(configurations, segment), segment)
        return None


PSEUDO_AGENT = "Pseudo agent"


def _pseudo_reaches(configurations: dict, segment: dict) -> bool:
    """A pseudo-agent reaches a segment of a type it allows: on its physical networks
    for flat and VLAN, anywhere for a tunnel type or local (docs/api.md)."""
    network_type = segment.get("network_type")
    if network_type not in (configurations.get("allowed_network_types") or ()):
        return False
    if network_type in PHYSNET_TYPES:
        return segment.get("physical_network") in (configurations.get("physical_networks") or ())
    return True


@dataclass(frozen=True)
class PseudoAgentDriver(MechanismDriver):
    """Binds on hosts without an agent (an SDN-controlled host, a bare-metal switch)
    that an admin registered a pseudo-agent for: with the vnic types, vif_type and
    vif_details the pseudo-agent declares (``supported_vnic_types``). It needs nothing
    of ``binding:profile`` (``profile``)."""

    def bind(self, vnic_type: str, segments: list[dict], agents: list[dict],
             profile: object = None) -> Binding | None:
        for agent in agents:
            if agent["agent_type"] != self.agent_type:
                continue
            configurations = agent.get("configurations") or {}
            vif = next((v for v in configurations.get("supported_vnic_types") or ()
                        if v.get("vnic_type") == vnic_type), None)
            segment = vif and next((s for s in segments if self.reaches(configurations, s)),
                                   None)
            if segment:
                return Binding(vif["vif_type"], dict(vif.get("vif_details") or {}), segment)
        return None


KNOWN = {
    # Our Open vSwitch data plane passes customer tags (802.1ad outer tag on VLAN networks).
    "openvswitch": MechanismDriver("openvswitch", True, ("normal",), "Open vSwitch agent", "ovs",
                                   _ovs_reaches, lambda conf, _seg: _ovs_details(conf)),
    # What an agent-less backend does with customer tags is not known here: say no.
    "pseudo_agent": PseudoAgentDriver("pseudo_agent", False, (), PSEUDO_AGENT, "",
                                      _pseudo_reaches),
    "sriovnicswitch": MechanismDriver("sriovnicswitch", False,
                                      ("direct", "macvtap", "direct-physical"),
                                      "NIC Switch agent", "hw_veb", _sriov_reaches,
                                      _sriov_details,
                                      vif_types={"direct-physical": "hostdev_physical"},
                                      agentless=("direct-physical",),
                                      profile_fits=_sriov_profile_fits),
}
AGENT_TYPES = tuple(d.agent_type for d in KNOWN.values())


def load(names: list[str]) -> list[MechanismDriver]:
    unknown = [n for n in names if n not in KNOWN]
    if unknown:
        raise ValueError(f"unknown mechanism drivers {unknown}; known: {sorted(KNOWN)}")
    return [KNOWN[n] for n in names]


def bind(drivers: list[MechanismDriver], vnic_type: str, segments: list[dict],
         agents: list[dict], profile: Any = None) -> Binding | None:
    """The first driver's binding, in configured order (as ML2 tries them)."""
    for driver in drivers:
        found = driver.bind(vnic_type, segments, agents, profile)
        if found is not None:
            return found
    return None


__all__ = ["AGENT_TYPES", "PSEUDO_AGENT", "Binding", "MechanismDriver", "PseudoAgentDriver",
           "bind", "load"]
