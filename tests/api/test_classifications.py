"""The classification framework over HTTP (classifications): classifications,
classification groups and classification types; DSCP marking rules of QoS naming
a group. Every refusal with Neutron's error type and nothing stored; members
frozen; nothing deleted while used; sharing."""
from __future__ import annotations

import uuid

import pytest

from tests.support.client import Client

CLS = "/v2.0/classifications"
GROUPS = "/v2.0/classification_groups"
TYPES = "/v2.0/classification_types"
POLICIES = "/v2.0/qos/policies"


def classification(client: Client, c_type: str = "tcp", **attrs) -> dict:
    attrs.setdefault("name", "c-" + uuid.uuid4().hex[:6])
    attrs.setdefault("definition", {"dst_port_min": 80, "dst_port_max": 80} if c_type == "tcp"
                     else {})
    r = client.post(CLS, {"classification": {"type": c_type, **attrs}})
    assert r.status == 201, r
    return r.json["classification"]


def group(client: Client, classifications=(), groups=(), **attrs) -> dict:
    attrs.setdefault("name", "g-" + uuid.uuid4().hex[:6])
    r = client.post(GROUPS, {"classification_group": {
        "classifications": list(classifications), "classification_groups": list(groups), **attrs}})
    assert r.status == 201, r
    return r.json["classification_group"]


def ids(client: Client, path: str) -> list[str]:
    r = client.get(path)
    assert r.status == 200, r
    return sorted(item["id"] for item in next(iter(r.json.values())))


def refused(client: Client, path: str, key: str, body: dict, status: int, error_type: str) -> None:
    before = ids(client, path)
    r = client.post(path, {key: body})
    assert (r.status, r.error_type) == (status, error_type), r
    assert ids(client, path) == before


def policy(admin: Client) -> dict:
    r = admin.post(POLICIES, {"policy": {"name": "p-" + uuid.uuid4().hex[:6]}})
    assert r.status == 201, r
    return r.json["policy"]


def dscp_rule(admin: Client, policy_id: str, **attrs):
    return admin.post(f"{POLICIES}/{policy_id}/dscp_marking_rules",
                      {"dscp_marking_rule": {"dscp_mark": 26, **attrs}})


def test_advertised_with_its_types(admin):
    aliases = {e["alias"] for e in admin.get("/v2.0/extensions").json["extensions"]}
    assert "classifications" in aliases
    types = admin.get(TYPES).json["classification_types"]
    assert [t["type"] for t in types] == ["ethernet", "ipv4", "ipv6", "tcp", "udp"]
    tcp = admin.get(f"{TYPES}/tcp").json["classification_type"]
    assert "dst_port_min" in tcp["supported_parameters"]
    r = admin.get(f"{TYPES}/sctp")
    assert r.status == 404


def test_classification_crud_and_only_name_and_description_change(member):
    made = classification(member, "ipv4", definition={"src_addr": "10.1.0.7/16", "dscp": 10},
                          negated=True, description="d")
    assert made["type"] == "ipv4" and made["negated"] is True and made["shared"] is False
    assert made["definition"] == {"src_addr": "10.1.0.0/16", "dscp": 10}
    assert member.show("classifications", made["id"]) == made
    r = member.put(f"{CLS}/{made['id']}", {"classification": {"name": "renamed"}})
    assert r.status == 200 and r.json["classification"]["name"] == "renamed", r
    for frozen in ({"definition": {"dscp": 12}}, {"type": "ipv6"}, {"negated": False}):
        r = member.put(f"{CLS}/{made['id']}", {"classification": frozen})
        assert r.status == 400, r
    assert member.show("classifications", made["id"])["definition"]["dscp"] == 10
    assert ids(member, f"{CLS}?type=ipv4") == [made["id"]]
    assert member.delete(f"{CLS}/{made['id']}").status == 204
    r = member.get(f"{CLS}/{made['id']}")
    assert (r.status, r.error_type) == (404, "ClassificationNotFound")


