"""Security groups and rules: each project's default group, the rules new groups start
with, rule validation and normalisation as Neutron does it, duplicates, revisions,
project isolation, and the security groups of ports."""
import json
import os
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import yaml
from openstack import exceptions as sdk_exc

from tests.support.client import Client

SG = "/v2.0/security-groups"
RULES = "/v2.0/security-group-rules"


def _name(prefix: str = "sg") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _group(client: Client, **attrs) -> dict:
    attrs.setdefault("name", _name())
    return client.create("security-groups", "security_group", **attrs)


def _post_rule(client: Client, group_id: str, **attrs):
    attrs.setdefault("direction", "ingress")
    return client.post(RULES, {"security_group_rule": {"security_group_id": group_id, **attrs}})


def _rule(client: Client, group_id: str, **attrs) -> dict:
    r = _post_rule(client, group_id, **attrs)
    assert r.status == 201, r
    return r.json["security_group_rule"]


def _groups(client: Client, **params) -> list[dict]:
    r = client.get(SG, params=params)
    assert r.status == 200, r
    return r.json["security_groups"]


def _default(client: Client) -> dict:
    found = _groups(client, name="default")
    assert len(found) == 1, found
    return found[0]


def _shape(rule: dict) -> tuple:
    return (rule["direction"], rule["ethertype"], rule["protocol"], rule["remote_group_id"],
            rule["remote_ip_prefix"])


def _rule_ids(client: Client, group_id: str) -> set[str]:
    return {r["id"] for r in client.show("security-groups", group_id)["security_group_rules"]}


@pytest.fixture
def other(server) -> Client:
    """A member of a second fresh project."""
    return Client(server.url, uuid.uuid4().hex, "member,reader")


@pytest.fixture
def web(member) -> dict:
    return _group(member, name="web")


# ---- the default group ---------------------------------------------------------------
def test_first_list_creates_the_default_group_with_its_rules(member, project_id):
    groups = _groups(member)
    assert [g["name"] for g in groups] == ["default"]
    default = groups[0]
    assert default["project_id"] == default["tenant_id"] == project_id
    assert default["description"] == "Default security group" and default["stateful"] is True
    assert sorted(_shape(r) for r in default["security_group_rules"]) == [
        ("egress", "IPv4", None, None, None), ("egress", "IPv6", None, None, None),
        ("ingress", "IPv4", None, default["id"], None),
        ("ingress", "IPv6", None, default["id"], None)]
    assert all(r["belongs_to_default_sg"] and r["project_id"] == project_id
               for r in default["security_group_rules"])


def test_default_group_is_made_once_across_lists_and_shows(member):
    first = _default(member)
    assert member.show("security-groups", first["id"])["id"] == first["id"]
    assert [g["id"] for g in _groups(member)] == [first["id"]]


def test_concurrent_first_lists_make_one_default_group(server):
    project = uuid.uuid4().hex

    def list_groups(_i: int):
        r = Client(server.url, project, "member,reader").get(SG)
        return r.status, [g["id"] for g in (r.json or {}).get("security_groups", [])]

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(list_groups, range(16)))
    assert {status for status, _ids in results} == {200}
    assert len({tuple(ids) for _status, ids in results}) == 1
    assert len(results[0][1]) == 1


def test_concurrent_first_port_creates_share_one_default_group(server, admin):
    project = uuid.uuid4().hex
    net = admin.network(project_id=project)

    def create(_i: int):
        r = Client(server.url, project, "member,reader").post(
            "/v2.0/ports", {"port": {"network_id": net["id"]}})
        return r.status, (r.json["port"]["security_groups"] if r.status == 201 else r.raw.text)

    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(create, range(12)))
    assert {status for status, _g in results} == {201}, results
    assert len({tuple(groups) for _s, groups in results}) == 1
    default = _default(Client(server.url, project, "member,reader"))
    assert results[0][1] == [default["id"]]


def test_first_port_create_makes_the_default_group_and_uses_it(member):
    net = member.network()
    port = member.port(net["id"])
    assert port["security_groups"] == [_default(member)["id"]]


def test_first_group_create_also_makes_the_default_group(member):
    _group(member, name="first")
    assert sorted(g["name"] for g in _groups(member)) == ["default", "first"]


def test_admin_list_filtered_on_a_project_makes_that_projects_default(admin, project_id):
    groups = _groups(admin, project_id=project_id)
    assert [(g["name"], g["project_id"]) for g in groups] == [("default", project_id)]


def test_owner_cannot_delete_its_default_group(member):
    default = _default(member)
    r = member.delete(f"{SG}/{default['id']}")
    assert r.status == 409 and r.error_type == "SecurityGroupCannotRemoveDefault"
    assert _default(member)["id"] == default["id"]


