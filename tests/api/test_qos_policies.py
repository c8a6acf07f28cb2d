"""QoS policies over HTTP (qos, qos-default, rbac sharing of qos_policy): create,
show, list, update, delete; one default per project; in use; visibility."""
from __future__ import annotations

import uuid

import pytest

P = "qos/policies"


def _name(prefix: str = "qp") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def policy(client, **attrs) -> dict:
    attrs.setdefault("name", _name())
    return client.create(P, "policy", **attrs)


def test_qos_extensions_are_advertised(admin):
    aliases = {e["alias"] for e in admin.get("/v2.0/extensions").json["extensions"]}
    assert {"qos", "qos-default", "qos-fip", "qos-port-network-policy", "qos-bw-limit-direction",
            "qos-bw-minimum-ingress", "qos-rule-type-details", "qos-rule-type-filter",
            "qos-rules-alias", "qos-pps", "qos-pps-minimum", "qos-pps-minimum-rule-alias",
            "port-resource-request", "port-resource-request-groups"} <= aliases


def test_policy_create_shows_every_attribute(admin):
    p = policy(admin, description="gold")
    assert p["description"] == "gold" and p["shared"] is False and p["is_default"] is False
    assert p["rules"] == [] and p["revision_number"] == 0 and p["tags"] == []
    assert {"id", "name", "project_id", "tenant_id", "created_at", "updated_at"} <= set(p)
    assert admin.show(P, p["id"]) == p


def test_policy_update_changes_name_description_and_bumps_revision(admin):
    p = policy(admin)
    r = admin.put(f"/v2.0/{P}/{p['id']}", {"policy": {"name": "new", "description": "d2"}})
    assert r.status == 200, r
    got = r.json["policy"]
    assert got["name"] == "new" and got["description"] == "d2"
    assert got["revision_number"] == p["revision_number"] + 1


def test_policy_list_filters_by_name(admin):
    a, b = policy(admin), policy(admin)
    listed = admin.get(f"/v2.0/{P}", params={"name": a["name"]}).json["policies"]
    assert [x["id"] for x in listed] == [a["id"]] and b["id"] != a["id"]


def test_policy_delete_then_show_is_404(admin):
    p = policy(admin)
    assert admin.delete(f"/v2.0/{P}/{p['id']}").status == 204
    r = admin.get(f"/v2.0/{P}/{p['id']}")
    assert r.status == 404 and r.error_type == "QosPolicyNotFound"


@pytest.mark.parametrize("body,word", [
    ({"name": "x" * 256}, "name"),
    ({"description": "x" * 256}, "description"),
    ({"shared": "maybe"}, "shared"),
    ({"is_default": "perhaps"}, "is_default"),
    ({"rules": []}, "rules"),
    ({"colour": "red"}, "colour"),
    ({"project_id": "x" * 256}, "project_id"),
])
def test_policy_create_rejects_bad_input(admin, body, word):
    before = admin.get(f"/v2.0/{P}").json["policies"]
    r = admin.post(f"/v2.0/{P}", {"policy": body})
    assert r.status == 400, r
    assert word in r.error_message
    assert admin.get(f"/v2.0/{P}").json["policies"] == before


def test_policy_writes_are_for_admins(admin, member, project_id):
    r = member.post(f"/v2.0/{P}", {"policy": {"name": "mine"}})
    assert r.status == 403, r
    own = policy(admin, project_id=project_id)
    assert member.put(f"/v2.0/{P}/{own['id']}", {"policy": {"name": "x"}}).status == 403
    assert member.delete(f"/v2.0/{P}/{own['id']}").status == 403
    assert member.show(P, own["id"])["id"] == own["id"]


def test_foreign_private_policy_is_404_to_a_project(admin, member):
    other = policy(admin, project_id=uuid.uuid4().hex)
    assert member.get(f"/v2.0/{P}/{other['id']}").status == 404
    assert member.put(f"/v2.0/{P}/{other['id']}", {"policy": {"name": "x"}}).status == 404
    assert other["id"] not in {p["id"] for p in member.get(f"/v2.0/{P}").json["policies"]}


def test_shared_policy_is_seen_by_every_project_and_unshared_again(admin, member):
    p = policy(admin, project_id=uuid.uuid4().hex, shared=True)
    assert p["shared"] is True
    assert member.show(P, p["id"])["shared"] is True
    rbac = admin.get("/v2.0/rbac-policies", params={"object_id": p["id"]}).json["rbac_policies"]
    assert [(r["object_type"], r["action"], r["target_tenant"]) for r in rbac] == [
        ("qos_policy", "access_as_shared", "*")]
    r = admin.put(f"/v2.0/{P}/{p['id']}", {"policy": {"shared": False}})
    assert r.status == 200 and r.json["policy"]["shared"] is False
    assert member.get(f"/v2.0/{P}/{p['id']}").status == 404


