"""Security group rules compiled to matches, and the extension's flows (no switch needed)."""

from __future__ import annotations

import os
import random
import shutil
import subprocess

import pytest

from neutrino.agent.desired import DesiredState, Network, Port, SecurityGroup, SecurityGroupRule
from neutrino.agent.extensions.security_groups import SecurityGroups
from neutrino.agent.extensions.security_groups.base import allowed_sources, link_local
from neutrino.agent.extensions.security_groups.rules import (
    IP_PROTOCOLS,
    RuleError,
    compile_rule,
    member_match,
    port_masks,
    protocol_number,
)
from neutrino.agent.openflow.flows import Flow
from neutrino.agent.openflow.manager import OpenFlowManager
from neutrino.agent.openflow.reconcile import check_conflicts
from neutrino.agent.topology import HostView, assign_network_ids


def covered(pairs: list[tuple[int, int]]) -> set[int]:
    return {port for port in range(0x10000) if any(port & mask == value for value, mask in pairs)}


@pytest.mark.parametrize(("low", "high", "count"), [
    (80, 80, 1), (1, 65535, 16), (1024, 65535, 6), (0, 65535, 1), (20, 30, 4), (8000, 8999, 6),
])
def test_port_range_is_covered_exactly_by_few_masks(low: int, high: int, count: int) -> None:
    pairs = port_masks(low, high)
    assert len(pairs) == count
    assert covered(pairs) == set(range(low, high + 1))


def test_random_port_ranges_are_covered_exactly() -> None:
    rng = random.Random(7)
    for _ in range(20):
        low = rng.randrange(0x10000)
        high = rng.randrange(low, 0x10000)
        pairs = port_masks(low, high)
        assert len(pairs) <= 30
        assert covered(pairs) == set(range(low, high + 1))


def test_an_inverted_port_range_is_refused() -> None:
    with pytest.raises(RuleError):
        port_masks(90, 80)


@pytest.mark.parametrize(("protocol", "ethertype", "number"), [
    ("tcp", "IPv4", 6), ("UDP", "IPv4", 17), ("sctp", "IPv6", 132), ("icmp", "IPv4", 1),
    ("icmp", "IPv6", 58), ("1", "IPv6", 58), ("ipv6-icmp", "IPv6", 58), ("icmpv6", "IPv6", 58),
    ("112", "IPv4", 112), ("vrrp", "IPv4", 112), ("any", "IPv4", None), (None, "IPv6", None),
    ("0", "IPv4", 0),
])
def test_protocols_by_name_or_number(protocol: str | None, ethertype: str, number: int | None) -> None:
    assert protocol_number(protocol, ethertype) == number


@pytest.mark.parametrize("protocol", ["bogus", "256"])
def test_unknown_protocols_are_refused(protocol: str) -> None:
    with pytest.raises(RuleError):
        protocol_number(protocol, "IPv4")


def rule(direction: str = "ingress", ethertype: str = "IPv4", protocol: str | None = None,
         low: int | None = None, high: int | None = None, prefix: str | None = None,
         group: str | None = None, rule_id: str = "r") -> SecurityGroupRule:
    return SecurityGroupRule(rule_id, direction, ethertype, protocol, low, high, prefix, group)


def test_tcp_port_rule_from_a_prefix() -> None:
    compiled = compile_rule(rule(protocol="tcp", low=22, high=22, prefix="10.1.0.0/16"))
    assert compiled.matches == ("ip,nw_proto=6,tp_dst=22,nw_src=10.1.0.0/16",)


def test_egress_remote_prefix_is_the_destination_and_a_host_prefix_is_an_address() -> None:
    compiled = compile_rule(rule("egress", "IPv6", "udp", 53, prefix="2001:db8::1/128"))
    assert compiled.matches == ("ipv6,nw_proto=17,tp_dst=53,ipv6_dst=2001:db8::1",)


