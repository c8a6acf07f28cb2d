"""The SR-IOV NIC agent (`neutrino sriov-agent`) with its simulated backend against a
real server: ports bound ``hw_veb`` get their VFs programmed (MAC, VLAN, spoof
check, link state, rate), the link state follows port updates and uplink carrier
flips, and an SR-IOV bond keeps its port ACTIVE while one member's uplink is down.

The simulated backend is the NIC here (no SR-IOV hardware on test machines): the
test writes its inventory and carriers and reads the VF settings the agent wrote
(docs/sriov.md says what this cannot prove).
"""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.agents import register_ok
from tests.support.client import Client
from tests.support.server import ServerProcess
from tests.support.waiting import wait_for

pytestmark = pytest.mark.xdist_group("sriov-sim")

NEUTRINO = os.path.join(os.path.dirname(sys.executable), "neutrino")
HOST = "sriov-host-1"
PFS = {"ens5": [f"0000:05:00.{i}" for i in range(1, 8)],
       "ens6": [f"0000:06:00.{i}" for i in range(1, 8)]}
EXCLUDED = "0000:05:00.7"
NIC_SWITCH = "NIC Switch agent"
AGENT_DOWN_TIME = 4  # the agent heartbeats every second


class Nic:
    """The simulated NIC's files: the test's inventory and carriers, the agent's VFs."""

    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "carrier").mkdir(parents=True)
        (root / "inventory.json").write_text(json.dumps(PFS))

    def set_carrier(self, pf: str, up: bool) -> None:
        (self.root / "carrier" / pf).write_text("1" if up else "0")

    def vfs(self) -> dict[str, dict]:
        try:
            return json.loads((self.root / "vfs.json").read_text())
        except (FileNotFoundError, ValueError):
            return {}

    def vf(self, slot: str) -> dict:
        return self.vfs().get(slot, {})


@pytest.fixture(scope="module")
def server() -> Iterator[ServerProcess]:
    srv = ServerProcess(extra_conf=(
        f"agent_down_time = {AGENT_DOWN_TIME}\nagent_check_interval = 1\n"
        "[ml2]\nmechanism_drivers = openvswitch,sriovnicswitch\n"
        "[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:100:199\n")).start(timeout=120)
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture(scope="module")
def nic(tmp_path_factory: pytest.TempPathFactory) -> Nic:
    return Nic(tmp_path_factory.mktemp("nic"))


@pytest.fixture(scope="module")
def agent(server: ServerProcess, nic: Nic,
          tmp_path_factory: pytest.TempPathFactory) -> Iterator[subprocess.Popen]:
    state = tmp_path_factory.mktemp("sriov-agent")
    conf = state / "sriov_agent.conf"
    conf.write_text(
        f"[agent]\nhost = {HOST}\nserver_url = {server.url}\nstate_path = {state}\n"
        "report_interval = 1\nwatch_timeout = 5\nfull_resync_interval = 30\n"
        f"log_file = {state}/agent.log\n"
        "[sriov_nic]\nphysical_device_mappings = physnet1:ens5,physnet1:ens6\n"
        f"exclude_devices = ens5:{EXCLUDED}\n"
        "resource_provider_bandwidths = ens5:10000000:10000000,ens6::\n"
        f"backend = simulated\nsimulated_state_dir = {nic.root}\npoll_interval = 0.1\n")
    out = open(state / "stdout", "w")
    proc = subprocess.Popen([NEUTRINO, "sriov-agent", "--config-file", str(conf)],
                            stdout=out, stderr=out, text=True, start_new_session=True)
    admin = Client(server.url)
    try:
        assert wait_for(lambda: _agent(admin) is not None, 30), (state / "stdout").read_text()
        yield proc
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


@pytest.fixture
def admin(server: ServerProcess, agent: subprocess.Popen, nic: Nic) -> Iterator[Client]:
    yield Client(server.url)
    for pf in PFS:  # every test starts with both uplinks up
        nic.set_carrier(pf, True)


def _agent(admin: Client) -> dict | None:
    agents = admin.get("/v2.0/agents", params={"host": HOST, "agent_type": NIC_SWITCH}).json
    return (agents.get("agents") or [None])[0]


def _network(admin: Client) -> dict:
    r = admin.post("/v2.0/networks", json={"network": {
        "provider:network_type": "vlan", "provider:physical_network": "physnet1"}})
    assert r.status == 201, r
    return r.json["network"]


