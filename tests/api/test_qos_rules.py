"""QoS rules over HTTP: every rule type under its policy and through the alias
paths, their defaults and validation, the conflicts between rules of one policy,
and rule types with their drivers' details."""
from __future__ import annotations

import uuid

import pytest

P = "qos/policies"
RULES = {
    "bandwidth_limit": {"max_kbps": 1000},
    "dscp_marking": {"dscp_mark": 26},
    "minimum_bandwidth": {"min_kbps": 100},
    "minimum_packet_rate": {"min_kpps": 10},
    "packet_rate_limit": {"max_kpps": 50},
}
DEFAULTS = {
    "bandwidth_limit": {"max_burst_kbps": 0, "direction": "egress"},
    # The classifications extension's (tests/api/test_classifications.py): all traffic.
    "dscp_marking": {"classification_group_id": None, "classification_priority": 0},
    "minimum_bandwidth": {"direction": "egress"},
    "minimum_packet_rate": {"direction": "egress"},
    "packet_rate_limit": {"max_burst_kpps": 0, "direction": "egress"},
}


def _policy(admin, **attrs) -> dict:
    return admin.create(P, "policy", name=f"qp-{uuid.uuid4().hex[:6]}", **attrs)


def _rules_path(policy_id: str, rule_type: str) -> str:
    return f"/v2.0/{P}/{policy_id}/{rule_type}_rules"


def _rule(admin, policy_id: str, rule_type: str, **attrs) -> dict:
    r = admin.post(_rules_path(policy_id, rule_type),
                   {f"{rule_type}_rule": {**RULES[rule_type], **attrs}})
    assert r.status == 201, r
    return r.json[f"{rule_type}_rule"]


@pytest.mark.parametrize("rule_type", list(RULES))
def test_rule_crud_with_defaults(admin, rule_type):
    p = _policy(admin)
    rule = _rule(admin, p["id"], rule_type)
    assert rule == {"id": rule["id"], **RULES[rule_type], **DEFAULTS[rule_type]}
    path = _rules_path(p["id"], rule_type)
    assert admin.get(f"{path}/{rule['id']}").json[f"{rule_type}_rule"] == rule
    assert [x["id"] for x in admin.get(path).json[f"{rule_type}_rules"]] == [rule["id"]]
    shown = admin.show(P, p["id"])
    assert shown["rules"] == [{**rule, "type": rule_type, "qos_policy_id": p["id"]}]
    assert shown["revision_number"] == p["revision_number"] + 1
    key = next(iter(RULES[rule_type]))
    new = 28 if rule_type == "dscp_marking" else 7
    r = admin.put(f"{path}/{rule['id']}", {f"{rule_type}_rule": {key: new}})
    assert r.status == 200 and r.json[f"{rule_type}_rule"][key] == new, r
    assert admin.show(P, p["id"])["revision_number"] == p["revision_number"] + 2
    assert admin.delete(f"{path}/{rule['id']}").status == 204
    r = admin.get(f"{path}/{rule['id']}")
    assert r.status == 404 and r.error_type == "QosRuleNotFound"
    assert admin.show(P, p["id"])["rules"] == []


@pytest.mark.parametrize("rule_type,body,word", [
    ("bandwidth_limit", {}, "max_kbps"),
    ("bandwidth_limit", {"max_kbps": -1}, "max_kbps"),
    ("bandwidth_limit", {"max_kbps": 2**31}, "max_kbps"),
    ("bandwidth_limit", {"max_kbps": "fast"}, "max_kbps"),
    ("bandwidth_limit", {"max_kbps": 1, "max_burst_kbps": -5}, "max_burst_kbps"),
    ("bandwidth_limit", {"max_kbps": 1, "direction": "sideways"}, "direction"),
    ("bandwidth_limit", {"max_kbps": 1, "direction": "any"}, "direction"),
    ("dscp_marking", {}, "dscp_mark"),
    ("dscp_marking", {"dscp_mark": 2}, "dscp_mark"),
    ("dscp_marking", {"dscp_mark": 42}, "dscp_mark"),
    ("dscp_marking", {"dscp_mark": 64}, "dscp_mark"),
    ("minimum_bandwidth", {}, "min_kbps"),
    ("minimum_bandwidth", {"min_kbps": 1, "direction": "any"}, "direction"),
    ("minimum_packet_rate", {}, "min_kpps"),
    ("minimum_packet_rate", {"min_kpps": -1}, "min_kpps"),
    ("packet_rate_limit", {"max_kpps": 1, "direction": "any"}, "direction"),
    ("packet_rate_limit", {"max_kpps": 1, "colour": "red"}, "colour"),
])
def test_rule_create_rejects_bad_input(admin, rule_type, body, word):
    p = _policy(admin)
    r = admin.post(_rules_path(p["id"], rule_type), {f"{rule_type}_rule": body})
    assert r.status == 400, r
    assert word in r.error_message
    assert admin.show(P, p["id"]) == p