def test_port_range_becomes_masked_matches() -> None:
    compiled = compile_rule(rule(protocol="udp", low=1000, high=1003))
    assert compiled.matches == ("ip,nw_proto=17,tp_dst=0x3e8/0xfffc",)


def test_icmp_type_and_code_come_from_the_port_range_fields() -> None:
    assert compile_rule(rule(protocol="icmp", low=8, high=0)).matches == (
        "ip,nw_proto=1,icmp_type=8,icmp_code=0",)
    assert compile_rule(rule(ethertype="IPv6", protocol="icmp", low=128)).matches == (
        "ipv6,nw_proto=58,icmpv6_type=128",)
    assert compile_rule(rule(protocol="icmp")).matches == ("ip,nw_proto=1",)


def test_any_protocol_and_everything_prefix_match_the_whole_ethertype() -> None:
    assert compile_rule(rule(prefix="0.0.0.0/0")).matches == ("ip",)


@pytest.mark.parametrize(("bad", "reason"), [
    (rule(protocol="gre", low=1, high=2), "cannot be matched"),
    (rule(ethertype="IPv6", prefix="10.0.0.0/8"), "not IPv6"),
    (rule(prefix="10.0.0.300/8"), "remote_ip_prefix"),
    (rule(protocol="ipv6-icmp", low=128), "ICMP type of protocol 58 on an IPv4 rule"),
    (rule(protocol="icmp", high=3), "code without a type"),
], ids=["ports-of-gre", "prefix-version", "bad-prefix", "icmpv6-type-on-ipv4", "code-only"])
def test_rules_the_switch_cannot_express_are_refused(bad: SecurityGroupRule, reason: str) -> None:
    # Installed, such a match would make the switch refuse the whole bundle.
    with pytest.raises(RuleError, match=reason):
        compile_rule(bad)


def test_a_bad_allowed_address_pair_is_skipped_not_fatal() -> None:
    port = Port("p", "n", "fa:16:3e:00:00:01", "h", ("10.0.0.5",),
                allowed_address_pairs=(("not-an-ip", "fa:16:3e:00:00:01"), ("10.0.0.6", "zz")))
    assert allowed_sources(port) == {"fa:16:3e:00:00:01": (["10.0.0.5"], ["fe80::f816:3eff:fe00:1"])}


def test_member_addresses_of_the_other_version_are_skipped() -> None:
    assert member_match("10.0.0.5", "IPv4", "ingress") == "ip,nw_src=10.0.0.5"
    assert member_match("10.0.0.0/24", "IPv4", "egress") == "ip,nw_dst=10.0.0.0/24"
    assert member_match("fd00::5", "IPv4", "ingress") is None


def test_link_local_address_is_eui64_of_the_mac() -> None:
    assert link_local("fa:16:3e:30:00:01") == "fe80::f816:3eff:fe30:1"


def test_allowed_sources_group_pairs_by_mac() -> None:
    port = Port("p", "n", "fa:16:3e:00:00:01", "h", ("10.0.0.5", "fd00::5"),
                allowed_address_pairs=(("10.0.1.0/24", "fa:16:3e:00:00:01"),
                                       ("10.0.0.9", "FA:16:3E:00:00:99")))
    sources = allowed_sources(port)
    assert sources["fa:16:3e:00:00:01"] == (["10.0.0.5", "10.0.1.0/24"],
                                             ["fd00::5", "fe80::f816:3eff:fe00:1"])
    assert sources["fa:16:3e:00:00:99"] == (["10.0.0.9"], ["fe80::f816:3eff:fe00:99"])


NET = Network("n", "vxlan", 10)


def view_of(ports: tuple[Port, ...], groups: tuple[SecurityGroup, ...],
            members: dict[str, tuple[str, ...]]) -> HostView:
    desired = DesiredState((NET,), ports, security_groups=groups, security_group_members=members)
    return HostView("h", desired, {NET.id: NET}, assign_network_ids([NET.id]),
                    local_ofports={p.id: i for i, p in enumerate(ports, 10)})


