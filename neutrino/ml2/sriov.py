"""What an SR-IOV port's ``binding:profile`` asks for: one VF, or a bond of VFs.

Nova fills the profile of a ``direct``/``macvtap`` port with the VF it allocated
(``pci_slot``, ``physical_network``, ``pci_vendor_info``). A bond (our design;
upstream's ``support-sriov-bond`` blueprint never merged, so no alias says it)
names two or more VFs on different PFs that the guest bonds::

    {"bond": {"mode": "active-backup",
              "members": [{"pci_slot": "0000:05:00.2", "physical_network": "physnet1"},
                          {"pci_slot": "0000:06:00.2", "physical_network": "physnet1"}]}}

The server checks the shape (``bond_problem``: 400 on a malformed bond) and the
mechanism driver that every device is on the segment's physical network; only
the agent knows which PF a PCI address belongs to, so "different PFs" is its check.
Used by the server and the SR-IOV agent alike: no imports beyond the standard library.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

BOND_MODES = ("active-backup", "balance-tcp", "balance-slb")
# domain:bus:slot.function, as Nova writes it (and sysfs names the device).
PCI_ADDRESS = re.compile(r"^[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-1][0-9a-fA-F]\.[0-7]$")


@dataclass(frozen=True)
class Device:
    """One VF (or PF, direct-physical) of a port."""

    pci_slot: str
    physical_network: str | None


def bond_problem(profile: Any) -> str | None:
    """Why ``profile``'s bond is malformed, or None (also when it has no bond)."""
    if not isinstance(profile, dict) or "bond" not in profile:
        return None
    bond = profile["bond"]
    if not isinstance(bond, dict):
        return "binding:profile bond must be an object with mode and members"
    unknown = sorted(set(bond) - {"mode", "members"})
    if unknown:
        return f"binding:profile bond has unknown keys {unknown}"
    if bond.get("mode") not in BOND_MODES:
        return f"binding:profile bond mode '{bond.get('mode')}' is not in {list(BOND_MODES)}"
    members = bond.get("members")
    if not isinstance(members, list) or len(members) < 2:
        return "binding:profile bond needs a list of at least 2 members"
    slots = []
    for member in members:
        if not isinstance(member, dict) or set(member) - {"pci_slot", "physical_network"}:
            return "each binding:profile bond member is {pci_slot, physical_network}"
        slot, physnet = member.get("pci_slot"), member.get("physical_network")
        if not isinstance(slot, str) or not PCI_ADDRESS.match(slot):
            return f"binding:profile bond member pci_slot '{slot}' is not a PCI address"
        if not isinstance(physnet, str) or not physnet:
            return "each binding:profile bond member needs a physical_network"
        slots.append(slot.lower())
    if len(set(slots)) != len(slots):
        return "binding:profile bond members must be distinct devices"
    return None


def bond_mode(profile: Any) -> str | None:
    """The bond's mode, None for a port of one device."""
    if isinstance(profile, dict) and isinstance(profile.get("bond"), dict):
        return profile["bond"].get("mode")
    return None


def devices(profile: Any) -> list[Device]:
    """The devices a (valid) profile names: the bond's members, or its one pci_slot;
    empty when it names none."""
    if not isinstance(profile, dict):
        return []
    if bond_mode(profile) is not None:
        members = profile["bond"].get("members")
        return [Device(m["pci_slot"].lower(), m.get("physical_network"))
                for m in (members if isinstance(members, list) else ())
                if isinstance(m, dict) and isinstance(m.get("pci_slot"), str)]
    slot = profile.get("pci_slot")
    if not isinstance(slot, str) or not slot:
        return []
    physnet = profile.get("physical_network")
    return [Device(slot.lower(), physnet if isinstance(physnet, str) else None)]


def profile_fits(profile: Any, segment: dict) -> bool:
    """The profile names devices, all on the segment's physical network (and its
    bond, if any, is well-formed: a profile given through /ports/{id}/bindings is
    not checked by the API)."""
    if bond_problem(profile):
        return False
    found = devices(profile)
    physnet = segment.get("physical_network")
    return bool(found) and all(d.physical_network == physnet for d in found)
