"""Security group requests Neutron refuses: a group twice on a port, stateful and
stateless groups together on a port, a group whose starting rules exceed the rule
quota, and a rule whose remote group does not exist."""
import uuid

import pytest

SG = "/v2.0/security-groups"
RULES = "/v2.0/security-group-rules"


def _group(client, **attrs) -> dict:
    attrs.setdefault("name", "sg-" + uuid.uuid4().hex[:8])
    return client.create("security-groups", "security_group", **attrs)


@pytest.fixture
def net(member):
    net = member.network()
    member.subnet(net["id"], "10.0.0.0/24")
    return net


# ---- the groups of a port ---------------------------------------------------------------
def test_same_group_twice_on_a_port_is_a_bad_request(member, net):
    group = _group(member)
    r = member.post("/v2.0/ports", {"port": {"network_id": net["id"],
                                             "security_groups": [group["id"], group["id"]]}})
    assert r.status == 400, r
    assert "security_groups" in r.error_message and "Duplicate" in r.error_message
    assert member.get("/v2.0/ports", params={"network_id": net["id"]}).json["ports"] == []


def test_same_group_twice_in_a_port_update_is_a_bad_request(member, net):
    group = _group(member)
    port = member.port(net["id"])
    r = member.put(f"/v2.0/ports/{port['id']}",
                   {"port": {"security_groups": [group["id"], group["id"]]}})
    assert r.status == 400, r
    assert member.show("ports", port["id"])["security_groups"] == port["security_groups"]


def test_stateful_and_stateless_groups_on_one_port_are_a_conflict(member, net):
    stateful, stateless = _group(member), _group(member, stateful=False)
    r = member.post("/v2.0/ports", {"port": {"network_id": net["id"],
                                             "security_groups": [stateful["id"], stateless["id"]]}})
    assert r.status == 409, r
    assert r.error_type == "SecurityGroupConflict"
    assert "both stateful and stateless" in r.error_message
    assert member.get("/v2.0/ports", params={"network_id": net["id"]}).json["ports"] == []


@pytest.mark.parametrize("first_stateful", [True, False])
def test_adding_a_group_of_the_other_kind_to_a_port_is_a_conflict(member, net, first_stateful):
    first, other = _group(member, stateful=first_stateful), _group(member, stateful=not first_stateful)
    port = member.port(net["id"], security_groups=[first["id"]])
    r = member.put(f"/v2.0/ports/{port['id']}",
                   {"port": {"security_groups": [first["id"], other["id"]]}})
    assert r.status == 409 and r.error_type == "SecurityGroupConflict", r
    assert member.show("ports", port["id"])["security_groups"] == [first["id"]]


def test_groups_of_one_kind_together_on_a_port_are_fine(member, net):
    a, b = _group(member, stateful=False), _group(member, stateful=False)
    port = member.port(net["id"], security_groups=[a["id"], b["id"]])
    assert sorted(port["security_groups"]) == sorted([a["id"], b["id"]])


# ---- the rule quota ---------------------------------------------------------------------
def test_group_whose_starting_rules_exceed_the_rule_quota_is_refused(admin, member, project_id):
    _group(member)  # the default group and this one exist, with their rules
    used = len(member.get(RULES).json["security_group_rules"])
    r = admin.put(f"/v2.0/quotas/{project_id}", {"quota": {"security_group_rule": used + 1}})
    assert r.status == 200, r
    groups = member.get(SG).json["security_groups"]
    r = member.post(SG, {"security_group": {"name": "does-not-fit"}})
    assert r.status == 409, r
    assert r.error_type == "OverQuota" and "security_group_rule" in r.error_message
    assert member.get(SG).json["security_groups"] == groups
    assert len(member.get(RULES).json["security_group_rules"]) == used


# ---- remote groups ------------------------------------------------------------------------
@pytest.mark.parametrize("remote", ["bad_group_id", "0d6f1a2e-54b3-4c1e-9a57-3f0c2b7d9e41"])
def test_rule_naming_a_remote_group_that_does_not_exist_is_not_found(member, remote):
    group = _group(member)
    r = member.post(RULES, {"security_group_rule": {
        "security_group_id": group["id"], "direction": "ingress", "protocol": "tcp",
        "remote_group_id": remote}})
    assert r.status == 404, r
    assert r.error_type == "SecurityGroupNotFound" and remote in r.error_message
    assert member.show("security-groups", group["id"])["security_group_rules"] == \
        group["security_group_rules"]


def test_rule_naming_a_remote_group_in_another_uuid_spelling_finds_it(member):
    group, remote = _group(member), _group(member)
    rule = member.create("security-group-rules", "security_group_rule",
                         security_group_id=group["id"], direction="ingress",
                         remote_group_id=remote["id"].upper())
    assert rule["remote_group_id"] == remote["id"]