def flows_for(view: HostView) -> list[Flow]:
    manager = OpenFlowManager()
    extension = SecurityGroups()
    owner = manager.register(extension.name, extension.stages)
    flows = list(extension.flows(owner, view))
    check_conflicts(flows)  # two different flows with one table/priority/match would be a bug
    return flows


def port(index: int, *groups: str, **changes: object) -> Port:
    return Port(f"p{index}", NET.id, f"fa:16:3e:00:00:{index:02x}", "h", (f"10.0.0.{index}",),
                security_groups=groups, **changes)  # type: ignore[arg-type]


REMOTE = SecurityGroup("web", True, (rule(protocol="tcp", low=80, high=80, group="clients"),
                                     rule(protocol="tcp", low=80, high=80, group="admins",
                                          rule_id="r2"),
                                     rule("egress")))


def test_membership_change_rewrites_only_member_flows() -> None:
    ports = (port(1, "web"), port(2, "web"))
    before = {f.cookie for f in flows_for(view_of(ports, (REMOTE,), {"clients": ("10.9.0.1",)}))}
    after = flows_for(view_of(ports, (REMOTE,), {"clients": ("10.9.0.1", "10.9.0.2")}))
    added = [f for f in after if f.cookie not in before]
    assert [f.match for f in added] == ["ip,nw_src=10.9.0.2"]
    assert before <= {f.cookie for f in after}


def test_an_address_in_two_remote_groups_is_one_flow_with_both_conjunctions() -> None:
    flows = flows_for(view_of((port(1, "web"),), (REMOTE,),
                              {"clients": ("10.9.0.1",), "admins": ("10.9.0.1",)}))
    member = [f for f in flows if f.match == "ip,nw_src=10.9.0.1"]
    assert len(member) == 1 and member[0].actions.count("conjunction(") == 2
    # The port's tcp/80 clause is shared by both conjunctions too.
    clause = [f for f in flows if f.match == "reg7=10,ip,nw_proto=6,tp_dst=80"]
    assert len(clause) == 1 and clause[0].actions.count(",2/2)") == 2


def test_port_security_off_and_trusted_ports_get_no_flows() -> None:
    ports = (port(1, port_security_enabled=False), port(2, device_owner="network:dhcp"))
    flows = flows_for(view_of(ports, (), {}))
    assert not [f for f in flows if "=10" in f.match or "=11" in f.match]


def test_a_port_without_groups_sends_only_what_needs_no_rule() -> None:
    flows = flows_for(view_of((port(1),), (), {}))
    rules = [f for f in flows if f.match.startswith(("in_port=10,ip", "reg7=10,ip"))
             and "ct(commit" in f.actions]
    assert rules == []
    assert any(f.match == "in_port=10,dl_src=fa:16:3e:00:00:01,udp,nw_src=0.0.0.0,tp_src=68,tp_dst=67"
               for f in flows)


def test_base_matches_every_port_shares_are_one_clause_flow_per_port() -> None:
    one = flows_for(view_of((port(1),), (), {}))
    two = flows_for(view_of((port(1), port(2)), (), {}))
    # The second port adds its own flows only: the shared matches exist once.
    shared = [f for f in one if "conjunction(" in f.actions and "in_port" not in f.match]
    assert {f.match for f in shared} >= {"icmp6,icmpv6_type=134", "udp6,tp_src=546,tp_dst=547",
                                         "icmp6,icmpv6_type=135"}
    assert len([f for f in two if f in shared]) == len(shared)
    clauses = {f.match: f.actions for f in two if f.match.startswith("in_port=11")
               and "conjunction(" in f.actions}
    assert clauses == {"in_port=11": clauses["in_port=11"],
                       "in_port=11,dl_src=fa:16:3e:00:00:02": "conjunction(1,1/2)"}
    # One MAC, one IPv4 address: 16 egress filter flows (24 with one flow per match),
    # 3 ingress filter flows, the drop at the end of each rules stage.
    assert len([f for f in two if f.match.startswith(("in_port=11", "reg7=11"))]) == 21


