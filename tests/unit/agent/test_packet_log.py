"""Packet logging's pure parts: the logging flows and their tags, packet-in and frame
parsing, the SNAT marking rule and conntrack event records (docs/logging.md)."""

from __future__ import annotations

import json
import struct

from neutrino.agent.desired import DesiredState, Log, Network, Port, SecurityGroup
from neutrino.agent.extensions.security_groups import SecurityGroups
from neutrino.agent.l3.plan import plan_routers, ruleset
from neutrino.agent.l3.snat_log import snat_record
from neutrino.agent.openflow.manager import OpenFlowManager
from neutrino.agent.openflow.packet_in import parse_packet_in
from neutrino.agent.openflow.reconcile import check_conflicts
from neutrino.agent.packet_log import LogTag, RecordWriter, SecurityGroupRecords, frame_fields
from neutrino.agent.topology import HostView, assign_network_ids

from .test_l3_plan import HOST, state, valid
from .test_security_group_flows import rule

NET = Network("n", "vxlan", 10)
WEB = SecurityGroup("web", True, (rule(protocol="tcp", low=80, high=80),
                                  rule(protocol="tcp", low=443, high=443, group="clients",
                                       rule_id="r2")))


def sg_flows(*logs: Log, stateful: bool = True):
    ports = (Port("p1", NET.id, "fa:16:3e:00:00:01", "h", ("10.0.0.1",), security_groups=("web",),
                  project_id="proj"),
             Port("p2", NET.id, "fa:16:3e:00:00:02", "h", ("10.0.0.2",), security_groups=("web",),
                  project_id="proj"))
    group = SecurityGroup(WEB.id, stateful, WEB.rules)
    desired = DesiredState((NET,), ports, security_groups=(group,),
                           security_group_members={"clients": ("10.9.0.1",)}, logs=logs)
    view = HostView("h", desired, {NET.id: NET}, assign_network_ids([NET.id]),
                    local_ofports={"p1": 10, "p2": 11})
    extension = SecurityGroups()
    owner = OpenFlowManager().register(extension.name, extension.stages)
    flows = list(extension.flows(owner, view))
    check_conflicts(flows)
    return flows, extension.log_tags


def test_without_logs_no_flow_copies_to_the_agent() -> None:
    flows, tags = sg_flows()
    assert not [f for f in flows if "controller" in f.actions] and tags == {}


def test_accept_log_copies_new_connections_of_each_rule_and_conjunction() -> None:
    flows, tags = sg_flows(Log("L1", "proj", "ACCEPT", target_id="p1"))
    logging = [f for f in flows if "controller" in f.actions]
    assert {f.match for f in logging} == {
        "reg7=10,ip,nw_proto=6,tp_dst=80,ct_state=+new+trk",
        next(f.match for f in logging if f.match.startswith("conj_id=")),
    }
    conj = next(f for f in logging if f.match.startswith("conj_id="))
    assert conj.match.endswith(",ip,ct_state=+new+trk,reg7=10")
    for flow in logging:  # committed, copied through the meter, accepted
        assert flow.actions.startswith("ct(commit,")
        assert "controller(max_len=128,meter_id=1)" in flow.actions
        assert flow.actions.rsplit(",", 1)[1].startswith("goto_table:")
    assert set(tags) == {f.cookie for f in logging}
    assert set(tags.values()) == {LogTag("ACCEPT", "ingress", "p1", "proj", ("L1",))}


def test_drop_log_turns_the_ports_final_drops_into_copies() -> None:
    flows, tags = sg_flows(Log("L2", "proj", "DROP", resource_id="web"), Log("L1", "proj", "ALL"))
    rules = {OpenFlowManager().tables[stage] for stage in ("egress_rules", "ingress_rules")}
    drops = [f for f in flows if f.priority == 1 and f.table in rules
             and f.match in ("in_port=10", "reg7=10")]
    assert [f.actions for f in drops] == ["controller(max_len=128,meter_id=1)"] * 2
    tag = {tags[f.cookie] for f in drops}
    assert {(t.event, t.direction, t.log_ids) for t in tag} == {
        ("DROP", "egress", ("L1", "L2")), ("DROP", "ingress", ("L1", "L2"))}


def test_stateless_ports_log_drops_but_no_accepts() -> None:
    flows, tags = sg_flows(Log("L1", "proj", "ALL"), stateful=False)
    assert {t.event for t in tags.values()} == {"DROP"}


def test_snat_log_of_another_type_covers_no_port() -> None:
    flows, tags = sg_flows(Log("S1", "proj", resource_id="r1", resource_type="snat"))
    assert tags == {}


def frame(ethertype: int, l3: bytes) -> bytes:
    return b"\x02" * 6 + b"\x04" * 6 + struct.pack("!H", ethertype) + l3


def ipv4(proto: int, payload: bytes) -> bytes:
    return (struct.pack("!BBHHHBBH", 0x45, 0, 20 + len(payload), 0, 0, 64, proto, 0)
            + bytes([10, 0, 0, 1]) + bytes([10, 0, 0, 2]) + payload)


