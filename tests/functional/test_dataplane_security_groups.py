"""Security groups with real traffic: conntrack, rules, remote groups, statefulness.

Shares one two-host testbed across the module (``sgbed.py``).
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from neutrino.agent.desired import SecurityGroup
from neutrino.agent.reconciler import Agent

from .packets import udp_frame
from .sgbed import (
    EGRESS_ANY,
    V4,
    Bed,
    bed,
    connects,
    conntrack,
    default_group,
    delivered_to,
    exchange,
    ip4,
    ip6,
    listening,
    pings,
    rule,
    session,
)
from .testbed import ns_exec, run

# One worker runs the whole module, so it builds its testbed once.
pytestmark = [pytest.mark.dataplane, pytest.mark.xdist_group("sg-rules")]

__all__ = ["bed"]  # the module-scoped testbed fixture


def test_default_group_allows_egress_and_ingress_only_from_members(bed: Bed) -> None:
    other = SecurityGroup("other", True, EGRESS_ANY)
    bed.converge((default_group(), other), {"a1": ("default",), "b1": ("default",), "a2": ("other",)})
    a1, a2, b1 = bed.vms["a1"], bed.vms["a2"], bed.vms["b1"]
    assert pings(a1, ip4(bed, "b1")), "members of the default group reach each other across hosts"
    assert pings(b1, ip4(bed, "a1"))
    assert pings(a1, ip6(bed, "b1"))
    # a2 is no member: its egress is allowed but a1's ingress refuses it; a2 admits nothing.
    assert not pings(a2, ip4(bed, "a1"), count=1)
    assert not pings(a1, ip4(bed, "a2"), count=1), "the receiving end's rules apply on one host too"


def test_two_local_members_share_one_conntrack_entry_per_connection(bed: Bed) -> None:
    bed.converge((default_group(),), {"a1": ("default",), "a2": ("default",)})
    a1, a2 = bed.vms["a1"], bed.vms["a2"]
    with listening(a1, "tcp", 7300):
        assert connects(a2, "tcp", ip4(bed, "a1"), 7300)
    assert pings(a1, ip6(bed, "a2"))
    # The sender's egress commits, the receiver's ingress finds the same entry (zone = network).
    entries = [line for line in conntrack(bed.hosts["host-a"]).splitlines() if "dport=7300" in line]
    assert len(entries) == 1


def test_rule_opening_one_tcp_port(bed: Bed) -> None:
    web = SecurityGroup("web", True, (*EGRESS_ANY, rule("http", "ingress", protocol="tcp", low=8080,
                                                         high=8080)))
    bed.converge((web, default_group()), {"b1": ("web",), "a1": ("default",)})
    with listening(bed.vms["b1"], "tcp", 8080, 8081):
        assert connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 8080)
        assert not connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 8081)
    assert not pings(bed.vms["a1"], ip4(bed, "b1"), count=1)


def test_udp_port_range_rule(bed: Bed) -> None:
    dns = SecurityGroup("dns", True, (*EGRESS_ANY, rule("udp", "ingress", protocol="udp", low=5350,
                                                         high=5359)))
    bed.converge((dns, default_group()), {"b1": ("dns",), "a1": ("default",)})
    with listening(bed.vms["b1"], "udp", 5353, 5360):
        assert connects(bed.vms["a1"], "udp", ip4(bed, "b1"), 5353)
        assert not connects(bed.vms["a1"], "udp", ip4(bed, "b1"), 5360)


def test_icmp_type_rule_admits_only_that_type(bed: Bed) -> None:
    echo = SecurityGroup("echo", True, (*EGRESS_ANY, rule("echo", "ingress", protocol="icmp", low=8,
                                                           high=0)))
    timestamp = SecurityGroup("ts", True, (*EGRESS_ANY, rule("ts", "ingress", protocol="1", low=13)))
    bed.converge((echo, timestamp, default_group()), {"b1": ("echo",), "a2": ("ts",),
                                                      "a1": ("default",)})
    assert pings(bed.vms["a1"], ip4(bed, "b1"))
    assert not pings(bed.vms["a1"], ip4(bed, "a2"), count=1)


def test_remote_ip_prefix_admits_only_that_source(bed: Bed) -> None:
    ssh = SecurityGroup("ssh", True, (*EGRESS_ANY, rule("ssh", "ingress", protocol="tcp", low=9000,
                                                         high=9000, prefix=f"{ip4(bed, 'a1')}/32")))
    bed.converge((ssh, default_group()), {"b1": ("ssh",), "a1": ("default",), "a2": ("default",)})
    with listening(bed.vms["b1"], "tcp", 9000):
        assert connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 9000)
        assert not connects(bed.vms["a2"], "tcp", ip4(bed, "b1"), 9000)


def test_remote_group_rule_follows_membership_changing_only_member_flows(bed: Bed) -> None:
    server = SecurityGroup("srv", True, (*EGRESS_ANY, rule("from-friends", "ingress", protocol="tcp",
                                                            low=9100, high=9100, group="friends")))
    friends = SecurityGroup("friends", True, EGRESS_ANY)
    groups = (server, friends)
    assign = {"b1": ("srv",), "a1": ("friends",), "a2": ("friends",)}
    host_b = bed.hosts["host-b"]
    with listening(bed.vms["b1"], "tcp", 9100):
        bed.converge(groups, assign, members={"friends": (ip4(bed, "a2"),)})
        assert not connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 9100)
        before = set(host_b.dump_flows())

        bed.converge(groups, assign, members={"friends": (ip4(bed, "a2"), ip4(bed, "a1"))})
        assert connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 9100)
        after = set(host_b.dump_flows())
        assert before <= after, "adding a member removed or rewrote other flows"
        added = after - before
        assert len(added) == 1 and f"nw_src={ip4(bed, 'a1')} " in added.pop()

        bed.converge(groups, assign, members={"friends": (ip4(bed, "a2"),)})
        assert set(host_b.dump_flows()) == before
        assert not connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 9100)
        assert connects(bed.vms["a2"], "tcp", ip4(bed, "b1"), 9100)


def test_a_restarted_agent_finds_every_filter_flow_in_place(bed: Bed) -> None:
    group = SecurityGroup("rs", True, (*EGRESS_ANY, rule("rs-web", "ingress", protocol="tcp", low=80,
                                                          high=89),
                                       rule("rs-peers", "ingress", group="rs")))
    desired = bed.converge((group,), {"a1": ("rs",), "a2": ("rs",), "b1": ("rs",)})
    host = bed.hosts["host-a"]
    before = set(host.dump_flows())
    fresh = Agent(host.agent_config())
    bed.testbed.agents.append(fresh)
    fresh.start()
    result = fresh.sync(desired)
    assert (result.added, result.deleted, result.observed) == (0, 0, True)
    assert set(host.dump_flows()) == before
    assert pings(bed.vms["a1"], ip4(bed, "b1"))


def test_broadcast_is_filtered_per_receiver_on_every_copy(bed: Bed) -> None:
    # Flooding clones the frame to each local port's ingress filter, conntrack included.
    sink = SecurityGroup("bcast", True, (*EGRESS_ANY, rule("udp-7777", "ingress", protocol="udp",
                                                            low=7777, high=7777)))
    bed.converge((sink, SecurityGroup("deaf", True, EGRESS_ANY)),
                 {"a1": ("bcast",), "b1": ("bcast",), "a2": ("deaf",)})
    marker = b"bcast-probe"
    frame = udp_frame(bed.ports["a1"].mac_address, "ff:ff:ff:ff:ff:ff", ip4(bed, "a1"), f"{V4}.255",
                      marker)
    here, there = delivered_to(bed.vms["a1"], [bed.vms["a2"], bed.vms["b1"]], {"bcast": frame}, marker)
    assert (here, there) == (set(), {"bcast"})
    bed.converge((sink,), {"a1": ("bcast",), "b1": ("bcast",), "a2": ("bcast",)})
    here, there = delivered_to(bed.vms["a1"], [bed.vms["a2"], bed.vms["b1"]], {"bcast": frame}, marker)
    assert (here, there) == ({"bcast"}, {"bcast"})


def test_ipv6_icmp_with_neighbour_discovery_and_tcp(bed: Bed) -> None:
    v6 = SecurityGroup("v6", True, (*EGRESS_ANY, rule("ping6", "ingress", "IPv6", "icmp"),
                                    rule("tcp6", "ingress", "IPv6", "tcp", 8443, 8443)))
    bed.converge((v6, default_group()), {"b1": ("v6",), "a1": ("default",)})
    a1 = bed.vms["a1"]
    run(ns_exec(a1.ns, ["ip", "-6", "neigh", "flush", "dev", "eth0"]), check=False)
    assert pings(a1, ip6(bed, "b1")), "ping6 with neighbour discovery through both filters"
    with listening(bed.vms["b1"], "tcp", 8443, 8444, addr="::"):
        assert connects(a1, "tcp", ip6(bed, "b1"), 8443)
        assert not connects(a1, "tcp", ip6(bed, "b1"), 8444)
    assert not pings(a1, ip4(bed, "b1"), count=1), "IPv6 rules open nothing for IPv4"


def test_stateless_group_needs_rules_both_ways(bed: Bed) -> None:
    inbound = rule("sl-in", "ingress", protocol="tcp", low=7000, high=7000)
    stateless = SecurityGroup("sl", False, (inbound,))
    assign = {"b1": ("sl",), "a1": ("default",)}
    with listening(bed.vms["b1"], "tcp", 7000):
        bed.converge((stateless, default_group()), assign)
        assert not connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 7000), "no rule for the replies"
        replies = rule("sl-out", "egress", protocol="tcp", low=1024, high=65535)
        bed.converge((replace(stateless, rules=(inbound, replies)), default_group()), assign)
        assert connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 7000)
    flows = bed.hosts["host-b"].dump_flows()
    ofport_rules = [f for f in flows if "tp_dst=7000" in f]
    assert ofport_rules and not any("ct(" in f for f in ofport_rules), "stateless means no conntrack"


def test_established_connection_survives_a_rule_added(bed: Bed) -> None:
    app = rule("app", "ingress", protocol="tcp", low=7100, high=7100)
    group = SecurityGroup("app", True, (*EGRESS_ANY, app))
    assign = {"b1": ("app",), "a1": ("default",)}
    bed.converge((group, default_group()), assign)
    with listening(bed.vms["b1"], "tcp", 7100), session(bed.vms["a1"], ip4(bed, "b1"), 7100) as conn:
        assert exchange(conn)
        entries = [line for line in conntrack(bed.hosts["host-b"]).splitlines() if "dport=7100" in line]
        more = (*group.rules, rule("extra", "ingress", protocol="udp", low=1234, high=1234),
                rule("extra6", "ingress", "IPv6", protocol="tcp", low=22, high=22))
        bed.converge((replace(group, rules=more), default_group()), assign)
        assert exchange(conn), "the open connection keeps working across the bundle"
        after = [line for line in conntrack(bed.hosts["host-b"]).splitlines() if "dport=7100" in line]
        assert entries and [e.split("),")[0] for e in after] == [e.split("),")[0] for e in entries]


def test_removed_rule_stops_new_and_established_connections(bed: Bed) -> None:
    app = rule("app2", "ingress", protocol="tcp", low=7200, high=7200)
    group = SecurityGroup("app2", True, (*EGRESS_ANY, app))
    assign = {"b1": ("app2",), "a1": ("default",)}
    bed.converge((group, default_group()), assign)
    with listening(bed.vms["b1"], "tcp", 7200), session(bed.vms["a1"], ip4(bed, "b1"), 7200) as conn:
        assert exchange(conn)
        assert connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 7200)
        bed.converge((replace(group, rules=EGRESS_ANY), default_group()), assign)
        assert not connects(bed.vms["a1"], "tcp", ip4(bed, "b1"), 7200), "new connections refused"
        assert not exchange(conn), "the connection the rule admitted is cut too"