# Checks of the body's shape are the API layer's (HTTPBadRequest, as Neutron's
# attribute validation); checks against the classification's type are the plugin's
# (InvalidInput).
@pytest.mark.parametrize(("body", "error"), [
    ({"type": "tcp", "definition": {"dst_port_min": 90, "dst_port_max": 80}}, "InvalidInput"),
    ({"type": "tcp", "definition": {"dscp": 10}}, "InvalidInput"),  # not a tcp field
    ({"type": "udp", "definition": {"dst_port_min": 70000}}, "InvalidInput"),
    ({"type": "ipv4", "definition": {"src_addr": "2001:db8::/64"}}, "InvalidInput"),
    ({"type": "ipv6", "definition": {"dst_addr": "10.0.0.0/8"}}, "InvalidInput"),
    ({"type": "ipv4", "definition": {"dscp": 64}}, "InvalidInput"),
    ({"type": "ipv4", "definition": {"dscp_mask": 7}}, "InvalidInput"),  # mask without value
    ({"type": "ethernet", "definition": {"src_addr": "not-a-mac"}}, "InvalidInput"),
    ({"type": "ethernet", "definition": {"ethertype": -1}}, "InvalidInput"),
    ({"type": "icmp", "definition": {}}, "HTTPBadRequest"),  # unknown type
    ({"type": "tcp", "definition": {"bogus": 1}}, "HTTPBadRequest"),  # no type has it
    ({"type": "tcp", "definition": "tcp:80"}, "HTTPBadRequest"),
    ({"definition": {}}, "HTTPBadRequest"),  # type required
    ({"type": "tcp", "negated": "yes please"}, "HTTPBadRequest"),
])
def test_bad_classifications_are_400_and_store_nothing(member, body, error):
    refused(member, CLS, "classification", body, 400, error)


def test_groups_hold_classifications_and_groups_and_are_frozen(member):
    web = classification(member, "tcp")
    net = classification(member, "ipv4", definition={"dst_addr": "10.0.0.0/8"})
    inner = group(member, [web["id"]])
    outer = group(member, [net["id"]], [inner["id"]], operator="or")
    assert outer["operator"] == "OR"
    assert outer["classifications"] == [net["id"]]
    assert outer["classification_groups"] == [inner["id"]]
    r = member.put(f"{GROUPS}/{outer['id']}", {"classification_group": {"description": "x"}})
    assert r.status == 200, r
    for frozen in ({"classifications": []}, {"operator": "AND"}, {"classification_groups": []}):
        r = member.put(f"{GROUPS}/{outer['id']}", {"classification_group": frozen})
        assert r.status == 400, r
    assert member.show("classification_groups", outer["id"])["classifications"] == [net["id"]]


def test_bad_groups_are_refused_and_store_nothing(member, admin):
    mine = classification(member)
    refused(member, GROUPS, "classification_group",
            {"classifications": [str(uuid.uuid4())]}, 404, "ClassificationNotFound")
    refused(member, GROUPS, "classification_group",
            {"classification_groups": [str(uuid.uuid4())]}, 404, "ClassificationGroupNotFound")
    refused(member, GROUPS, "classification_group",
            {"classifications": [mine["id"]], "operator": "XOR"}, 400, "HTTPBadRequest")
    refused(member, GROUPS, "classification_group", {"classifications": ["nope"]}, 400,
            "HTTPBadRequest")
    # Another project's private classification is not found for this one.
    other = classification(admin.as_project(uuid.uuid4().hex))
    refused(member, GROUPS, "classification_group", {"classifications": [other["id"]]}, 404,
            "ClassificationNotFound")
    # A shared group holds only shared members.
    refused(admin, GROUPS, "classification_group",
            {"classifications": [mine["id"]], "shared": True}, 400, "InvalidInput")


def test_nothing_is_deleted_while_used(member):
    web = classification(member)
    inner = group(member, [web["id"]])
    outer = group(member, [], [inner["id"]])
    r = member.delete(f"{CLS}/{web['id']}")
    assert (r.status, r.error_type) == (409, "ClassificationInUse"), r
    r = member.delete(f"{GROUPS}/{inner['id']}")
    assert (r.status, r.error_type) == (409, "ClassificationGroupInUse"), r
    assert ids(member, GROUPS) == sorted([inner["id"], outer["id"]])
    assert member.delete(f"{GROUPS}/{outer['id']}").status == 204
    assert member.delete(f"{GROUPS}/{inner['id']}").status == 204
    assert member.delete(f"{CLS}/{web['id']}").status == 204


