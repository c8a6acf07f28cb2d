"""The classification compiler (neutrino/agent/openflow/classifier.py): its decision
lists, installed first match wins, decide every packet as the group itself does.

Packets are drawn from a small universe chosen around the groups' own values (on
either side of each boundary); each is decided twice, by evaluating the group's
definition directly and by walking the compiled list, and the two must agree.
"""
from __future__ import annotations

import ipaddress
import itertools

import pytest

from neutrino.agent.desired import Classification, ClassificationGroup
from neutrino.agent.openflow import classifier
from neutrino.agent.openflow.classifier import FALL, MATCH, Unsupported, compile_group, render


def packet(eth=0x0800, proto=6, dst="10.0.0.9", dport=80, sport=1000, dscp=0, ttl=64):
    fields = {"dl_type": eth}
    if eth in (0x0800, 0x86DD):
        addr = int(ipaddress.ip_address(dst if eth == 0x0800 or ":" in dst else "2001:db8::9"))
        fields.update({"nw_dst" if eth == 0x0800 else "ipv6_dst": addr, "nw_proto": proto,
                       "ip_dscp": dscp, "nw_ttl": ttl})
        if proto in (6, 17):
            fields.update({"tp_dst": dport, "tp_src": sport})
    return fields


def matches(fields: dict, pkt: dict) -> bool:
    return all(name in pkt and pkt[name] & mask == value & mask
               for name, (value, mask) in fields.items())


def decide(entries, pkt) -> bool:
    for e in entries:
        if matches(e.as_dict, pkt):
            return e.verdict == MATCH
    return False


def truth(c: Classification, pkt: dict) -> bool:
    d = c.definition
    if c.type == "ipv4":
        ok = pkt["dl_type"] == 0x0800
        if ok and "dst_addr" in d:
            ok = ipaddress.ip_address(pkt["nw_dst"]) in ipaddress.ip_network(d["dst_addr"])
        if ok and "dscp" in d:
            mask = d.get("dscp_mask", 63)
            ok = pkt["ip_dscp"] & mask == d["dscp"] & mask
        if ok and "ttl_min" in d:
            ok = d["ttl_min"] <= pkt["nw_ttl"] <= d.get("ttl_max", 255)
    elif c.type in ("tcp", "udp"):
        ok = pkt.get("nw_proto") == {"tcp": 6, "udp": 17}[c.type] and "tp_dst" in pkt
        if ok:
            ok = d.get("dst_port_min", 0) <= pkt["tp_dst"] <= d.get("dst_port_max", 65535)
    elif c.type == "ethernet":
        ok = "ethertype" not in d or pkt["dl_type"] == d["ethertype"]
    return ok != c.negated


def group_truth(gid, groups, cs, pkt) -> bool:
    g = groups[gid]
    values = [truth(cs[c], pkt) for c in g.classifications] + \
             [group_truth(n, groups, cs, pkt) for n in g.classification_groups]
    return any(values) if g.operator == "OR" and len(values) > 1 else all(values)


def c(cid, ctype, negated=False, **definition) -> Classification:
    return Classification(cid, ctype, negated, definition)


CS = {c_.id: c_ for c_ in (
    c("web", "tcp", dst_port_min=80, dst_port_max=443),
    c("dns", "udp", dst_port_min=53, dst_port_max=53),
    c("host9", "ipv4", dst_addr="10.0.0.9/32"),
    c("not-host9", "ipv4", True, dst_addr="10.0.0.9/32"),
    c("not-web", "tcp", True, dst_port_min=80, dst_port_max=443),
    c("af", "ipv4", dscp=8, dscp_mask=0x38),
    c("ttl", "ipv4", ttl_min=60, ttl_max=70),
    c("arp", "ethernet", ethertype=0x0806),
)}
GROUPS = {g.id: g for g in (
    ClassificationGroup("web-not-9", "AND", ("web", "not-host9")),
    ClassificationGroup("dns-or-web-not-9", "OR", ("dns",), ("web-not-9",)),
    ClassificationGroup("not-web-or-dns", "OR", ("not-web", "dns")),
    ClassificationGroup("nested-and", "AND", ("host9",), ("not-web-or-dns",)),
    ClassificationGroup("af-ttl", "AND", ("af", "ttl")),
    ClassificationGroup("arp-or-dns", "OR", ("arp", "dns")),
    ClassificationGroup("empty", "AND"),
)}
UNIVERSE = [packet(eth, proto, dst, port, dscp=dscp, ttl=ttl)
            for eth, proto, dst, port, dscp, ttl in itertools.product(
                (0x0800, 0x86DD, 0x0806), (6, 17, 1), ("10.0.0.9", "10.0.0.10"),
                (52, 53, 79, 80, 443, 444), (0, 8, 15, 16), (59, 60, 70, 71))]


@pytest.mark.parametrize("gid", sorted(GROUPS))
def test_the_compiled_list_decides_every_packet_as_the_group_does(gid):
    entries = compile_group(gid, GROUPS, CS)
    wrong = [p for p in UNIVERSE if decide(entries, p) != group_truth(gid, GROUPS, CS, p)]
    assert not wrong, (gid, wrong[:3], [(e.verdict, render(e)) for e in entries])


def test_port_ranges_become_value_mask_pairs_covering_exactly_the_range():
    for low, high in ((80, 80), (80, 443), (0, 65535), (1000, 1999), (65535, 65535)):
        pairs = classifier.range_masks(low, high)
        covered = [p for p in range(65536) if any(p & m == v for v, m in pairs)]
        assert covered == list(range(low, high + 1))


def test_rendered_matches_are_ovs_ofctl_syntax():
    (first, *_rest) = compile_group("web-not-9", GROUPS, CS)
    assert first.verdict == FALL
    assert render(first).startswith("dl_type=0x0800,nw_dst=10.0.0.9,nw_proto=6,tp_dst=")


def test_what_openflow_cannot_match_is_refused_not_widened():
    cs = {"len": c("len", "udp", length_min=100)}
    with pytest.raises(Unsupported, match="length_min"):
        compile_group("g", {"g": ClassificationGroup("g", "AND", ("len",))}, cs)
    with pytest.raises(Unsupported, match="unknown"):
        compile_group("missing", {}, {})
