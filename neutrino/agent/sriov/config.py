"""[sriov_nic] values in Neutron's formats, parsed and checked once at start."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from neutrino.ml2.sriov import PCI_ADDRESS


class ConfigError(ValueError):
    """An [sriov_nic] value the agent cannot use; the message names it."""


@dataclass(frozen=True)
class SriovConfig:
    host: str
    device_mappings: dict[str, list[str]]  # physnet -> PFs, in the configured order
    exclude_devices: dict[str, frozenset[str]] = field(default_factory=dict)  # pf -> VFs
    bandwidths: dict[str, dict[str, int | None]] = field(default_factory=dict)

    @property
    def physnet_of(self) -> dict[str, str]:
        return {pf: net for net, pfs in self.device_mappings.items() for pf in pfs}


def device_mappings(items: list[str]) -> dict[str, list[str]]:
    """``physnet:pf`` entries -> {physnet: [pf, ...]}; a PF serves one network."""
    out: dict[str, list[str]] = {}
    seen: dict[str, str] = {}
    for item in items:
        physnet, sep, pf = item.strip().partition(":")
        if not sep or not physnet or not pf:
            raise ConfigError(f"physical_device_mappings: '{item}' is not physnet:pf")
        if pf in seen and seen[pf] != physnet:
            raise ConfigError(f"physical_device_mappings: {pf} is mapped to {seen[pf]} "
                              f"and {physnet}")
        seen[pf] = physnet
        if pf not in out.setdefault(physnet, []):
            out[physnet].append(pf)
    return out


def exclude_devices(items: list[str], pfs: set[str]) -> dict[str, frozenset[str]]:
    """``pf:addr;addr`` entries -> {pf: {addr, ...}}, for mapped PFs only."""
    out: dict[str, set[str]] = {}
    for item in items:
        pf, sep, rest = item.strip().partition(":")
        if not sep or pf not in pfs:
            raise ConfigError(f"exclude_devices: '{item}' does not name a mapped PF "
                              f"({sorted(pfs)})")
        for address in filter(None, (a.strip().lower() for a in rest.split(";"))):
            if not PCI_ADDRESS.match(address):
                raise ConfigError(f"exclude_devices: '{address}' is not a PCI address")
            out.setdefault(pf, set()).add(address)
    return {pf: frozenset(a) for pf, a in out.items()}


def bandwidths(items: list[str], pfs: set[str]) -> dict[str, dict[str, int | None]]:
    """``pf:egress_kbps:ingress_kbps`` entries -> {pf: {"egress": n, "ingress": n}}."""
    out = {}
    for item in items:
        parts = item.strip().split(":")
        if len(parts) != 3 or parts[0] not in pfs:
            raise ConfigError(f"resource_provider_bandwidths: '{item}' is not "
                              f"pf:egress:ingress of a mapped PF")
        try:
            egress, ingress = (int(p) if p else None for p in parts[1:])
        except ValueError:
            raise ConfigError(f"resource_provider_bandwidths: '{item}': kbps must be "
                              "integers") from None
        out[parts[0]] = {"egress": egress, "ingress": ingress}
    return out


def from_conf(conf: Any) -> SriovConfig:
    section = conf.sriov_nic
    mappings = device_mappings(section.physical_device_mappings)
    pfs = {pf for group in mappings.values() for pf in group}
    return SriovConfig(host=conf.agent.host, device_mappings=mappings,
                       exclude_devices=exclude_devices(section.exclude_devices, pfs),
                       bandwidths=bandwidths(section.resource_provider_bandwidths, pfs))
