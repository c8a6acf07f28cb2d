"""The SR-IOV agent's pure parts: [sriov_nic] formats, binding:profile devices and
bonds, and the wanted VF settings (with the simulated backend as the NIC)."""
from __future__ import annotations

import json

import pytest

from neutrino.agent.sriov import config
from neutrino.agent.sriov.backend import RELEASED, VfSettings
from neutrino.agent.sriov.config import ConfigError, SriovConfig
from neutrino.agent.sriov.reconciler import SriovReconciler, link_state, max_rate_mbps
from neutrino.agent.sriov.simulated import SimulatedBackend
from neutrino.ml2 import sriov


def test_device_mappings_group_pfs_by_physnet():
    assert config.device_mappings(["physnet1:ens5", "physnet1:ens6", "physnet2:ens7"]) == {
        "physnet1": ["ens5", "ens6"], "physnet2": ["ens7"]}


@pytest.mark.parametrize("items", [["physnet1"], ["physnet1:"], [":ens5"],
                                   ["physnet1:ens5", "physnet2:ens5"]])
def test_bad_device_mappings_are_refused(items):
    with pytest.raises(ConfigError, match="physical_device_mappings"):
        config.device_mappings(items)


def test_exclude_devices_in_neutrons_format():
    assert config.exclude_devices(["ens5:0000:05:00.2;0000:05:00.3"], {"ens5"}) == {
        "ens5": frozenset({"0000:05:00.2", "0000:05:00.3"})}
    with pytest.raises(ConfigError, match="mapped PF"):
        config.exclude_devices(["ens9:0000:05:00.2"], {"ens5"})
    with pytest.raises(ConfigError, match="not a PCI address"):
        config.exclude_devices(["ens5:05:00.2"], {"ens5"})


def test_bandwidths_allow_an_empty_direction():
    assert config.bandwidths(["ens5:1000:", "ens6::2000"], {"ens5", "ens6"}) == {
        "ens5": {"egress": 1000, "ingress": None}, "ens6": {"egress": None, "ingress": 2000}}
    with pytest.raises(ConfigError):
        config.bandwidths(["ens5:fast:1"], {"ens5"})


def test_profile_devices_of_a_vf_and_of_a_bond():
    assert sriov.devices({"pci_slot": "0000:05:00.1", "physical_network": "p"}) == [
        sriov.Device("0000:05:00.1", "p")]
    bond = {"bond": {"mode": "balance-slb", "members": [
        {"pci_slot": "0000:05:00.1", "physical_network": "p"},
        {"pci_slot": "0000:06:00.1", "physical_network": "p"}]}}
    assert sriov.bond_problem(bond) is None and sriov.bond_mode(bond) == "balance-slb"
    assert [d.pci_slot for d in sriov.devices(bond)] == ["0000:05:00.1", "0000:06:00.1"]
    assert sriov.devices({}) == [] and sriov.bond_problem({}) is None


@pytest.mark.parametrize("port, bond, state", [
    ({"admin_state_up": False, "propagate_uplink_status": True}, False, "disable"),
    ({"admin_state_up": True, "propagate_uplink_status": True}, False, "auto"),
    ({"admin_state_up": True, "propagate_uplink_status": False}, False, "enable"),
    ({"admin_state_up": True, "propagate_uplink_status": False}, True, "auto"),
    ({"admin_state_up": False}, True, "disable"),
])
def test_link_state_rules(port, bond, state):
    assert link_state(port, bond) == state


def test_max_rate_from_the_egress_bandwidth_limit_rule():
    policies = {"p": {"rules": [{"type": "bandwidth_limit", "direction": "ingress",
                                 "max_kbps": 100000},
                                {"type": "bandwidth_limit", "max_kbps": 1500}]}}
    assert max_rate_mbps({"qos_policy_id": "p"}, policies) == 2
    assert max_rate_mbps({"qos_network_policy_id": "p"}, policies) == 2
    assert max_rate_mbps({"qos_policy_id": None}, policies) == 0


@pytest.fixture
def nic(tmp_path):
    (tmp_path / "nic").mkdir()
    (tmp_path / "nic" / "inventory.json").write_text(json.dumps(
        {"ens5": ["0000:05:00.1", "0000:05:00.2"], "ens6": ["0000:06:00.1"]}))
    return SimulatedBackend(tmp_path / "nic")


def _reconciler(nic, tmp_path) -> SriovReconciler:
    conf = SriovConfig("h1", {"physnet1": ["ens5", "ens6"]},
                       exclude_devices={"ens5": frozenset({"0000:05:00.2"})})
    return SriovReconciler(conf, nic, tmp_path / "state")


def _port(**attrs) -> dict:
    return {"id": "p1", "mac_address": "FA:16:3E:00:00:01", "binding:host_id": "h1",
            "binding:vif_type": "hw_veb", "binding:vif_details": {"vlan": "120"},
            "binding:profile": {"pci_slot": "0000:05:00.1", "physical_network": "physnet1"},
            "admin_state_up": True, "port_security_enabled": True, **attrs}


def test_sync_programs_then_releases_a_vf(nic, tmp_path):
    rec = _reconciler(nic, tmp_path)
    report = rec.sync([_port(), _port(id="other", **{"binding:host_id": "h2"})], {})
    vf = rec.inventory()["0000:05:00.1"][1]
    assert nic.get(vf) == VfSettings("fa:16:3e:00:00:01", 120, True, "enable", 0)
    assert (report.up, report.handled, report.programmed) == ({"p1"}, {"p1"}, 1)
    assert rec.sync([_port()], {}).programmed == 0  # nothing differs: nothing written
    assert _reconciler(nic, tmp_path).sync([], {}).released == 1  # a new process too
    assert nic.get(vf) == RELEASED


def test_sync_refuses_excluded_and_unknown_vfs(nic, tmp_path):
    rec = _reconciler(nic, tmp_path)
    for slot in ("0000:05:00.2", "0000:09:00.1"):
        report = rec.sync([_port(**{"binding:profile": {"pci_slot": slot}})], {})
        assert report.up == set() and "no usable VF" in report.errors["p1"]


def test_bond_status_follows_the_carriers(nic, tmp_path):
    rec = _reconciler(nic, tmp_path)
    bond = {"bond": {"mode": "active-backup", "members": [
        {"pci_slot": "0000:05:00.1", "physical_network": "physnet1"},
        {"pci_slot": "0000:06:00.1", "physical_network": "physnet1"}]}}
    (nic.dir / "carrier").mkdir()
    (nic.dir / "carrier" / "ens6").write_text("0")
    report = rec.sync([_port(**{"binding:profile": bond})], {})
    assert report.up == {"p1"} and report.bonds["p1"]["status"] == "DEGRADED"
    (nic.dir / "carrier" / "ens5").write_text("0")
    report = rec.sync([_port(**{"binding:profile": bond})], {})
    assert report.up == set() and report.bonds["p1"]["status"] == "DOWN"


@pytest.mark.parametrize("bond", [{"mode": "active-backup", "members": [{}, {}]},
                                  {"mode": "active-backup", "members": "two"},
                                  {"mode": "active-backup"}, "active-backup"])
def test_malformed_bond_fits_no_segment_and_names_no_device(bond):
    profile = {"bond": bond}
    assert sriov.bond_problem(profile)
    assert sriov.devices(profile) == []
    assert not sriov.profile_fits(profile, {"physical_network": "physnet1"})
