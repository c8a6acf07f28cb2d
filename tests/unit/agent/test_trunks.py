"""Trunks in the agent: desired state from the feed's JSON, wiring, statuses, flows."""

from __future__ import annotations

import json

from neutrino.agent.desired import DesiredState, to_json
from neutrino.agent.extensions.trunks import Trunks
from neutrino.agent.feed import Document
from neutrino.agent.openflow.manager import OpenFlowManager
from neutrino.agent.topology import HostView, assign_network_ids, local_networks
from neutrino.agent.trunks import LOGICAL_OFPORT_FIRST, assign_logical_ofports, plan_trunks

HOST = "host-a"


def net(nid: str, seg: int) -> dict:
    return {"id": nid, "provider:network_type": "vxlan", "provider:segmentation_id": seg}


def port(pid: str, nid: str, mac: str, host: str = HOST, owner: str = "compute:nova") -> dict:
    return {"id": pid, "network_id": nid, "mac_address": mac, "binding:host_id": host,
            "device_owner": owner, "fixed_ips": [{"subnet_id": f"s-{nid}", "ip_address": "10.0.0.5"}]}


def trunk(*subs: dict, status: str = "DOWN") -> dict:
    return {"id": "t1", "port_id": "parent", "admin_state_up": True, "status": status,
            "name": "trunk", "sub_ports": list(subs)}


def sub(pid: str, kind: str = "vlan", seg: int | None = 101) -> dict:
    return {"port_id": pid, "segmentation_type": kind, "segmentation_id": seg}


def document(*subs: dict, sub_host: str = HOST) -> dict:
    return {"networks": [net("n0", 10), net("n1", 11), net("n2", 12)],
            "ports": [port("parent", "n0", "fa:16:3e:00:00:01"),
                      port("sa", "n1", "fa:16:3e:00:00:0a", sub_host, "trunk:subport"),
                      port("sc", "n2", "fa:16:3e:00:00:0c", sub_host, "trunk:subport")],
            "trunks": [trunk(*subs)]}


def desired(*subs: dict, **kwargs: str) -> DesiredState:
    return DesiredState.from_json(json.dumps(document(*subs, **kwargs)))


def test_trunks_survive_the_json_round_trip():
    state = desired(sub("sa"), sub("sc", "mac", None))
    assert DesiredState.from_json(to_json(state)) == state
    (t,) = state.trunks
    assert (t.port_id, [(s.port_id, s.segmentation_type, s.segmentation_id) for s in t.sub_ports]) == (
        "parent", [("sa", "vlan", 101), ("sc", "mac", None)])


def test_a_trunk_change_in_the_watch_replaces_the_trunk_and_a_delete_drops_it():
    doc = Document(document(sub("sa")))
    doc.apply({"resource_type": "trunk", "resource_id": "t1", "operation": "update",
               "body": trunk(sub("sa"), sub("sc", "mac", None), status="ACTIVE")})
    assert [len(t.sub_ports) for t in doc.desired().trunks] == [2]
    doc.apply({"resource_type": "trunk", "resource_id": "t1", "operation": "delete"})
    assert doc.desired().trunks == ()


def test_a_plugged_parent_with_every_subport_wired_is_active():
    plan = plan_trunks(desired(sub("sa"), sub("sc", "mac", None)), HOST, {"parent": 7})
    assert plan.statuses == {"t1": "ACTIVE"}
    assert {s.port.id: (s.parent_ofport, s.vlan) for s in plan.subports} == {
        "sa": (7, 101), "sc": (7, None)}
    assert all(o >= LOGICAL_OFPORT_FIRST for o in plan.ofports.values())


def test_an_unplugged_parent_is_down_and_wires_nothing():
    plan = plan_trunks(desired(sub("sa")), HOST, {})
    assert (plan.statuses, plan.subports) == ({"t1": "DOWN"}, ())