def _vf_port(admin: Client, net: dict, profile: dict, **attrs) -> dict:
    r = admin.post("/v2.0/ports", json={"port": {
        "network_id": net["id"], "binding:host_id": HOST, "binding:vnic_type": "direct",
        "binding:profile": profile, **attrs}})
    assert r.status == 201, r
    assert r.json["port"]["binding:vif_type"] == "hw_veb", r
    return r.json["port"]


def _status(admin: Client, port_id: str) -> str:
    return admin.get(f"/v2.0/ports/{port_id}").json["port"]["status"]


def _update(admin: Client, port_id: str, **attrs) -> None:
    r = admin.put(f"/v2.0/ports/{port_id}", json={"port": attrs})
    assert r.status == 200, r


def _bond(*slots: str) -> dict:
    return {"bond": {"mode": "active-backup", "members": [
        {"pci_slot": s, "physical_network": "physnet1"} for s in slots]}}


def test_agent_registers_as_a_nic_switch_agent(admin):
    agent = _agent(admin)
    assert (agent["binary"], agent["topic"], agent["alive"]) == (
        "neutron-sriov-nic-agent", "N/A", True)
    conf = agent["configurations"]
    assert conf["device_mappings"] == {"physnet1": ["ens5", "ens6"]}
    assert conf["devices"] == 13  # 14 VFs, one excluded
    assert conf["extensions"] == ["qos"]
    assert conf["resource_provider_bandwidths"] == {
        "ens5": {"egress": 10000000, "ingress": 10000000},
        "ens6": {"egress": None, "ingress": None}}


def test_bound_port_gets_its_vf_programmed_and_goes_active(admin, nic):
    net = _network(admin)
    port = _vf_port(admin, net, {"pci_slot": "0000:05:00.1", "physical_network": "physnet1"})
    assert wait_for(lambda: nic.vf("0000:05:00.1").get("mac") == port["mac_address"])
    vf = nic.vf("0000:05:00.1")
    assert (vf["pf"], vf["index"], vf["vlan"], vf["spoofchk"], vf["link_state"]) == (
        "ens5", 0, net["provider:segmentation_id"], True, "enable")
    assert wait_for(lambda: _status(admin, port["id"]) == "ACTIVE")


def test_port_without_port_security_has_spoof_check_off(admin, nic):
    port = _vf_port(admin, _network(admin),
                    {"pci_slot": "0000:05:00.2", "physical_network": "physnet1"},
                    port_security_enabled=False)
    assert wait_for(lambda: nic.vf("0000:05:00.2").get("mac") == port["mac_address"])
    assert nic.vf("0000:05:00.2")["spoofchk"] is False


def test_link_state_follows_the_port_and_the_uplink(admin, nic):
    slot = "0000:06:00.1"
    port = _vf_port(admin, _network(admin), {"pci_slot": slot, "physical_network": "physnet1"},
                    propagate_uplink_status=True)
    assert wait_for(lambda: nic.vf(slot).get("link_state") == "auto")
    assert wait_for(lambda: _status(admin, port["id"]) == "ACTIVE")
    # The VF follows its PF: the uplink going down takes the port down, and back.
    nic.set_carrier("ens6", False)
    assert wait_for(lambda: _status(admin, port["id"]) == "DOWN")
    assert nic.vf(slot)["operstate"] == "down"
    nic.set_carrier("ens6", True)
    assert wait_for(lambda: _status(admin, port["id"]) == "ACTIVE")
    # Administratively down: disabled whatever the uplink.
    _update(admin, port["id"], admin_state_up=False)
    assert wait_for(lambda: nic.vf(slot).get("link_state") == "disable")
    assert wait_for(lambda: _status(admin, port["id"]) == "DOWN")
    # Not propagating: forced up, an uplink failure does not show.
    _update(admin, port["id"], admin_state_up=True, propagate_uplink_status=False)
    assert wait_for(lambda: nic.vf(slot).get("link_state") == "enable")
    assert wait_for(lambda: _status(admin, port["id"]) == "ACTIVE")
    nic.set_carrier("ens6", False)
    assert wait_for(lambda: nic.vf(slot).get("operstate") == "up", 2)
    assert _status(admin, port["id"]) == "ACTIVE"