def test_admin_deletes_a_default_group_and_the_next_need_makes_a_new_one(admin, member):
    default = _default(member)
    assert admin.delete(f"{SG}/{default['id']}").status == 204
    assert member.get(f"{RULES}/{default['security_group_rules'][0]['id']}").status == 404
    again = _default(member)
    assert again["id"] != default["id"] and len(again["security_group_rules"]) == 4


@pytest.mark.parametrize("name", ["default", "Default", "DEFAULT"])
def test_creating_a_group_named_default_is_409(member, name):
    _default(member)
    r = member.post(SG, {"security_group": {"name": name}})
    assert r.status == 409 and r.error_type == "SecurityGroupDefaultAlreadyExists"
    assert len(_groups(member)) == 1


def test_renaming_a_group_to_default_is_409(member, web):
    r = member.put(f"{SG}/{web['id']}", {"security_group": {"name": "default"}})
    assert r.status == 409 and r.error_type == "SecurityGroupDefaultAlreadyExists"
    assert member.show("security-groups", web["id"])["name"] == "web"


def test_renaming_the_default_group_is_409_but_its_description_may_change(member):
    default = _default(member)
    r = member.put(f"{SG}/{default['id']}", {"security_group": {"name": "mine"}})
    assert r.status == 409 and r.error_type == "SecurityGroupCannotUpdateDefault"
    r = member.put(f"{SG}/{default['id']}", {"security_group": {"description": "ours"}})
    assert r.status == 200 and r.json["security_group"]["description"] == "ours"
    assert r.json["security_group"]["name"] == "default"


# ---- groups ------------------------------------------------------------------------------
def test_new_group_gets_egress_rules_and_standard_attributes(member, project_id):
    group = _group(member, name="app", description="the app tier")
    assert group["description"] == "the app tier" and group["tags"] == []
    assert group["revision_number"] == 0 and group["stateful"] is True
    assert group["created_at"].endswith("Z") and group["updated_at"].endswith("Z")
    assert group["project_id"] == group["tenant_id"] == project_id
    assert sorted(_shape(r) for r in group["security_group_rules"]) == [
        ("egress", "IPv4", None, None, None), ("egress", "IPv6", None, None, None)]
    assert not any(r["belongs_to_default_sg"] for r in group["security_group_rules"])


def test_group_update_changes_name_and_bumps_revision(member, web):
    r = member.put(f"{SG}/{web['id']}", {"security_group": {"name": "www", "description": "d"}})
    assert r.status == 200
    updated = r.json["security_group"]
    assert (updated["name"], updated["description"]) == ("www", "d")
    assert updated["revision_number"] > web["revision_number"]


def test_group_update_with_stale_revision_is_412(member, web):
    r = member.put(f"{SG}/{web['id']}", {"security_group": {"name": "x"}},
                   headers={"If-Match": "revision_number=99"})
    assert r.status == 412 and r.error_type == "RevisionNumberConstraintFailed"


def test_group_rules_cannot_be_set_directly(member):
    r = member.post(SG, {"security_group": {"name": "x", "security_group_rules": []}})
    assert r.status == 400 and "security_group_rules" in r.error_message


def test_group_unknown_attribute_is_400(member):
    r = member.post(SG, {"security_group": {"name": "x", "colour": "red"}})
    assert r.status == 400 and "colour" in r.error_message


def test_group_tags_and_tag_filter(member, web):
    assert member.put(f"{SG}/{web['id']}/tags", {"tags": ["red", "blue"]}).status == 200
    assert member.show("security-groups", web["id"])["tags"] == ["blue", "red"]
    assert [g["id"] for g in _groups(member, tags="red")] == [web["id"]]


def test_stateless_group_on_create_and_filter(member):
    group = _group(member, stateful=False)
    assert group["stateful"] is False
    assert [g["id"] for g in _groups(member, stateful="false")] == [group["id"]]


def test_stateful_flag_changes_while_unused(member, web):
    r = member.put(f"{SG}/{web['id']}", {"security_group": {"stateful": False}})
    assert r.status == 200 and r.json["security_group"]["stateful"] is False


def test_stateful_flag_cannot_change_while_a_port_uses_the_group(member, web):
    net = member.network()
    port = member.port(net["id"], security_groups=[web["id"]])
    r = member.put(f"{SG}/{web['id']}", {"security_group": {"stateful": False}})
    assert r.status == 409 and r.error_type == "SecurityGroupInUse"
    same = member.put(f"{SG}/{web['id']}", {"security_group": {"stateful": True, "name": "w2"}})
    assert same.status == 200
    assert member.delete(f"/v2.0/ports/{port['id']}").status == 204
    r = member.put(f"{SG}/{web['id']}", {"security_group": {"stateful": False}})
    assert r.status == 200 and r.json["security_group"]["stateful"] is False


