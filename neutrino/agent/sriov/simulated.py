"""A simulated NIC: PFs, VFs and uplinks in files, so that the whole agent runs (and
is tested) on a machine without SR-IOV hardware. What it cannot prove is in
docs/sriov.md: that a real driver accepts the settings, and that a VF's link
really follows its PF.

The directory (``[sriov_nic] simulated_state_dir``) holds:

- ``inventory.json`` (written by the operator or test): ``{"<pf>": ["<VF PCI
  address>", ...]}``; a VF's index is its position, as ``virtfn<N>`` in sysfs;
- ``carrier/<pf>`` (optional, written by the operator or test): ``1`` or ``0``, the
  PF's uplink carrier, as ``/sys/class/net/<pf>/carrier``; missing means up;
- ``vfs.json`` (written by this backend only, replaced whole): each programmed VF
  by PCI address: ``pf``, ``index``, the settings, and ``operstate``, the link
  the guest would see (``up``/``down``: disable is down, enable is up, auto
  follows the PF's carrier when the file was written).
"""
from __future__ import annotations

import json
import os
import threading
from dataclasses import asdict
from pathlib import Path

from neutrino.agent.sriov.backend import Vf, VfSettings


class SimulatedBackend:
    name = "simulated"

    def __init__(self, state_dir: str | Path) -> None:
        self.dir = Path(state_dir)
        self._lock = threading.Lock()

    def _inventory(self) -> dict[str, list[str]]:
        try:
            data = json.loads((self.dir / "inventory.json").read_text())
        except FileNotFoundError:
            return {}
        return {pf: [str(s).lower() for s in slots] for pf, slots in data.items()}

    def _programmed(self) -> dict[str, dict]:
        try:
            return json.loads((self.dir / "vfs.json").read_text())
        except FileNotFoundError:
            return {}

    def vfs(self, pf: str) -> list[Vf]:
        return [Vf(pf, i, slot) for i, slot in enumerate(self._inventory().get(pf, ()))]

    def carrier(self, pf: str) -> bool:
        try:
            return (self.dir / "carrier" / pf).read_text().strip() != "0"
        except FileNotFoundError:
            return True

    def get(self, vf: Vf) -> VfSettings:
        entry = self._programmed().get(vf.pci_slot)
        if entry is None:
            return VfSettings()
        return VfSettings(**{k: entry[k] for k in VfSettings.__dataclass_fields__})

    def set(self, vf: Vf, settings: VfSettings) -> None:
        with self._lock:
            programmed = self._programmed()
            programmed[vf.pci_slot] = {"pf": vf.pf, "index": vf.index, **asdict(settings)}
            self._write(programmed)

    def refresh_operstate(self) -> None:
        """Rewrite each VF's ``operstate`` from the carriers now (after a flip)."""
        with self._lock:
            self._write(self._programmed())

    def _write(self, programmed: dict[str, dict]) -> None:
        for entry in programmed.values():
            state = entry["link_state"]
            up = state == "enable" or (state == "auto" and self.carrier(entry["pf"]))
            entry["operstate"] = "up" if up else "down"
        tmp = self.dir / "vfs.json.tmp"
        tmp.write_text(json.dumps(programmed, indent=1, sort_keys=True))
        os.replace(tmp, self.dir / "vfs.json")
