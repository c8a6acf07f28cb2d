"""The rules driver health judges by (neutrino/services/driver_health/checks.py) and
the physical networks an agent's report names (services/agents/physnets.py)."""
from __future__ import annotations

import pytest

from neutrino.services.agent_feed.consumers import Lag
from neutrino.services.agents.physnets import physical_networks
from neutrino.services.driver_health import checks

OVS = "Open vSwitch agent"


def agent(host: str, alive: bool = True, up: bool = True, agent_type: str = OVS,
          synced: bool | None = None) -> checks.AgentFact:
    return checks.AgentFact(agent_type, host, up, alive, synced)


def judge(*agents: checks.AgentFact, agent_type: str = OVS) -> checks.Health:
    return checks.agents_alive(agent_type)(None, checks.Facts(tuple(agents), {}))


def test_all_alive_is_ok():
    assert judge(agent("a"), agent("b")) == checks.Health("OK", f"2 of 2 {OVS}s alive")


def test_some_dead_is_degraded_naming_the_hosts():
    assert judge(agent("a"), agent("b", alive=False)) == checks.Health(
        "DEGRADED", f"1 of 2 {OVS}s alive; dead on b")


def test_all_dead_is_error():
    assert judge(agent("a", alive=False)).status == "ERROR"


def test_no_agent_is_unknown_and_other_types_do_not_count():
    assert judge(agent("a", agent_type="DHCP agent")).status == "UNKNOWN"


def test_admin_down_agents_are_left_out():
    health = judge(agent("a"), agent("b", alive=False, up=False))
    assert health == checks.Health("OK", f"1 of 1 {OVS}s alive; 1 administratively down, "
                                         "not counted")
    assert judge(agent("b", alive=False, up=False)).status == "UNKNOWN"


def test_many_dead_hosts_are_summed_up():
    dead = [agent(f"h{i}", alive=False) for i in range(8)]
    assert judge(agent("a"), *dead).detail.endswith("dead on h0, h1, h2, h3, h4 and 3 more")


@pytest.mark.parametrize("used, status", [(0, "OK"), (89, "OK"), (90, "DEGRADED"),
                                          (99, "DEGRADED"), (100, "ERROR")])
def test_segmentation_ids_judge_the_free_share_of_the_pool(used, status):
    facts = checks.Facts((), {"vxlan": (used, 100)})
    assert checks.segmentation_ids("vxlan")(None, facts).status == status


def test_type_driver_without_a_pool_is_unknown():
    assert checks.segmentation_ids("flat")(None, checks.Facts((), {})).status == "UNKNOWN"


@pytest.mark.parametrize("configurations, names", [
    ({"bridge_mappings": {"b": "br-b", "a": "br-a"}}, ["a", "b"]),
    ({"interface_mappings": {"p": "eth1"}, "bridge_mappings": {"p": "br"}}, ["p"]),
    ({"device_mappings": {"s": ["ens1f0", "ens1f1"]}}, ["s"]),
    ({"physical_networks": ["x", 7, ""]}, ["x"]),
    ({"bridge_mappings": ["not", "a", "mapping"]}, []),
    ({"bridge_mappings": {"p" * 65: "br"}}, []),
    ([], []),
    ({}, []),
])
def test_physical_networks_of_a_report(configurations, names):
    assert physical_networks(configurations) == names


def watched(host: str, polled_ago: float = 1, rows: int = 0, seconds: float = 0,
            pruned: bool = False) -> Lag:
    return Lag(host, polled_ago, rows, seconds, pruned)


def feed(*lags: Lag, alive: tuple[str, ...] = (), limit: float = 120,
         rows: int = 0) -> checks.Health:
    return checks.judge_feed(list(lags), set(alive), limit, rows)


def test_feed_without_watchers_is_unknown():
    assert feed() == checks.Health("UNKNOWN", "no host agent has watched the feed yet")
    # Watched long ago, and no agent of the host alive: gone, not judged.
    assert feed(watched("a", polled_ago=500, rows=9, seconds=400)).status == "UNKNOWN"


def test_feed_watchers_within_the_lag_are_ok():
    assert feed(watched("a"), watched("b", rows=40, seconds=119)) == checks.Health(
        "OK", "2 of 2 feed watchers up to date")


def test_feed_watcher_behind_or_stopped_is_degraded_naming_it():
    assert feed(watched("a"), watched("b", rows=40, seconds=130)) == checks.Health(
        "DEGRADED", "1 of 2 feed watchers up to date; b 40 rows (130 s) behind")
    assert feed(watched("a"), watched("b", polled_ago=200), alive=("b",)) == checks.Health(
        "DEGRADED", "1 of 2 feed watchers up to date; b last watched 200 s ago, its agent alive")
    # A stopped watcher whose host's agents are dead is the agents' check's concern.
    assert feed(watched("a"), watched("b", polled_ago=200)).status == "OK"


def test_feed_rows_limit_counts_when_set():
    assert feed(watched("a"), watched("b", rows=500, seconds=5)).status == "OK"
    assert feed(watched("a"), watched("b", rows=500, seconds=5), rows=100).detail.endswith(
        "b 500 rows (5 s) behind")


def test_feed_cursor_behind_the_pruned_journal_must_resync():
    health = feed(watched("a", rows=9000, seconds=3000, pruned=True))
    assert health == checks.Health("ERROR", "0 of 1 feed watchers up to date; a behind the "
                                            "pruned journal by 9000 rows (must fetch its state "
                                            "again)")


def test_feed_all_behind_is_error_and_many_are_summed_up():
    health = feed(*(watched(f"h{i}", rows=7, seconds=200) for i in range(7)))
    assert health.status == "ERROR"
    assert health.detail.endswith("h4 7 rows (200 s) behind; and 2 more")