def test_deleting_a_group_in_use_is_409_then_204_with_its_rules(member, web):
    rule = _rule(member, web["id"], protocol="tcp", port_range_min=80, port_range_max=80)
    net = member.network()
    port = member.port(net["id"], security_groups=[web["id"]])
    r = member.delete(f"{SG}/{web['id']}")
    assert r.status == 409 and r.error_type == "SecurityGroupInUse"
    assert member.show("security-groups", web["id"])["id"] == web["id"]
    member.put(f"/v2.0/ports/{port['id']}", {"port": {"security_groups": []}})
    assert member.delete(f"{SG}/{web['id']}").status == 204
    assert member.get(f"{SG}/{web['id']}").status == 404
    r = member.get(f"{RULES}/{rule['id']}")
    assert r.status == 404 and r.error_type == "SecurityGroupRuleNotFound"


def test_deleting_a_group_removes_other_groups_rules_naming_it(member, web):
    db = _group(member, name="db")
    rule = _rule(member, db["id"], protocol="tcp", port_range_min=5432, port_range_max=5432,
                 remote_group_id=web["id"])
    before = member.show("security-groups", db["id"])["revision_number"]
    assert member.delete(f"{SG}/{web['id']}").status == 204
    after = member.show("security-groups", db["id"])
    assert rule["id"] not in {r["id"] for r in after["security_group_rules"]}
    assert after["revision_number"] > before


def test_other_projects_group_is_404_and_not_listed(member, other, admin, web):
    for r in (other.get(f"{SG}/{web['id']}"),
              other.put(f"{SG}/{web['id']}", {"security_group": {"name": "mine"}}),
              other.delete(f"{SG}/{web['id']}")):
        assert r.status == 404 and r.error_type == "SecurityGroupNotFound"
    assert web["id"] not in {g["id"] for g in _groups(other)}
    assert web["id"] in {g["id"] for g in _groups(admin, project_id=web["project_id"])}
    assert member.show("security-groups", web["id"])["name"] == "web"


def test_group_show_of_a_non_uuid_is_404(member):
    r = member.get(f"{SG}/not-a-uuid")
    assert r.status == 404 and r.error_type == "SecurityGroupNotFound"


def test_group_list_pagination_and_sorting(member):
    for n in ("c", "a", "b"):
        _group(member, name=n)
    names = [g["name"] for g in _groups(member, sort_key="name", sort_dir="asc")]
    assert names == ["a", "b", "c", "default"]
    r = member.get(SG, params={"limit": 2, "sort_key": "name"})
    assert [g["name"] for g in r.json["security_groups"]] == ["a", "b"]
    assert "security_groups_links" in r.json


# ---- rules: attributes and normalisation -------------------------------------------------
def test_rule_create_renders_every_attribute(member, web, project_id):
    rule = _rule(member, web["id"], protocol="tcp", port_range_min=22, port_range_max=22,
                 remote_ip_prefix="10.0.0.34/24", description="ssh")
    assert rule["direction"] == "ingress" and rule["ethertype"] == "IPv4"
    assert (rule["protocol"], rule["port_range_min"], rule["port_range_max"]) == ("tcp", 22, 22)
    assert rule["remote_ip_prefix"] == "10.0.0.34/24" and rule["normalized_cidr"] == "10.0.0.0/24"
    assert rule["remote_group_id"] is None and rule["description"] == "ssh"
    assert rule["project_id"] == rule["tenant_id"] == project_id
    assert rule["revision_number"] == 0 and rule["tags"] == []
    assert rule["belongs_to_default_sg"] is False
    assert "name" not in rule
    assert member.show("security-group-rules", rule["id"]) == rule


@pytest.mark.parametrize("given, ethertype, prefix, network", [
    ("10.1.2.3", "IPv4", "10.1.2.3/32", "10.1.2.3/32"),
    ("192.168.7.0/24", "IPv4", "192.168.7.0/24", "192.168.7.0/24"),
    ("2001:DB8::1", "IPv6", "2001:db8::1/128", "2001:db8::1/128"),
    ("2001:db8::5/64", "IPv6", "2001:db8::5/64", "2001:db8::/64"),
])
def test_rule_remote_prefix_is_canonical_with_normalized_cidr(member, web, given, ethertype,
                                                               prefix, network):
    rule = _rule(member, web["id"], ethertype=ethertype, remote_ip_prefix=given)
    assert (rule["remote_ip_prefix"], rule["normalized_cidr"]) == (prefix, network)


@pytest.mark.parametrize("given, stored", [
    ("tcp", "tcp"), ("TCP", "tcp"), ("6", "6"), (17, "17"), ("icmp", "icmp"), ("any", None),
    ("0", None), (0, None), (None, None), ("vrrp", "vrrp"), ("200", "200")])