def test_a_subport_not_bound_here_yet_is_build():
    plan = plan_trunks(desired(sub("sa"), sub_host=""), HOST, {"parent": 7})
    assert (plan.statuses, plan.subports) == ({"t1": "BUILD"}, ())


def test_a_vlan_used_twice_missing_or_out_of_range_degrades_and_the_others_stay_wired():
    plan = plan_trunks(desired(sub("sa", seg=101), sub("sc", seg=101)), HOST, {"parent": 7})
    assert plan.statuses == {"t1": "DEGRADED"}
    assert [s.port.id for s in plan.subports] == ["sa"]
    for bad in (4095, None):
        plan = plan_trunks(desired(sub("sa", seg=bad), sub("sc", "mac", None)), HOST, {"parent": 7})
        assert (plan.statuses, [s.port.id for s in plan.subports]) == ({"t1": "DEGRADED"}, ["sc"])


def test_a_mac_child_with_the_parent_mac_cannot_be_told_apart():
    state = document(sub("sc", "mac", None))
    state["ports"][2]["mac_address"] = "fa:16:3e:00:00:01"
    plan = plan_trunks(DesiredState.from_json(json.dumps(state)), HOST, {"parent": 7})
    assert (plan.statuses, plan.subports) == ({"t1": "DEGRADED"}, ())


def test_logical_ofports_are_stable_and_avoid_real_ones():
    first = assign_logical_ofports(["a", "b", "c"], set())
    assert assign_logical_ofports(["c", "b", "a"], set()) == first
    taken = {first["b"]}
    moved = assign_logical_ofports(["b"], taken)
    assert moved["b"] != first["b"] and moved["b"] not in taken


def flows(state: DesiredState, ofports: dict[str, int]) -> list[str]:
    plan = plan_trunks(state, HOST, ofports)
    networks = local_networks(state, HOST)
    view = HostView(HOST, state, networks, assign_network_ids(networks),
                    {**ofports, **plan.ofports}, trunks=plan)
    owner = OpenFlowManager().register("trunks", Trunks.stages)
    stage = {number: name for name, number in owner.tables.items()}
    return [f"{stage[f.table]} {f.priority} {f.match} {f.actions}"
            for f in Trunks().flows(owner, view)]


TO_CLASSIFICATION = f"goto_table:{OpenFlowManager().table('classification')}"


def test_vlan_subport_flows_pop_and_push_its_tag_on_the_parent_vif():
    state = desired(sub("sa"))
    logical = plan_trunks(state, HOST, {"parent": 7}).ofports["sa"]
    got = flows(state, {"parent": 7})
    assert (f"trunk_demux 100 in_port=7,dl_vlan=101 pop_vlan,load:{logical}->NXM_OF_IN_PORT[],"
            f"{TO_CLASSIFICATION}") in got
    assert "trunk_demux 50 in_port=7,vlan_tci=0x1000/0x1000 drop" in got  # tags of no subport
    assert f"trunk_delivery 80 reg7={logical} push_vlan:0x8100,set_field:4197->vlan_vid,output:7" in got
    assert f"trunk_delivery 100 reg7={logical},in_port={logical} drop" in got


def test_a_mac_child_is_matched_by_its_source_mac_untagged():
    state = desired(sub("sc", "mac", None))
    logical = plan_trunks(state, HOST, {"parent": 7}).ofports["sc"]
    got = flows(state, {"parent": 7})
    assert (f"trunk_demux 100 in_port=7,vlan_tci=0x0000/0x1000,dl_src=fa:16:3e:00:00:0c "
            f"load:{logical}->NXM_OF_IN_PORT[],{TO_CLASSIFICATION}") in got
    assert f"trunk_delivery 80 reg7={logical} output:7" in got


def test_a_removed_subport_leaves_no_flow_of_its_own():
    with_both = flows(desired(sub("sa"), sub("sc", "mac", None)), {"parent": 7})
    only_child = flows(desired(sub("sc", "mac", None)), {"parent": 7})
    assert set(only_child) < set(with_both)
    assert not [f for f in only_child if "dl_vlan=101" in f]