def test_frame_fields_of_tcp_udp_icmp_and_ipv6() -> None:
    tcp = frame_fields(frame(0x0800, ipv4(6, struct.pack("!HH", 40000, 22) + b"\0" * 16)))
    assert (tcp["protocol"], tcp["src_ip"], tcp["dst_ip"], tcp["src_port"], tcp["dst_port"]) == (
        "tcp", "10.0.0.1", "10.0.0.2", 40000, 22)
    icmp = frame_fields(frame(0x0800, ipv4(1, b"\x08\x00\0\0")))
    assert (icmp["protocol"], icmp["icmp_type"], icmp["icmp_code"], icmp["src_port"]) == (
        "icmp", 8, 0, None)
    v6 = struct.pack("!IHBB", 0x60000000, 8, 17, 64) + bytes(15) + b"\1" + bytes(15) + b"\2"
    udp6 = frame_fields(frame(0x86DD, v6 + struct.pack("!HHHH", 5353, 53, 8, 0)))
    assert (udp6["ethertype"], udp6["src_ip"], udp6["dst_ip"], udp6["dst_port"]) == (
        "IPv6", "::1", "::2", 53)
    tagged = frame(0x8100, struct.pack("!HH", 5, 0x0800) + ipv4(17, struct.pack("!HH", 1, 2)))
    assert frame_fields(tagged)["dst_port"] == 2
    assert frame_fields(frame(0x0806, b"\0" * 28))["protocol"] is None


def test_packet_in_body_gives_the_cookie_and_the_frame_after_the_padded_match() -> None:
    match = struct.pack("!HH", 1, 12) + b"\x80\x00\x00\x04\x00\x00\x00\x07"  # in_port=7
    body = struct.pack("!IHBBQ", 0xFFFFFFFF, 64, 1, 3, 0xABCDEF) + match + b"\0" * 4 + b"\0\0"
    assert parse_packet_in(body + b"FRAME") == (0xABCDEF, b"FRAME")


def test_records_are_json_lines_for_known_cookies_only(tmp_path) -> None:
    writer = RecordWriter(tmp_path / "log" / "packets.jsonl", "h1")
    tags = {5: LogTag("DROP", "ingress", "p1", "proj", ("L1",))}
    records = SecurityGroupRecords(writer, lambda: tags)
    data = frame(0x0800, ipv4(17, struct.pack("!HH", 1000, 53)))
    records.handle(5, data)
    records.handle(6, data)
    [line] = (tmp_path / "log" / "packets.jsonl").read_text().splitlines()
    record = json.loads(line)
    assert (record["host"], record["event"], record["log_ids"], record["port_id"]) == (
        "h1", "DROP", ["L1"], "p1")
    assert (record["protocol"], record["dst_port"]) == ("udp", 53) and records.unknown == 1


def test_snat_marking_rule_precedes_the_gateway_snat_only_with_a_log() -> None:
    plain = plan_routers(state(), HOST)["r1"]
    assert "ct mark" not in ruleset(plain)
    logged = DesiredState.from_api((), (), logs=[{"id": "S1", "project_id": "p", "resource_type":
                                                  "snat", "resource_id": "r1"}])
    desired = state()
    plan = plan_routers(DesiredState(**{**desired.__dict__, "logs": logged.logs}), HOST)["r1"]
    script = ruleset(plan, (150, 30))
    mark = ('oifname "qg-gwport-0001" ip saddr { 10.0.0.0/24 } limit rate 150/second burst 30 '
            'packets ct mark set ct mark | 0x10000000')
    assert mark in script
    assert script.index(mark) < script.index("snat ip to 172.24.4.10")
    assert valid(script)
    no_snat = state(enable_snat=False)
    plan = plan_routers(DesiredState(**{**no_snat.__dict__, "logs": logged.logs}), HOST)["r1"]
    assert plan.snat_logs == () and "ct mark" not in ruleset(plan)


EVENT = ('<flow type="new"><meta direction="original"><layer3 protonum="2" protoname="ipv4">'
         '<src>10.0.0.5</src><dst>172.24.4.1</dst></layer3><layer4 protonum="6" protoname="tcp">'
         '<sport>40000</sport><dport>7001</dport></layer4></meta><meta direction="reply">'
         '<layer3 protonum="2" protoname="ipv4"><src>172.24.4.1</src><dst>172.24.4.10</dst>'
         '</layer3><layer4 protonum="6" protoname="tcp"><sport>7001</sport><dport>40001</dport>'
         '</layer4></meta><meta direction="independent"><mark>268435456</mark></meta></flow>')


def test_snat_record_has_the_original_and_translated_source() -> None:
    record = snat_record(EVENT, "r1", (Log("S1", "p", resource_type="snat"),))
    assert record == {"resource_type": "snat", "event": "ALL", "log_ids": ["S1"], "project_id": "p",
                      "router_id": "r1", "protocol": "tcp", "src_ip": "10.0.0.5",
                      "src_port": 40000, "dst_ip": "172.24.4.1", "dst_port": 7001,
                      "translated_ip": "172.24.4.10", "translated_port": 40001}
    assert snat_record(EVENT.replace('type="new"', 'type="destroy"'), "r1", ()) is None