def test_rule_protocol_names_and_numbers(member, web, given, stored):
    assert _rule(member, web["id"], protocol=given)["protocol"] == stored


@pytest.mark.parametrize("given, stored", [
    ("icmp", "ipv6-icmp"), ("icmpv6", "ipv6-icmp"), ("ipv6-icmp", "ipv6-icmp"), ("1", "58"),
    ("58", "58")])
def test_rule_icmp_on_ipv6_is_stored_as_icmpv6(member, web, given, stored):
    assert _rule(member, web["id"], ethertype="IPv6", protocol=given)["protocol"] == stored


def test_rule_ethertype_is_case_insensitive(member, web):
    assert _rule(member, web["id"], ethertype="ipv6")["ethertype"] == "IPv6"


def test_rule_icmp_type_and_code(member, web):
    rule = _rule(member, web["id"], protocol="icmp", port_range_min=8, port_range_max=0)
    assert (rule["port_range_min"], rule["port_range_max"]) == (8, 0)
    only_type = _rule(member, web["id"], protocol="icmp", port_range_min=3)
    assert (only_type["port_range_min"], only_type["port_range_max"]) == (3, None)


def test_rule_port_range_for_udp_sctp_and_dccp(member, web):
    for protocol in ("udp", "sctp", "dccp", "udplite"):
        rule = _rule(member, web["id"], protocol=protocol, port_range_min=1000,
                     port_range_max=2000)
        assert (rule["port_range_min"], rule["port_range_max"]) == (1000, 2000)


@pytest.mark.parametrize("attrs, error", [
    ({"protocol": "tcp", "port_range_min": 90, "port_range_max": 80},
     "SecurityGroupInvalidPortRange"),
    ({"protocol": "tcp", "port_range_min": 80}, "SecurityGroupInvalidPortRange"),
    ({"protocol": "tcp", "port_range_min": 0, "port_range_max": 10},
     "SecurityGroupInvalidPortValue"),
    ({"protocol": "udp", "port_range_min": 1, "port_range_max": 70000},
     "SecurityGroupInvalidPortValue"),
    ({"protocol": "tcp", "port_range_min": -1, "port_range_max": 10},
     "SecurityGroupInvalidPortValue"),
    ({"port_range_min": 22, "port_range_max": 22}, "SecurityGroupProtocolRequiredWithPorts"),
    ({"protocol": "icmp", "port_range_min": 256}, "SecurityGroupInvalidIcmpValue"),
    ({"protocol": "icmp", "port_range_min": 8, "port_range_max": 300},
     "SecurityGroupInvalidIcmpValue"),
    ({"protocol": "icmp", "port_range_max": 0}, "SecurityGroupMissingIcmpType"),
    ({"protocol": "gre", "port_range_min": 1, "port_range_max": 2},
     "SecurityGroupInvalidProtocolForPort"),
    ({"protocol": "nonsense"}, "SecurityGroupRuleInvalidProtocol"),
    ({"protocol": "256"}, "SecurityGroupRuleInvalidProtocol"),
    ({"protocol": True}, "HTTPBadRequest"),
    ({"ethertype": "IPv5"}, "HTTPBadRequest"),
    ({"direction": "sideways"}, "HTTPBadRequest"),
    ({"port_range_min": "eighty", "protocol": "tcp"}, "HTTPBadRequest"),
    ({"remote_ip_prefix": "10.0.0.0/33"}, "InvalidCIDR"),
    ({"remote_ip_prefix": "not-an-address"}, "InvalidCIDR"),
    ({"remote_ip_prefix": "2001:db8::/64"}, "SecurityGroupRuleParameterConflict"),
    ({"ethertype": "IPv6", "remote_ip_prefix": "10.0.0.0/8"},
     "SecurityGroupRuleParameterConflict"),
    ({"protocol": "ipv6-icmp"}, "SecurityGroupEthertypeConflictWithProtocol"),
    ({"protocol": "icmpv6"}, "SecurityGroupEthertypeConflictWithProtocol"),
    ({"remote_ip_prefix": "10.0.0.0/8", "remote_group_id": "SELF"},
     "SecurityGroupRemoteGroupAndRemoteIpPrefix"),
    ({"colour": "red"}, "HTTPBadRequest"),
])
def test_rule_bad_input_is_400_and_creates_nothing(member, web, attrs, error):
    attrs = {k: (web["id"] if v == "SELF" else v) for k, v in attrs.items()}
    before = _rule_ids(member, web["id"])
    r = _post_rule(member, web["id"], **attrs)
    assert r.status == 400 and r.error_type == error, r
    assert _rule_ids(member, web["id"]) == before


def test_rule_without_direction_or_group_is_400(member, web):
    r = member.post(RULES, {"security_group_rule": {"security_group_id": web["id"]}})
    assert r.status == 400 and "direction" in r.error_message
    r = member.post(RULES, {"security_group_rule": {"direction": "ingress"}})
    assert r.status == 400 and "security_group_id" in r.error_message