@pytest.mark.parametrize("mark", [0, 8, 10, 44, 46, 56])
def test_every_valid_dscp_mark_is_taken(admin, mark):
    p = _policy(admin)
    assert _rule(admin, p["id"], "dscp_marking", dscp_mark=mark)["dscp_mark"] == mark


def test_rule_under_unknown_policy_is_404(admin):
    r = admin.post(_rules_path(str(uuid.uuid4()), "bandwidth_limit"),
                   {"bandwidth_limit_rule": {"max_kbps": 1}})
    assert r.status == 404 and r.error_type == "QosPolicyNotFound"


def test_rule_of_another_policy_is_404(admin):
    a, b = _policy(admin), _policy(admin)
    rule = _rule(admin, a["id"], "bandwidth_limit")
    assert admin.get(f"{_rules_path(b['id'], 'bandwidth_limit')}/{rule['id']}").status == 404


@pytest.mark.parametrize("rule_type,extra", [
    ("bandwidth_limit", {}), ("dscp_marking", {}), ("minimum_bandwidth", {}),
    ("minimum_packet_rate", {}), ("packet_rate_limit", {})])
def test_second_rule_of_a_type_and_direction_is_409(admin, rule_type, extra):
    p = _policy(admin)
    _rule(admin, p["id"], rule_type)
    r = admin.post(_rules_path(p["id"], rule_type), {f"{rule_type}_rule": RULES[rule_type]})
    assert r.status == 409, r
    assert len(admin.show(P, p["id"])["rules"]) == 1


@pytest.mark.parametrize("rule_type", ["bandwidth_limit", "minimum_bandwidth",
                                       "minimum_packet_rate", "packet_rate_limit"])
def test_rules_of_both_directions_live_together(admin, rule_type):
    p = _policy(admin)
    _rule(admin, p["id"], rule_type, direction="egress")
    _rule(admin, p["id"], rule_type, direction="ingress")
    assert len(admin.show(P, p["id"])["rules"]) == 2


def test_minimum_packet_rate_any_conflicts_with_a_direction(admin):
    p = _policy(admin)
    egress = _rule(admin, p["id"], "minimum_packet_rate", direction="egress")
    path = _rules_path(p["id"], "minimum_packet_rate")
    r = admin.post(path, {"minimum_packet_rate_rule": {"min_kpps": 5, "direction": "any"}})
    assert r.status == 409 and r.error_type == "QoSRulesConflict", r
    ingress = _rule(admin, p["id"], "minimum_packet_rate", direction="ingress")
    r = admin.put(f"{path}/{ingress['id']}", {"minimum_packet_rate_rule": {"direction": "any"}})
    assert r.status == 409 and r.error_type == "QoSRulesConflict", r
    assert admin.delete(f"{path}/{ingress['id']}").status == 204
    r = admin.put(f"{path}/{egress['id']}", {"minimum_packet_rate_rule": {"direction": "any"}})
    assert r.status == 200 and r.json["minimum_packet_rate_rule"]["direction"] == "any"
    r = admin.post(path, {"minimum_packet_rate_rule": {"min_kpps": 5, "direction": "egress"}})
    assert r.status == 409 and r.error_type == "QoSRulesConflict", r


def test_minimum_above_the_limit_of_its_direction_is_409(admin):
    p = _policy(admin)
    _rule(admin, p["id"], "bandwidth_limit", max_kbps=1000, direction="egress")
    r = admin.post(_rules_path(p["id"], "minimum_bandwidth"),
                   {"minimum_bandwidth_rule": {"min_kbps": 2000, "direction": "egress"}})
    assert r.status == 409 and r.error_type == "QoSRuleParameterConflict", r
    # The other direction has no limit.
    _rule(admin, p["id"], "minimum_bandwidth", min_kbps=2000, direction="ingress")
    minimum = _rule(admin, p["id"], "minimum_bandwidth", min_kbps=500, direction="egress")
    limit_path = _rules_path(p["id"], "bandwidth_limit")
    limit = admin.get(limit_path).json["bandwidth_limit_rules"][0]
    r = admin.put(f"{limit_path}/{limit['id']}", {"bandwidth_limit_rule": {"max_kbps": 100}})
    assert r.status == 409 and r.error_type == "QoSRuleParameterConflict", r
    assert minimum["min_kbps"] == 500