def test_bond_members_are_programmed_alike_and_fail_over(admin, nic):
    members = ("0000:05:00.3", "0000:06:00.3")
    net = _network(admin)
    port = _vf_port(admin, net, _bond(*members))
    assert wait_for(lambda: all(nic.vf(s).get("mac") == port["mac_address"] for s in members))
    for slot in members:
        vf = nic.vf(slot)
        assert (vf["vlan"], vf["spoofchk"], vf["link_state"]) == (
            net["provider:segmentation_id"], True, "auto")
    assert wait_for(lambda: _status(admin, port["id"]) == "ACTIVE")

    def bond() -> dict:
        return _agent(admin)["configurations"]["bonds"].get(port["id"], {})

    assert wait_for(lambda: bond().get("status") == "ACTIVE")
    # One uplink lost: the port stays ACTIVE, the bond shows DEGRADED and which member.
    nic.set_carrier("ens6", False)
    assert wait_for(lambda: bond().get("status") == "DEGRADED")
    assert {m["pci_slot"]: m["link"] for m in bond()["members"]} == {
        "0000:05:00.3": "up", "0000:06:00.3": "down"}
    assert _status(admin, port["id"]) == "ACTIVE"
    # Both lost: DOWN.
    nic.set_carrier("ens5", False)
    assert wait_for(lambda: _status(admin, port["id"]) == "DOWN")
    assert bond()["status"] == "DOWN" or wait_for(lambda: bond().get("status") == "DOWN")
    # Back: ACTIVE, the bond whole again.
    nic.set_carrier("ens5", True)
    nic.set_carrier("ens6", True)
    assert wait_for(lambda: _status(admin, port["id"]) == "ACTIVE")
    assert wait_for(lambda: bond().get("status") == "ACTIVE")


def test_bond_on_one_pf_is_not_programmed(admin, nic):
    port = _vf_port(admin, _network(admin), _bond("0000:05:00.4", "0000:05:00.5"))
    assert wait_for(lambda: port["id"] in _agent(admin)["configurations"]["errors"])
    assert "share a PF" in _agent(admin)["configurations"]["errors"][port["id"]]
    assert nic.vf("0000:05:00.4").get("mac") != port["mac_address"]
    assert _status(admin, port["id"]) == "DOWN"


def test_excluded_vf_is_never_programmed(admin, nic):
    port = _vf_port(admin, _network(admin), {"pci_slot": EXCLUDED, "physical_network": "physnet1"})
    assert wait_for(lambda: port["id"] in _agent(admin)["configurations"]["errors"])
    assert nic.vf(EXCLUDED) == {}


def test_bandwidth_limit_rule_sets_the_vf_max_rate(admin, nic):
    policy = admin.post("/v2.0/qos/policies", json={"policy": {"name": "vf-rate"}}).json["policy"]
    r = admin.post(f"/v2.0/qos/policies/{policy['id']}/bandwidth_limit_rules",
                   json={"bandwidth_limit_rule": {"max_kbps": 2500}})
    assert r.status == 201, r
    slot = "0000:06:00.4"
    port = _vf_port(admin, _network(admin), {"pci_slot": slot, "physical_network": "physnet1"},
                    qos_policy_id=policy["id"])
    assert wait_for(lambda: nic.vf(slot).get("mac") == port["mac_address"])
    assert nic.vf(slot)["max_tx_rate"] == 3  # Mbit/s, rounded up


def test_deleted_port_releases_its_vf(admin, nic):
    slot = "0000:06:00.5"
    port = _vf_port(admin, _network(admin), {"pci_slot": slot, "physical_network": "physnet1"})
    assert wait_for(lambda: nic.vf(slot).get("mac") == port["mac_address"])
    assert admin.delete(f"/v2.0/ports/{port['id']}").status == 204
    assert wait_for(lambda: nic.vf(slot).get("link_state") == "disable")
    assert (nic.vf(slot)["mac"], nic.vf(slot)["vlan"]) == ("00:00:00:00:00:00", 0)


def test_ports_come_back_active_after_another_agent_of_the_host_dies(admin, nic):
    slot = "0000:06:00.6"
    port = _vf_port(admin, _network(admin), {"pci_slot": slot, "physical_network": "physnet1"})
    assert wait_for(lambda: _status(admin, port["id"]) == "ACTIVE")
    revision = admin.get(f"/v2.0/ports/{port['id']}").json["port"]["revision_number"]
    # An Open vSwitch agent of the host that heartbeats once: when the server finds it
    # dead it sets the host's ports DOWN; the SR-IOV agent sees its VF up and says so.
    ovs = register_ok(admin, HOST)
    assert wait_for(lambda: admin.get(f"/v2.0/agents/{ovs['id']}").json["agent"]["alive"]
                    is False, AGENT_DOWN_TIME * 4)
    assert wait_for(lambda: admin.get(f"/v2.0/ports/{port['id']}").json["port"][
        "revision_number"] >= revision + 2)  # DOWN, then ACTIVE again
    assert wait_for(lambda: _status(admin, port["id"]) == "ACTIVE")
    assert admin.delete(f"/v2.0/agents/{ovs['id']}").status == 204