def test_rule_in_a_missing_or_foreign_group_is_404(member, other, web):
    r = _post_rule(other, web["id"])
    assert r.status == 404 and r.error_type == "SecurityGroupNotFound"
    r = _post_rule(member, str(uuid.uuid4()))
    assert r.status == 404 and r.error_type == "SecurityGroupNotFound"


def test_rule_remote_group_must_exist_and_be_visible(member, other, web):
    theirs = _group(other)
    r = _post_rule(member, web["id"], remote_group_id=theirs["id"])
    assert r.status == 404 and r.error_type == "SecurityGroupNotFound"
    r = _post_rule(member, web["id"], remote_group_id=str(uuid.uuid4()))
    assert r.status == 404 and r.error_type == "SecurityGroupNotFound"
    db = _group(member, name="db")
    assert _rule(member, web["id"], remote_group_id=db["id"])["remote_group_id"] == db["id"]


# ---- rules: duplicates, revisions, updates ------------------------------------------------
def test_duplicate_rule_is_409_naming_the_existing_rule(member, web):
    rule = _rule(member, web["id"], protocol="tcp", port_range_min=22, port_range_max=22)
    r = _post_rule(member, web["id"], protocol="tcp", port_range_min=22, port_range_max=22)
    assert r.status == 409 and r.error_type == "SecurityGroupRuleExists"
    assert rule["id"] in r.error_message


@pytest.mark.parametrize("first, second", [
    ({"protocol": "tcp"}, {"protocol": "6"}),
    ({"protocol": "TCP"}, {"protocol": 6}),
    ({}, {"remote_ip_prefix": "0.0.0.0/0"}),
    ({"ethertype": "IPv6", "protocol": "icmp"}, {"ethertype": "IPv6", "protocol": "58"}),
    ({"remote_ip_prefix": "10.0.0.1"}, {"remote_ip_prefix": "10.0.0.1/32"}),
])
def test_equivalent_rules_are_duplicates(member, web, first, second):
    _rule(member, web["id"], **first)
    r = _post_rule(member, web["id"], **second)
    assert r.status == 409 and r.error_type == "SecurityGroupRuleExists"


def test_the_same_rule_in_another_direction_or_group_is_not_a_duplicate(member, web):
    _rule(member, web["id"], protocol="udp", port_range_min=53, port_range_max=53)
    _rule(member, web["id"], direction="egress", protocol="udp", port_range_min=53,
          port_range_max=53)
    other_group = _group(member)
    _rule(member, other_group["id"], protocol="udp", port_range_min=53, port_range_max=53)


def test_default_egress_rule_already_exists_in_a_new_group(member, web):
    r = _post_rule(member, web["id"], direction="egress")
    assert r.status == 409 and r.error_type == "SecurityGroupRuleExists"


def test_concurrent_identical_rules_give_one_winner(server, member, web):
    headers = dict(member.session.headers)

    def create(_i: int) -> tuple[int, str | None]:
        client = Client(server.url, headers["X-Project-Id"], headers["X-Roles"])
        r = _post_rule(client, web["id"], protocol="tcp", port_range_min=443,
                       port_range_max=443)
        return r.status, r.error_type

    with ThreadPoolExecutor(8) as pool:
        results = sorted(pool.map(create, range(12)), key=lambda x: x[0])
    assert results == [(201, None)] + [(409, "SecurityGroupRuleExists")] * 11
    tcp = [r for r in member.show("security-groups", web["id"])["security_group_rules"]
           if r["protocol"] == "tcp"]
    assert len(tcp) == 1


def test_bulk_rule_create_is_all_or_nothing(member, web):
    ok = member.post(RULES, {"security_group_rules": [
        {"security_group_id": web["id"], "direction": "ingress", "protocol": "tcp",
         "port_range_min": 80, "port_range_max": 80},
        {"security_group_id": web["id"], "direction": "ingress", "protocol": "tcp",
         "port_range_min": 443, "port_range_max": 443}]})
    assert ok.status == 201 and len(ok.json["security_group_rules"]) == 2
    before = _rule_ids(member, web["id"])
    bad = member.post(RULES, {"security_group_rules": [
        {"security_group_id": web["id"], "direction": "ingress", "protocol": "udp"},
        {"security_group_id": web["id"], "direction": "ingress", "protocol": "tcp",
         "port_range_min": 80, "port_range_max": 80}]})
    assert bad.status == 409 and bad.error_type == "SecurityGroupRuleExists"
    assert _rule_ids(member, web["id"]) == before


