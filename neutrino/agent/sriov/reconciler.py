"""From the ports bound here to VF settings, and from VFs and uplinks to port status.

A port is this agent's when it is bound to this host with ``binding:vif_type``
``hw_veb`` (vnic types direct and macvtap). Its devices come from
``binding:profile`` (ml2/sriov.py): one VF by ``pci_slot``, or a bond's members.
Each device is programmed with the port's MAC, the VLAN the binding chose
(``binding:vif_details.vlan``), spoof checking when ``port_security_enabled``, the
egress rate of the port's QoS ``bandwidth_limit`` rule, and a link state:

- ``disable`` while the port is administratively down;
- ``auto`` (the VF's link follows its PF's carrier) with ``propagate_uplink_status``,
  and always for bond members: a bond can only fail over if the guest sees a
  member's uplink go;
- ``enable`` otherwise.

A device is *up* when the guest sees its link: enable, or auto with the PF's
carrier. A port is up (reported ACTIVE) when at least one of its devices is up:
a bond with a member down is ACTIVE but DEGRADED (shown in the agent's
``configurations.bonds``), with every member down DOWN. A port whose devices the
host does not have (unknown PCI address, a PF of another physical network, two
bond members on one PF) is not programmed and stays DOWN, with the reason in
``configurations.errors``.

Level-triggered: each sync compares the wanted settings with what the backend
reads back and writes the difference; VFs it programmed for ports that are gone
are released (no MAC, no VLAN, link disabled). Which VFs those are is kept in
``state_path/sriov-vfs.json`` so a restarted agent still releases them.
"""
from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from neutrino.agent.sriov.backend import RELEASED, Backend, Vf, VfSettings
from neutrino.agent.sriov.config import SriovConfig
from neutrino.ml2 import sriov

LOG = logging.getLogger(__name__)
VF_VIF_TYPE = "hw_veb"


@dataclass(frozen=True)
class PortDevices:
    """A port of this agent, its VFs and the settings it wants on each."""

    port_id: str
    vfs: tuple[Vf, ...]
    settings: VfSettings
    bond_mode: str | None = None


@dataclass
class SyncReport:
    """What one sync found: the ports up, the ports handled, bonds, problems."""

    up: set[str] = field(default_factory=set)
    handled: set[str] = field(default_factory=set)
    bonds: dict[str, dict] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)
    programmed: int = 0  # VF writes made
    released: int = 0


def max_rate_mbps(port: Mapping[str, Any], policies: Mapping[str, Mapping]) -> int:
    """The VF's max_tx_rate (Mbit/s, rounded up; 0 unlimited) from the egress
    bandwidth_limit rule of the port's policy (or its network's)."""
    policy = policies.get(port.get("qos_policy_id") or port.get("qos_network_policy_id") or "")
    for rule in (policy or {}).get("rules") or ():
        if (rule.get("type") == "bandwidth_limit"
                and (rule.get("direction") or "egress") == "egress" and rule.get("max_kbps")):
            return max(1, math.ceil(rule["max_kbps"] / 1000))
    return 0


def link_state(port: Mapping[str, Any], bond: bool) -> str:
    if not port.get("admin_state_up", True):
        return "disable"
    return "auto" if bond or port.get("propagate_uplink_status") else "enable"


