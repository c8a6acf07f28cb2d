"""Mechanism drivers: what each backend can do. Binding arrives with the ML2 issue;
today they answer capability questions (VLAN transparency)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class MechanismDriver:
    name: str
    supports_vlan_transparent: bool
    vnic_types: tuple[str, ...]


KNOWN = {
    # Our Open vSwitch data plane passes customer tags (802.1ad outer tag on VLAN networks).
    "openvswitch": MechanismDriver("openvswitch", True, ("normal",)),
    "sriovnicswitch": MechanismDriver("sriovnicswitch", False,
                                      ("direct", "macvtap", "direct-physical")),
}


def load(names: list[str]) -> list[MechanismDriver]:
    unknown = [n for n in names if n not in KNOWN]
    if unknown:
        raise ValueError(f"unknown mechanism drivers {unknown}; known: {sorted(KNOWN)}")
    return [KNOWN[n] for n in names]