def test_duplicates_within_one_bulk_request_are_409(member, web):
    before = _rule_ids(member, web["id"])
    rule = {"security_group_id": web["id"], "direction": "ingress", "protocol": "icmp"}
    r = member.post(RULES, {"security_group_rules": [rule, dict(rule, protocol="1")]})
    assert r.status == 409 and r.error_type == "DuplicateSecurityGroupRuleInPost"
    assert _rule_ids(member, web["id"]) == before


def test_rule_add_and_delete_bump_the_group_and_show_in_it(member, web):
    rule = _rule(member, web["id"], protocol="tcp", port_range_min=8080, port_range_max=8080)
    shown = member.show("security-groups", web["id"])
    assert shown["revision_number"] > web["revision_number"]
    assert rule["id"] in {r["id"] for r in shown["security_group_rules"]}
    assert member.delete(f"{RULES}/{rule['id']}").status == 204
    after = member.show("security-groups", web["id"])
    assert after["revision_number"] > shown["revision_number"]
    assert rule["id"] not in {r["id"] for r in after["security_group_rules"]}
    r = member.delete(f"{RULES}/{rule['id']}")
    assert r.status == 404 and r.error_type == "SecurityGroupRuleNotFound"


def test_rules_are_create_only_except_description(member, web):
    rule = _rule(member, web["id"], protocol="tcp")
    r = member.put(f"{RULES}/{rule['id']}", {"security_group_rule": {"protocol": "udp"}})
    assert r.status == 400 and "protocol" in r.error_message
    r = member.put(f"{RULES}/{rule['id']}", {"security_group_rule": {"description": "web"}})
    assert r.status == 200
    updated = r.json["security_group_rule"]
    assert updated["description"] == "web" and updated["protocol"] == "tcp"
    assert updated["revision_number"] > rule["revision_number"]
    nested = [x for x in member.show("security-groups", web["id"])["security_group_rules"]
              if x["id"] == rule["id"]]
    assert nested[0]["description"] == "web"


def test_rule_visibility_follows_its_group(member, other, admin, web):
    rule = _rule(member, web["id"], protocol="udp")
    for r in (other.get(f"{RULES}/{rule['id']}"), other.delete(f"{RULES}/{rule['id']}")):
        assert r.status == 404 and r.error_type == "SecurityGroupRuleNotFound"
    assert rule["id"] not in {x["id"] for x in other.get(RULES).json["security_group_rules"]}
    assert rule["id"] in {x["id"] for x in member.get(RULES).json["security_group_rules"]}
    assert admin.show("security-group-rules", rule["id"])["id"] == rule["id"]


def test_rule_added_by_admin_belongs_to_the_groups_project(admin, web):
    rule = _rule(admin, web["id"], protocol="tcp", port_range_min=1, port_range_max=2)
    assert rule["project_id"] == rule["tenant_id"] == web["project_id"]


def test_rule_list_filters(member, web):
    a = _rule(member, web["id"], protocol="tcp", remote_ip_prefix="10.9.0.5/16")
    b = _rule(member, web["id"], protocol="udp", direction="egress")
    by = {r["id"] for r in member.get(RULES, params={"security_group_id": web["id"],
                                                     "direction": "ingress"}).json[
        "security_group_rules"]}
    assert by == {a["id"]}
    cidr = member.get(RULES, params={"normalized_cidr": "10.9.0.0/16"}).json
    assert [r["id"] for r in cidr["security_group_rules"]] == [a["id"]]
    udp = member.get(RULES, params={"protocol": "udp"}).json["security_group_rules"]
    assert [r["id"] for r in udp] == [b["id"]]
    default_rules = member.get(RULES, params={"belongs_to_default_sg": "true"}).json
    assert {r["security_group_id"] for r in default_rules["security_group_rules"]} == {
        _default(member)["id"]}
    mine = member.get(RULES, params={"belongs_to_default_sg": "false"}).json
    assert {r["security_group_id"] for r in mine["security_group_rules"]} == {web["id"]}
    r = member.get(RULES, params={"colour": "red"})
    assert r.status == 400


def test_rule_tags(member, web):
    rule = _rule(member, web["id"], protocol="tcp")
    assert member.put(f"{RULES}/{rule['id']}/tags/ssh").status == 201
    assert member.show("security-group-rules", rule["id"])["tags"] == ["ssh"]


# ---- ports --------------------------------------------------------------------------------
@pytest.fixture
def net(member) -> dict:
    return member.network()


def test_port_with_explicit_groups(member, net, web):
    db = _group(member, name="db")
    port = member.port(net["id"], security_groups=[web["id"], db["id"]])
    assert sorted(port["security_groups"]) == sorted([web["id"], db["id"]])
    assert sorted(member.show("ports", port["id"])["security_groups"]) == sorted(
        [web["id"], db["id"]])


def test_port_with_an_empty_group_list_has_none(member, net):
    assert member.port(net["id"], security_groups=[])["security_groups"] == []