def test_stateless_ports_bypass_conntrack() -> None:
    group = SecurityGroup("sl", False, (rule(protocol="tcp", low=22, high=22),))
    flows = flows_for(view_of((port(1, "sl"),), (group,), {}))
    mine = [f for f in flows if "=10," in f.match or f.match.endswith("=10")]
    assert mine and not any("ct(" in f.actions for f in mine)
    stateful = flows_for(view_of((port(1, "st"),), (SecurityGroup("st", True, group.rules),), {}))
    assert any("ct(commit" in f.actions for f in stateful)


def test_an_inexpressible_rule_admits_nothing_and_the_rest_still_applies() -> None:
    group = SecurityGroup("g", True, (rule(protocol="gre", low=1, high=2, rule_id="bad"),
                                      rule(protocol="tcp", low=22, high=22, rule_id="good")))
    matches = {f.match for f in flows_for(view_of((port(1, "g"),), (group,), {}))}
    assert "reg7=10,ip,nw_proto=6,tp_dst=22" in matches
    assert not [m for m in matches if "nw_proto=47" in m]


def every_kind_of_rule() -> tuple[SecurityGroupRule, ...]:
    rules = []
    for n, name in enumerate(sorted(IP_PROTOCOLS)):
        for ethertype in ("IPv4", "IPv6"):
            rules.append(rule(ethertype=ethertype, protocol=name, rule_id=f"p{n}{ethertype}"))
    for ethertype, prefix in (("IPv4", "10.1.0.0/16"), ("IPv6", "2001:db8::/32")):
        for direction in ("ingress", "egress"):
            rules += [rule(direction, ethertype, "tcp", 1000, 1999, prefix,
                           rule_id=f"t{direction}{ethertype}"),
                      rule(direction, ethertype, "udp", 53, None, rule_id=f"u{direction}{ethertype}"),
                      rule(direction, ethertype, "132", 1, 65535, rule_id=f"s{direction}{ethertype}"),
                      rule(direction, ethertype, "icmp", 3, 4, rule_id=f"i{direction}{ethertype}"),
                      rule(direction, ethertype, "icmp", 8, rule_id=f"j{direction}{ethertype}"),
                      rule(direction, ethertype, group="clients", rule_id=f"g{direction}{ethertype}"),
                      rule(direction, ethertype, "tcp", 22, 22, group="clients",
                           rule_id=f"h{direction}{ethertype}")]
    return tuple(rules)


def test_open_vswitch_takes_every_flow_as_written(tmp_path) -> None:  # noqa: ANN001
    """No match is refused or silently widened (OVS drops fields whose prerequisites are missing)."""
    if shutil.which("ovs-ofctl") is None:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail("ovs-ofctl (openvswitch-switch) missing under CI")
        pytest.skip("ovs-ofctl not installed")
    group = SecurityGroup("web", True, every_kind_of_rule())
    stateless = SecurityGroup("sl", False, every_kind_of_rule())
    ports = (port(1, "web", allowed_address_pairs=(("10.5.0.0/24", "fa:16:3e:00:00:77"),
                                                   ("2001:db8:5::/64", "fa:16:3e:00:00:01"))),
             port(2, "sl"))
    flows = flows_for(view_of(ports, (group, stateless),
                              {"clients": ("10.9.0.1", "10.9.1.0/24", "2001:db8:9::1")}))
    text = tmp_path / "flows.txt"
    text.write_text("".join(f.to_ofctl().removeprefix("add ") + "\n" for f in flows))
    done = subprocess.run(["ovs-ofctl", "-O", "OpenFlow15", "parse-flows", str(text)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert "normalization changed" not in done.stderr, done.stderr
    assert done.stdout.count("FLOW_MOD") == len(flows)