def test_rbac_grant_to_one_project_makes_the_policy_shared_to_it(admin, member, project_id):
    p = policy(admin, project_id=uuid.uuid4().hex)
    assert member.get(f"/v2.0/{P}/{p['id']}").status == 404
    r = admin.post("/v2.0/rbac-policies", {"rbac_policy": {
        "object_type": "qos_policy", "object_id": p["id"], "action": "access_as_shared",
        "target_tenant": project_id}})
    assert r.status == 201, r
    assert member.show(P, p["id"])["shared"] is True
    assert admin.show(P, p["id"])["shared"] is False


def test_unsharing_a_policy_a_network_uses_is_409(admin):
    p = policy(admin, shared=True)
    net = admin.network(qos_policy_id=p["id"])
    r = admin.put(f"/v2.0/{P}/{p['id']}", {"policy": {"shared": False}})
    assert r.status == 409, r
    assert admin.delete(f"/v2.0/networks/{net['id']}").status == 204
    assert admin.put(f"/v2.0/{P}/{p['id']}", {"policy": {"shared": False}}).status == 200


def test_rbac_grant_cannot_go_while_a_network_relies_on_it(admin, member, project_id):
    p = policy(admin, project_id=uuid.uuid4().hex)
    grant = admin.create("rbac-policies", "rbac_policy", object_type="qos_policy",
                         object_id=p["id"], action="access_as_shared", target_tenant=project_id)
    net = member.network(qos_policy_id=p["id"])
    assert net["qos_policy_id"] == p["id"]
    r = admin.delete(f"/v2.0/rbac-policies/{grant['id']}")
    assert r.status == 409 and r.error_type == "RbacPolicyInUse"
    wildcard = admin.create("rbac-policies", "rbac_policy", object_type="qos_policy",
                            object_id=p["id"], action="access_as_shared", target_tenant="*")
    assert admin.delete(f"/v2.0/rbac-policies/{grant['id']}").status == 204
    # As in Neutron, retargeting the last grant counts as taking it away.
    r = admin.put(f"/v2.0/rbac-policies/{wildcard['id']}",
                  {"rbac_policy": {"target_tenant": project_id}})
    assert r.status == 409 and r.error_type == "RbacPolicyInUse", r


def test_one_default_policy_per_project(admin, project_id):
    first = policy(admin, project_id=project_id, is_default=True)
    assert first["is_default"] is True
    r = admin.post(f"/v2.0/{P}", {"policy": {"project_id": project_id, "is_default": True}})
    assert r.status == 409 and r.error_type == "QoSPolicyDefaultAlreadyExists"
    second = policy(admin, project_id=project_id)
    r = admin.put(f"/v2.0/{P}/{second['id']}", {"policy": {"is_default": True}})
    assert r.status == 409 and r.error_type == "QoSPolicyDefaultAlreadyExists"
    assert admin.put(f"/v2.0/{P}/{first['id']}", {"policy": {"is_default": False}}).status == 200
    assert admin.put(f"/v2.0/{P}/{second['id']}", {"policy": {"is_default": True}}).status == 200


def test_default_policy_goes_to_new_networks_without_one(admin, member, project_id):
    default = policy(admin, project_id=project_id, is_default=True)
    other = policy(admin, project_id=project_id)
    assert member.network()["qos_policy_id"] == default["id"]
    assert member.network(qos_policy_id=other["id"])["qos_policy_id"] == other["id"]
    # Another project's networks are not touched by it.
    assert admin.network()["qos_policy_id"] is None


@pytest.mark.parametrize("user", ["port", "network"])
def test_policy_in_use_cannot_be_deleted(admin, user):
    p = policy(admin)
    net = admin.network(**({"qos_policy_id": p["id"]} if user == "network" else {}))
    if user == "port":
        admin.port(net["id"], qos_policy_id=p["id"])
    r = admin.delete(f"/v2.0/{P}/{p['id']}")
    assert r.status == 409 and r.error_type == "QosPolicyInUse", r
    assert user in r.error_message
    assert admin.show(P, p["id"])["id"] == p["id"]


def test_policy_tags(admin):
    p = policy(admin)
    r = admin.put(f"/v2.0/{P}/{p['id']}/tags", {"tags": ["a", "b"]})
    assert r.status == 200, r
    listed = admin.get(f"/v2.0/{P}", params={"tags": "a"}).json["policies"]
    assert [x["id"] for x in listed] == [p["id"]]
    # Neutron's clients (Tempest) name the collection without its qos/ prefix.
    r = admin.put(f"/v2.0/policies/{p['id']}/tags/c")
    assert r.status == 201, r
    assert admin.get(f"/v2.0/policies/{p['id']}/tags").json["tags"] == ["a", "b", "c"]
