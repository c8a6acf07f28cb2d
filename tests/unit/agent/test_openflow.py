"""Pure logic of the OpenFlow manager, flow diffing and local network ids."""

from __future__ import annotations

import pytest

from neutrino.agent.desired import DesiredState, DesiredStateError, Network, Port, to_json
from neutrino.agent.openflow.flows import OWNER_MASK, Flow
from neutrino.agent.openflow.manager import OpenFlowManager, PipelineError
from neutrino.agent.openflow.pipeline import BR_INT_PIPELINE, Miss, Stage
from neutrino.agent.openflow.reconcile import FlowConflict, bundle_text, diff_flows
from neutrino.agent.topology import assign_network_ids, tunnel_port_name, wanted_tunnels


def test_stages_resolve_to_tables_in_declaration_order() -> None:
    manager = OpenFlowManager()
    assert [manager.table(s.name) for s in BR_INT_PIPELINE] == list(range(len(BR_INT_PIPELINE)))


def test_hand_off_flows_go_to_the_next_stage_or_drop() -> None:
    pipeline = (Stage("a", Miss.NEXT, ""), Stage("b", Miss.DROP, ""),
                Stage("c", Miss.NEXT, ""), Stage("canary", Miss.DROP, ""))
    flows = {f.table: f.actions for f in OpenFlowManager(pipeline).pipeline_flows()
             if f.priority == 0}
    assert flows == {0: "goto_table:1", 1: "drop", 2: "goto_table:3", 3: "drop"}


def test_a_stage_has_one_owner() -> None:
    manager = OpenFlowManager()
    manager.register("l2", ["output"])
    with pytest.raises(PipelineError, match="already owned by l2"):
        manager.register("qos", ["output", "egress_qos"])
    manager.register("qos", ["egress_qos"])  # the failed claim left nothing behind


def test_an_owner_cannot_write_outside_its_stages() -> None:
    owner = OpenFlowManager().register("qos", ["egress_qos"])
    with pytest.raises(PipelineError, match="does not own"):
        owner.flow("egress_filter", 10, "", "drop")


def test_released_stages_can_be_claimed_again() -> None:
    manager = OpenFlowManager()
    manager.register("x", ["ingress_filter"])
    manager.unregister("x")
    assert manager.register("y", ["ingress_filter"]).stages == {"ingress_filter"}


def test_every_flow_carries_its_owner_cookie() -> None:
    manager = OpenFlowManager()
    owner = manager.register("l2", ["output"])
    flow = owner.flow("output", 1, "", "output:NXM_NX_REG7[]")
    assert flow.cookie & OWNER_MASK == owner.cookie != manager.pipeline_owner.cookie


def test_diff_leaves_other_owners_flows_alone() -> None:
    manager = OpenFlowManager()
    mine = manager.register("l2", ["output"])
    theirs = manager.register("qos", ["egress_qos"])
    keep = mine.flow("output", 1, "", "output:NXM_NX_REG7[]")
    stale = mine.flow("output", 5, "reg7=3", "drop")
    foreign = theirs.flow("egress_qos", 5, "", "drop")
    installed = [keep.cookie, stale.cookie, foreign.cookie, 0x0]
    diff = diff_flows([keep], installed, [mine.cookie])
    assert diff.add == [] and diff.delete == [stale.cookie]


def test_changed_actions_replace_the_flow_in_one_bundle() -> None:
    owner = OpenFlowManager().register("l2", ["output"])
    old = owner.flow("output", 1, "", "drop")
    new = owner.flow("output", 1, "", "output:NXM_NX_REG7[]")
    diff = diff_flows([new], [old.cookie], [owner.cookie])
    assert bundle_text(diff).splitlines() == [
        f"flow delete cookie={old.cookie:#x}/-1", f"flow {new.to_ofctl()}"]


def test_two_flows_with_one_key_are_refused() -> None:
    owner = OpenFlowManager().register("l2", ["output"])
    flows = [owner.flow("output", 1, "reg7=1", "drop"), owner.flow("output", 1, "reg7=1", "")]
    with pytest.raises(FlowConflict):
        diff_flows(flows, [], [owner.cookie])


def test_identical_flows_have_identical_cookies() -> None:
    assert (Flow(3, 10, "reg6=1", "drop", 1 << 48).cookie
            == Flow(3, 10, "reg6=1", "drop", 1 << 48).cookie)


def test_network_ids_are_stable_unique_and_fit_a_conntrack_zone() -> None:
    ids = assign_network_ids(f"net-{n}" for n in range(5000))
    assert len(set(ids.values())) == 5000
    assert all(1 <= v <= 0xFFFF for v in ids.values())
    # A subset keeps its ids unless it held a collision: recomputed from scratch.
    again = assign_network_ids(list(ids)[:10])
    assert sum(again[k] == ids[k] for k in again) >= 9


def test_tunnels_only_to_hosts_sharing_a_network() -> None:
    red = Network("red", "vxlan", 10)
    blue = Network("blue", "geneve", 11)
    ports = (Port("1", "red", "fa:16:3e:00:00:01", "a"), Port("2", "red", "fa:16:3e:00:00:02", "b"),
             Port("3", "blue", "fa:16:3e:00:00:03", "c"))
    state = DesiredState((red, blue), ports, {"a": "10.0.0.1", "b": "10.0.0.2", "c": "10.0.0.3"})
    assert wanted_tunnels(state, "a") == {("vxlan", "10.0.0.2")}
    assert tunnel_port_name("vxlan", "10.0.0.2") == "vx-0a000002"


def test_desired_state_round_trips_through_api_shapes() -> None:
    state = DesiredState((Network("n", "vlan", 5, "physnet1", True),),
                         (Port("p", "n", "FA:16:3E:00:00:01", "h", ("10.0.0.5",), False),),
                         {"h": "192.0.2.1"})
    again = DesiredState.from_json(to_json(state))
    assert again == state and again.ports[0].mac_address == "fa:16:3e:00:00:01"


def test_a_vlan_network_needs_a_physical_network() -> None:
    with pytest.raises(DesiredStateError, match="physnet"):
        Network("n", "vlan", 5)
