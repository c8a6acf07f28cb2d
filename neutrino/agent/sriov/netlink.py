"""Real NICs through the kernel: VF attributes with rtnetlink (pyroute2), VF PCI
addresses from sysfs. Not exercised by the test suite (no SR-IOV hardware on the
test machines); see docs/sriov.md.

- VFs of a PF: ``/sys/class/net/<pf>/device/virtfn<N>`` links to the VF's PCI
  device directory, whose name is its address; N is the VF index.
- Carrier: ``/sys/class/net/<pf>/carrier`` (reading it fails while the PF is
  administratively down: no carrier then).
- Settings: RTM_SETLINK on the PF with IFLA_VFINFO_LIST (IFLA_VF_MAC, IFLA_VF_VLAN,
  IFLA_VF_SPOOFCHK, IFLA_VF_LINK_STATE, IFLA_VF_RATE), read back with RTM_GETLINK
  and RTEXT_FILTER_VF.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from neutrino.agent.sriov.backend import LINK_STATES, NO_MAC, Vf, VfSettings

SYS_NET = Path("/sys/class/net")
RTEXT_FILTER_VF = 1
_VIRTFN = re.compile(r"^virtfn(\d+)$")


def _mac(value: object) -> str:
    """IFLA_VF_MAC's address (32 bytes, the first 6 the MAC) as text."""
    if isinstance(value, str):
        return value[:17].lower() or NO_MAC
    octets = list(value or ())[:6]
    return ":".join(f"{o:02x}" for o in octets) if len(octets) == 6 else NO_MAC


class NetlinkBackend:
    name = "netlink"

    def __init__(self, sys_net: Path = SYS_NET) -> None:
        from pyroute2 import IPRoute
        self.sys_net = sys_net
        self.ipr = IPRoute()

    def vfs(self, pf: str) -> list[Vf]:
        device = self.sys_net / pf / "device"
        try:
            names = os.listdir(device)
        except FileNotFoundError:
            return []
        out = []
        for name in names:
            match = _VIRTFN.match(name)
            if match:
                slot = os.path.basename(os.path.realpath(device / name)).lower()
                out.append(Vf(pf, int(match.group(1)), slot))
        return sorted(out, key=lambda v: v.index)

    def carrier(self, pf: str) -> bool:
        try:
            return (self.sys_net / pf / "carrier").read_text().strip() == "1"
        except OSError:
            return False

    def _pf_index(self, pf: str) -> int:
        found = self.ipr.link_lookup(ifname=pf)
        if not found:
            raise LookupError(f"no interface {pf}")
        return found[0]

    def get(self, vf: Vf) -> VfSettings:
        (link,) = self.ipr.link("get", index=self._pf_index(vf.pf), ext_mask=RTEXT_FILTER_VF)
        for info in (link.get_attr("IFLA_VFINFO_LIST") or {}).get_attrs("IFLA_VF_INFO"):
            if info.get_attr("IFLA_VF_MAC")["vf"] != vf.index:
                continue
            mac = _mac(info.get_attr("IFLA_VF_MAC")["mac"])
            vlan = info.get_attr("IFLA_VF_VLAN")
            spoof = info.get_attr("IFLA_VF_SPOOFCHK")
            state = info.get_attr("IFLA_VF_LINK_STATE")
            rate = info.get_attr("IFLA_VF_RATE")
            return VfSettings(
                mac=mac, vlan=vlan["vlan"] if vlan else 0,
                spoofchk=bool(spoof["spoofchk"]) if spoof else True,
                link_state=LINK_STATES[state["link_state"]] if state else "auto",
                max_tx_rate=rate["max_tx_rate"] if rate else 0)
        raise LookupError(f"{vf.pf} has no VF {vf.index}")

    def set(self, vf: Vf, settings: VfSettings) -> None:
        self.ipr.link("set", index=self._pf_index(vf.pf), vf={
            "vf": vf.index, "mac": settings.mac, "vlan": settings.vlan,
            "spoofchk": int(settings.spoofchk),
            "link_state": LINK_STATES.index(settings.link_state),
            "rate": {"min_tx_rate": 0, "max_tx_rate": settings.max_tx_rate}})