def test_port_security_groups_update(member, net, web):
    port = member.port(net["id"])
    r = member.put(f"/v2.0/ports/{port['id']}", {"port": {"security_groups": [web["id"]]}})
    assert r.status == 200 and r.json["port"]["security_groups"] == [web["id"]]
    assert r.json["port"]["revision_number"] > port["revision_number"]
    r = member.put(f"/v2.0/ports/{port['id']}", {"port": {"security_groups": None}})
    assert r.status == 200 and r.json["port"]["security_groups"] == []


def test_port_with_another_projects_group_is_404_and_creates_nothing(member, other, net):
    theirs = _group(other)
    before = len(member.get("/v2.0/ports").json["ports"])
    r = member.post("/v2.0/ports", {"port": {"network_id": net["id"],
                                             "security_groups": [theirs["id"]]}})
    assert r.status == 404 and r.error_type == "SecurityGroupNotFound"
    assert theirs["id"] in r.error_message
    assert len(member.get("/v2.0/ports").json["ports"]) == before


def test_port_update_to_a_missing_group_is_404_and_keeps_the_groups(member, net, web):
    port = member.port(net["id"], security_groups=[web["id"]])
    r = member.put(f"/v2.0/ports/{port['id']}", {"port": {"security_groups": [str(uuid.uuid4())]}})
    assert r.status == 404 and r.error_type == "SecurityGroupNotFound"
    assert member.show("ports", port["id"])["security_groups"] == [web["id"]]


def test_admin_port_for_a_project_uses_that_projects_groups(admin, project_id, member):
    net = admin.network(project_id=project_id)
    port = admin.port(net["id"], project_id=project_id)
    assert port["security_groups"] == [_default(member)["id"]]
    admins_own = _group(admin)
    r = admin.post("/v2.0/ports", {"port": {"network_id": net["id"], "project_id": project_id,
                                            "security_groups": [admins_own["id"]]}})
    assert r.status == 404 and r.error_type == "SecurityGroupNotFound"


def test_port_without_port_security_cannot_have_groups(member, net, web):
    r = member.post("/v2.0/ports", {"port": {"network_id": net["id"],
                                             "port_security_enabled": False,
                                             "security_groups": [web["id"]]}})
    assert r.status == 409 and r.error_type == "PortSecurityAndIPRequiredForSecurityGroups"
    port = member.port(net["id"], port_security_enabled=False)
    assert port["security_groups"] == []
    r = member.put(f"/v2.0/ports/{port['id']}", {"port": {"security_groups": [web["id"]]}})
    assert r.status == 409 and r.error_type == "PortSecurityAndIPRequiredForSecurityGroups"


def test_port_on_a_network_without_port_security_gets_no_groups(member):
    net = member.network(port_security_enabled=False)
    assert member.port(net["id"])["security_groups"] == []


def test_disabling_port_security_needs_the_groups_removed(member, net, web):
    port = member.port(net["id"], security_groups=[web["id"]])
    r = member.put(f"/v2.0/ports/{port['id']}", {"port": {"port_security_enabled": False}})
    assert r.status == 409 and r.error_type == "PortSecurityPortHasSecurityGroup"
    assert member.show("ports", port["id"])["port_security_enabled"] is True
    r = member.put(f"/v2.0/ports/{port['id']}", {"port": {"port_security_enabled": False,
                                                          "security_groups": []}})
    assert r.status == 200
    assert (r.json["port"]["port_security_enabled"], r.json["port"]["security_groups"]) == (
        False, [])


@pytest.mark.parametrize("owner", ["network:dhcp", "network:router_interface"])
def test_service_ports_get_no_groups(admin, owner):
    net = admin.network()
    assert admin.port(net["id"], device_owner=owner)["security_groups"] == []
    sg = _group(admin)
    assert admin.port(net["id"], device_owner=owner,
                      security_groups=[sg["id"]])["security_groups"] == []


def test_ports_filter_by_security_group(member, net, web):
    db = _group(member, name="db")
    in_web = member.port(net["id"], security_groups=[web["id"]])
    in_db = member.port(net["id"], security_groups=[db["id"]])
    member.port(net["id"], security_groups=[])

    def ids(*groups):
        r = member.get("/v2.0/ports", params={"security_groups": list(groups)})
        assert r.status == 200, r
        return {p["id"] for p in r.json["ports"]}
    assert ids(web["id"]) == {in_web["id"]}
    assert ids(web["id"], db["id"]) == {in_web["id"], in_db["id"]}
    assert member.get("/v2.0/ports", params={"security_groups": "nope"}).status == 400


def test_deleting_a_port_releases_its_groups(member, net, web):
    port = member.port(net["id"], security_groups=[web["id"]])
    assert member.delete(f"/v2.0/ports/{port['id']}").status == 204
    assert member.delete(f"{SG}/{web['id']}").status == 204