def test_rules_are_written_by_admins_only(admin, member, project_id):
    p = _policy(admin, project_id=project_id)
    r = member.post(_rules_path(p["id"], "bandwidth_limit"), {"bandwidth_limit_rule": {"max_kbps": 1}})
    assert r.status == 403, r
    rule = _rule(admin, p["id"], "bandwidth_limit")
    path = f"{_rules_path(p['id'], 'bandwidth_limit')}/{rule['id']}"
    assert member.get(path).json["bandwidth_limit_rule"]["id"] == rule["id"]
    assert member.put(path, {"bandwidth_limit_rule": {"max_kbps": 2}}).status == 403
    # Only admins create rules: a project is refused whether or not it sees the policy
    # (as in Neutron), and learns nothing of policies it cannot see.
    foreign = _policy(admin, project_id=uuid.uuid4().hex)
    for policy_id in (foreign["id"], str(uuid.uuid4())):
        r = member.post(_rules_path(policy_id, "bandwidth_limit"),
                        {"bandwidth_limit_rule": {"max_kbps": 1}})
        assert r.status == 403, r
    assert member.get(_rules_path(foreign["id"], "bandwidth_limit")).status == 404


@pytest.mark.parametrize("rule_type", ["bandwidth_limit", "dscp_marking", "minimum_bandwidth",
                                       "minimum_packet_rate"])
def test_alias_paths_show_update_delete_without_the_policy(admin, rule_type):
    p = _policy(admin)
    rule = _rule(admin, p["id"], rule_type)
    path = f"/v2.0/qos/alias_{rule_type}_rules/{rule['id']}"
    shown = admin.get(path)
    assert shown.status == 200, shown
    assert shown.json[f"alias_{rule_type}_rule"] == {**rule, "tenant_id": p["project_id"]}
    key = next(iter(RULES[rule_type]))
    new = 30 if rule_type == "dscp_marking" else 9
    r = admin.put(path, {f"alias_{rule_type}_rule": {key: new}})
    assert r.status == 200 and r.json[f"alias_{rule_type}_rule"][key] == new, r
    assert admin.show(P, p["id"])["rules"][0][key] == new
    assert admin.delete(path).status == 204
    assert admin.get(path).status == 404


def test_alias_rule_of_a_hidden_policy_is_404(admin, member):
    p = _policy(admin, project_id=uuid.uuid4().hex)
    rule = _rule(admin, p["id"], "bandwidth_limit")
    assert member.get(f"/v2.0/qos/alias_bandwidth_limit_rules/{rule['id']}").status == 404


def test_deleting_a_policy_takes_its_rules(admin):
    p = _policy(admin)
    rule = _rule(admin, p["id"], "dscp_marking")
    assert admin.delete(f"/v2.0/{P}/{p['id']}").status == 204
    assert admin.get(f"/v2.0/qos/alias_dscp_marking_rules/{rule['id']}").status == 404


def test_rule_types_list_and_filters(admin, member):
    types = {t["type"] for t in admin.get("/v2.0/qos/rule-types").json["rule_types"]}
    assert types == set(RULES)
    assert {t["type"] for t in member.get("/v2.0/qos/rule-types").json["rule_types"]} == types
    for flag in ("all_supported", "all_rules"):
        r = admin.get("/v2.0/qos/rule-types", params={flag: "true"})
        assert r.status == 200 and {t["type"] for t in r.json["rule_types"]} == set(RULES)
    r = admin.get("/v2.0/qos/rule-types", params={"all_rules": "maybe"})
    assert r.status == 400, r


def test_rule_type_details_name_the_driver_and_its_values(admin, member):
    r = admin.get("/v2.0/qos/rule-types/bandwidth_limit")
    assert r.status == 200, r
    details = r.json["rule_type"]
    assert details["type"] == "bandwidth_limit"
    [driver] = details["drivers"]
    assert driver["name"] == "openvswitch"
    params = {p["parameter_name"]: p for p in driver["supported_parameters"]}
    assert params["max_kbps"] == {"parameter_name": "max_kbps", "parameter_type": "range",
                                  "parameter_values": {"start": 0, "end": 2**31 - 1}}
    assert params["direction"]["parameter_type"] == "choices"
    assert set(params["direction"]["parameter_values"]) == {"egress", "ingress"}
    dscp = admin.get("/v2.0/qos/rule-types/dscp_marking").json["rule_type"]
    marks = dscp["drivers"][0]["supported_parameters"][0]["parameter_values"]
    assert 46 in marks and 42 not in marks
    assert member.get("/v2.0/qos/rule-types/bandwidth_limit").status == 403
    r = admin.get("/v2.0/qos/rule-types/warp_speed")
    assert r.status == 404, r