class SriovReconciler:
    def __init__(self, config: SriovConfig, backend: Backend, state_path: str | Path) -> None:
        self.config = config
        self.backend = backend
        self.record = Path(state_path) / "sriov-vfs.json"
        self.carriers: dict[str, bool] = {}
        self._errors: dict[str, str] = {}  # logged already

    # ---- the host's devices ----------------------------------------------------------
    def inventory(self) -> dict[str, tuple[str, Vf]]:
        """pci address -> (physnet, VF) of every VF this agent may use."""
        out = {}
        for physnet, pfs in self.config.device_mappings.items():
            for pf in pfs:
                excluded = self.config.exclude_devices.get(pf, frozenset())
                for vf in self.backend.vfs(pf):
                    if vf.pci_slot not in excluded:
                        out[vf.pci_slot] = (physnet, vf)
        return out

    def devices_count(self) -> int:
        return len(self.inventory())

    def read_carriers(self) -> dict[str, bool]:
        return {pf: self.backend.carrier(pf) for pfs in self.config.device_mappings.values()
                for pf in pfs}

    # ---- desired ------------------------------------------------------------------------
    def mine(self, ports: Iterable[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
        return [p for p in ports if p.get("binding:host_id") == self.config.host
                and p.get("binding:vif_type") == VF_VIF_TYPE]

    def wanted(self, port: Mapping[str, Any], inventory: Mapping[str, tuple[str, Vf]],
               policies: Mapping[str, Mapping]) -> PortDevices:
        """The port's VFs and settings; ValueError saying why the host cannot serve it."""
        profile = port.get("binding:profile") or {}
        mode = sriov.bond_mode(profile)
        devices = sriov.devices(profile)
        if not devices:
            raise ValueError("binding:profile names no pci_slot")
        vfs = []
        for device in devices:
            found = inventory.get(device.pci_slot)
            if found is None:
                raise ValueError(f"no usable VF {device.pci_slot} on "
                                 f"{sorted(self.config.physnet_of)}")
            physnet, vf = found
            if device.physical_network and device.physical_network != physnet:
                raise ValueError(f"VF {device.pci_slot} is on {physnet}, not "
                                 f"{device.physical_network}")
            vfs.append(vf)
        pfs = [vf.pf for vf in vfs]
        if mode is not None and len(set(pfs)) != len(pfs):
            raise ValueError(f"bond members share a PF ({', '.join(pfs)})")
        vlan = (port.get("binding:vif_details") or {}).get("vlan") or 0
        settings = VfSettings(mac=port["mac_address"], vlan=int(vlan),
                              spoofchk=bool(port.get("port_security_enabled", True)),
                              link_state=link_state(port, mode is not None),
                              max_tx_rate=max_rate_mbps(port, policies))
        return PortDevices(port["id"], tuple(vfs), settings, mode)

    # ---- converging ---------------------------------------------------------------------
    def sync(self, ports: Iterable[Mapping[str, Any]],
             policies: Mapping[str, Mapping]) -> SyncReport:
        report = SyncReport()
        inventory = self.inventory()
        self.carriers = self.read_carriers()
        in_use: dict[str, Vf] = {}
        for port in self.mine(ports):
            report.handled.add(port["id"])
            try:
                wanted = self.wanted(port, inventory, policies)
                taken = [vf.pci_slot for vf in wanted.vfs if vf.pci_slot in in_use]
                if taken:
                    raise ValueError(f"VF {taken[0]} is another port's too")
            except ValueError as err:
                report.errors[port["id"]] = str(err)
                if self._errors.get(port["id"]) != str(err):
                    LOG.warning("port %s not programmed: %s", port["id"], err)
                continue
            for vf in wanted.vfs:
                in_use[vf.pci_slot] = vf
                if self.backend.get(vf) != wanted.settings:
                    self.backend.set(vf, wanted.settings)
                    report.programmed += 1
                    LOG.info("VF %s (%s vf %d) of port %s: %s", vf.pci_slot, vf.pf, vf.index,
                             port["id"], wanted.settings)
            up = [self.is_up(vf, wanted.settings) for vf in wanted.vfs]
            if any(up):
                report.up.add(port["id"])
            if wanted.bond_mode is not None:
                report.bonds[port["id"]] = self.bond_status(wanted, up)
        self._errors = dict(report.errors)
        report.released = self._release(inventory, in_use)
        self.refresh_operstate()
        return report

    def is_up(self, vf: Vf, settings: VfSettings) -> bool:
        return settings.link_state == "enable" or (
            settings.link_state == "auto" and self.carriers.get(vf.pf, False))

    @staticmethod
    def bond_status(wanted: PortDevices, up: list[bool]) -> dict:
        status = "ACTIVE" if all(up) else "DEGRADED" if any(up) else "DOWN"
        return {"mode": wanted.bond_mode, "status": status,
                "members": [{"pci_slot": vf.pci_slot, "pf": vf.pf, "vf": vf.index,
                             "link": "up" if is_up else "down"}
                            for vf, is_up in zip(wanted.vfs, up, strict=True)]}

    def refresh_operstate(self) -> None:
        refresh = getattr(self.backend, "refresh_operstate", None)
        if refresh is not None:
            refresh()

    def _release(self, inventory: Mapping[str, tuple[str, Vf]], in_use: Mapping[str, Vf]) -> int:
        """Release the VFs programmed before and used by no port now; remember the rest."""
        try:
            before = set(json.loads(self.record.read_text()))
        except (FileNotFoundError, ValueError):
            before = set()
        released = 0
        for slot in sorted(before - set(in_use)):
            found = inventory.get(slot)
            if found is not None and self.backend.get(found[1]) != RELEASED:
                self.backend.set(found[1], RELEASED)
                released += 1
                LOG.info("VF %s released", slot)
        if before != set(in_use):
            self.record.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.record.with_name(self.record.name + ".tmp")
            tmp.write_text(json.dumps(sorted(in_use)))
            tmp.replace(self.record)
        return released