def test_port_list_renders_groups_with_fields(member, net, web):
    member.port(net["id"], security_groups=[web["id"]])
    r = member.get("/v2.0/ports", params={"fields": ["id", "security_groups"]})
    assert [sorted(p) for p in r.json["ports"]] == [["id", "security_groups"]]
    assert r.json["ports"][0]["security_groups"] == [web["id"]]


# ---- openstacksdk and the openstack CLI ------------------------------------------------------
def test_sdk_security_group_lifecycle(sdk):
    group = sdk.network.create_security_group(name=_name("sdk"), description="from sdk")
    assert {(r["direction"], r["ethertype"]) for r in group.security_group_rules} == {
        ("egress", "IPv4"), ("egress", "IPv6")}
    listed = {g.name for g in sdk.network.security_groups(project_id=group.project_id)}
    assert {"default", group.name} <= listed
    assert sdk.network.find_security_group(group.name, ignore_missing=False).id == group.id
    updated = sdk.network.update_security_group(group, description="changed", stateful=False)
    assert updated.description == "changed" and updated.stateful is False
    with pytest.raises(sdk_exc.ConflictException):
        sdk.network.create_security_group(name="default")
    sdk.network.delete_security_group(group, ignore_missing=False)
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.network.get_security_group(group.id)


def test_sdk_security_group_rules(sdk):
    group = sdk.network.create_security_group(name=_name("sdkr"))
    rule = sdk.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", ether_type="IPv4", protocol="tcp",
        port_range_min=22, port_range_max=22, remote_ip_prefix="198.51.100.7/24")
    assert (rule.protocol, rule.port_range_min, rule.port_range_max) == ("tcp", 22, 22)
    assert rule.remote_ip_prefix == "198.51.100.7/24"
    with pytest.raises(sdk_exc.ConflictException):
        sdk.network.create_security_group_rule(
            security_group_id=group.id, direction="ingress", ether_type="IPv4", protocol="6",
            port_range_min=22, port_range_max=22, remote_ip_prefix="198.51.100.7/24")
    bulk = list(sdk.network.create_security_group_rules([
        {"security_group_id": group.id, "direction": "ingress", "protocol": "udp",
         "port_range_min": 53, "port_range_max": 53},
        {"security_group_id": group.id, "direction": "ingress", "ether_type": "IPv6",
         "protocol": "icmp"}]))
    assert [r.protocol for r in bulk] == ["udp", "ipv6-icmp"]
    ingress = {r.id for r in sdk.network.security_group_rules(security_group_id=group.id,
                                                               direction="ingress")}
    assert ingress == {rule.id, *(r.id for r in bulk)}
    sdk.network.delete_security_group_rule(rule, ignore_missing=False)
    assert rule.id not in {r.id for r in sdk.network.security_group_rules(
        security_group_id=group.id)}


def test_sdk_port_security_groups(sdk):
    net = sdk.network.create_network(name=_name("sgnet"))
    group = sdk.network.create_security_group(name=_name("sgp"))
    port = sdk.network.create_port(network_id=net.id, security_group_ids=[group.id])
    assert port.security_group_ids == [group.id]
    assert [p.id for p in sdk.network.ports(security_group_ids=[group.id])] == [port.id]
    port = sdk.network.update_port(port, security_group_ids=[])
    assert port.security_group_ids == []


def test_cli_security_group_rule_create_with_dst_port(server, tmp_path):
    clouds = tmp_path / ".config" / "openstack" / "clouds.yaml"
    clouds.parent.mkdir(parents=True)
    clouds.write_text(yaml.safe_dump({"clouds": {"neutrino": {
        "auth_type": "none", "auth": {"endpoint": server.url},
        "network_endpoint_override": server.url + "/"}}}))
    env = {**os.environ, "HOME": str(tmp_path)}
    env.pop("OS_CLIENT_CONFIG_FILE", None)
    cli = os.path.join(os.path.dirname(sys.executable), "openstack")

    def openstack(*args: str) -> dict:
        out = subprocess.run([cli, "--os-cloud", "neutrino", *args, "-f", "json"], env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return json.loads(out.stdout)

    name = _name("cli")
    group = openstack("security", "group", "create", name)
    rule = openstack("security", "group", "rule", "create", "--protocol", "tcp",
                     "--dst-port", "22", name)
    shown = Client(server.url).show("security-group-rules", rule["id"])
    assert shown["security_group_id"] == group["id"]
    assert (shown["direction"], shown["ethertype"], shown["protocol"]) == ("ingress", "IPv4", "tcp")
    assert (shown["port_range_min"], shown["port_range_max"]) == (22, 22)
    assert shown["remote_ip_prefix"] == "0.0.0.0/0"