def test_shared_ones_are_seen_and_used_by_other_projects_but_only_admins_share(admin, member):
    r = member.post(CLS, {"classification": {"type": "udp", "shared": True}})
    assert r.status == 403, r
    shared = classification(admin, "udp", definition={"dst_port_min": 53}, shared=True)
    private = classification(admin, "udp")
    assert shared["id"] in ids(member, CLS) and private["id"] not in ids(member, CLS)
    mine = group(member, [shared["id"]])
    assert mine["classifications"] == [shared["id"]]
    r = member.delete(f"{CLS}/{shared['id']}")
    assert r.status in (403, 404), r
    assert admin.show("classifications", shared["id"])["shared"] is True


def test_dscp_rules_mark_per_group_and_refuse_unknown_groups(admin):
    web = classification(admin)
    cg = group(admin, [web["id"]])
    p = policy(admin)
    plain = dscp_rule(admin, p["id"])
    assert plain.status == 201, plain
    assert plain.json["dscp_marking_rule"]["classification_group_id"] is None
    assert plain.json["dscp_marking_rule"]["classification_priority"] == 0
    # One more per group: the unclassified rule and a classified one coexist.
    r = dscp_rule(admin, p["id"], dscp_mark=46, classification_group_id=cg["id"],
                  classification_priority=10)
    assert r.status == 201, r
    classified = r.json["dscp_marking_rule"]
    assert (classified["classification_group_id"], classified["classification_priority"]) == \
        (cg["id"], 10)
    rules = admin.show("qos/policies", p["id"])["rules"]
    assert sorted((x["dscp_mark"], x["classification_group_id"]) for x in rules) == \
        [(26, None), (46, cg["id"])]
    path = f"{POLICIES}/{p['id']}/dscp_marking_rules"
    for body, status, error in (
            ({"classification_group_id": cg["id"]}, 409, "NeutronDbObjectDuplicateEntry"),
            ({}, 409, "NeutronDbObjectDuplicateEntry"),
            ({"classification_group_id": str(uuid.uuid4())}, 404, "ClassificationGroupNotFound"),
            ({"classification_group_id": "x"}, 400, "HTTPBadRequest"),
            ({"classification_group_id": cg["id"], "classification_priority": 1001}, 400,
             "HTTPBadRequest")):
        r = admin.post(path, {"dscp_marking_rule": {"dscp_mark": 10, **body}})
        assert (r.status, r.error_type) == (status, error), (body, r)
    assert len(admin.get(path).json["dscp_marking_rules"]) == 2
    # Changing a rule to an unknown group: 404 and the rule unchanged.
    r = admin.put(f"{path}/{classified['id']}",
                  {"dscp_marking_rule": {"classification_group_id": str(uuid.uuid4())}})
    assert (r.status, r.error_type) == (404, "ClassificationGroupNotFound"), r
    assert admin.show(f"qos/policies/{p['id']}/dscp_marking_rules",
                      classified["id"])["classification_group_id"] == cg["id"]
    # Through the alias path too.
    r = admin.get(f"/v2.0/qos/alias_dscp_marking_rules/{classified['id']}")
    assert r.json["alias_dscp_marking_rule"]["classification_group_id"] == cg["id"], r
    # The group cannot go while the rule names it; once the rule goes, it can.
    r = admin.delete(f"{GROUPS}/{cg['id']}")
    assert (r.status, r.error_type) == (409, "ClassificationGroupInUse"), r
    assert admin.delete(f"{path}/{classified['id']}").status == 204
    assert admin.delete(f"{GROUPS}/{cg['id']}").status == 204


def test_openapi_documents_the_resources_and_the_rule_attribute(admin):
    doc = admin.get("/openapi.json").json
    assert "/v2.0/classifications" in doc["paths"]
    assert "/v2.0/classification_groups/{classification_group_id}" in doc["paths"] or any(
        p.startswith("/v2.0/classification_groups/") for p in doc["paths"])
    text = str(doc)
    assert "classification_group_id" in text and "dst_port_min" in text


def test_a_limit_beyond_any_table_lists_everything(member):
    """Found by the fuzzer on this collection: a limit past 64 bits was a 500."""
    made = group(member)
    r = member.get(GROUPS, params={"limit": str(10**22)})
    assert r.status == 200, r
    assert [g["id"] for g in r.json["classification_groups"]] == [made["id"]]
