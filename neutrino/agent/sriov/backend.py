"""What the SR-IOV agent needs of the NICs: one small interface, two implementations
(``netlink.py`` for real PFs, ``simulated.py`` for tests and laptops).

A backend lists the VFs of a PF (by PCI address, with their index), reads and
writes a VF's settings, and reads a PF's uplink carrier. It keeps no state of its
own that the agent depends on: the agent compares what it wants with what the
backend reads back, and writes only the difference.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

# IFLA_VF_LINK_STATE values (include/uapi/linux/if_link.h), in the names of
# `ip link set ... vf N state auto|enable|disable`.
LINK_STATES = ("auto", "enable", "disable")
NO_MAC = "00:00:00:00:00:00"


@dataclass(frozen=True)
class Vf:
    """One virtual function: its PF, its index there, and its PCI address."""

    pf: str
    index: int
    pci_slot: str


@dataclass(frozen=True)
class VfSettings:
    """What the agent programs on a VF (the kernel's IFLA_VF_* attributes)."""

    mac: str = NO_MAC
    vlan: int = 0  # 0: untagged (flat)
    spoofchk: bool = True
    link_state: str = "auto"
    max_tx_rate: int = 0  # Mbit/s; 0: unlimited

    def __post_init__(self) -> None:
        object.__setattr__(self, "mac", self.mac.lower())


# What a VF is left with once no port uses it: no MAC, no VLAN, link down.
RELEASED = VfSettings(link_state="disable")


class Backend(Protocol):
    """A host's SR-IOV NICs as the agent sees them."""

    name: str

    def vfs(self, pf: str) -> list[Vf]:
        """The VFs of ``pf`` (empty when it has none or does not exist)."""

    def carrier(self, pf: str) -> bool:
        """The PF's uplink has carrier."""

    def get(self, vf: Vf) -> VfSettings:
        """The VF's settings as the NIC holds them now."""

    def set(self, vf: Vf, settings: VfSettings) -> None:
        """Program the VF (only what differs from ``get`` need be written)."""
