"""RBAC policies: sharing networks with one project or all, external networks, what
each project sees, ports on shared networks, policies in use, and the `shared` /
`router:external` flags as views of the policies."""
import uuid

import pytest
from openstack import exceptions as sdk_exc

from tests.support.client import Client

SHARED, EXTERNAL = "access_as_shared", "access_as_external"


@pytest.fixture
def owner(admin) -> Client:
    return admin.as_project(uuid.uuid4().hex)


@pytest.fixture
def target(admin) -> Client:
    return admin.as_project(uuid.uuid4().hex)


@pytest.fixture
def other(admin) -> Client:
    return admin.as_project(uuid.uuid4().hex)


def project(client: Client) -> str:
    return client.session.headers["X-Project-Id"]


def policy(client: Client, net_id: str, target_project: str, action: str = SHARED,
           **extra) -> dict:
    return client.create("rbac-policies", "rbac_policy", object_type="network",
                         object_id=net_id, action=action, target_tenant=target_project, **extra)


def ids(client: Client, collection: str, **params) -> set[str]:
    r = client.get(f"/v2.0/{collection}", params=params)
    assert r.status == 200, r
    return {item["id"] for item in r.json[collection.replace("-", "_")]}


def policies_of(admin: Client, net_id: str, **params) -> list[dict]:
    return admin.get("/v2.0/rbac-policies",
                     params={"object_id": net_id, **params}).json["rbac_policies"]


# ---- the resource ------------------------------------------------------------------
def test_rbac_policy_create_show_list_delete(owner, target):
    net = owner.network()
    pol = policy(owner, net["id"], project(target))
    assert pol == {"id": pol["id"], "object_type": "network", "object_id": net["id"],
                   "action": SHARED, "target_tenant": project(target),
                   "project_id": project(owner), "tenant_id": project(owner)}
    assert owner.show("rbac-policies", pol["id"]) == pol
    assert owner.get("/v2.0/rbac-policies").json["rbac_policies"] == [pol]
    assert owner.delete(f"/v2.0/rbac-policies/{pol['id']}").status == 204
    r = owner.get(f"/v2.0/rbac-policies/{pol['id']}")
    assert r.status == 404 and r.error_type == "RbacPolicyNotFound"


def test_rbac_policy_is_visible_only_to_its_owner_and_admin(admin, owner, target):
    net = owner.network()
    pol = policy(owner, net["id"], project(target))
    assert target.get(f"/v2.0/rbac-policies/{pol['id']}").status == 404
    assert target.get("/v2.0/rbac-policies").json["rbac_policies"] == []
    assert target.delete(f"/v2.0/rbac-policies/{pol['id']}").status == 404
    assert admin.show("rbac-policies", pol["id"])["id"] == pol["id"]


def test_rbac_policy_bulk_create(owner, target, other):
    net = owner.network()
    r = owner.post("/v2.0/rbac-policies", {"rbac_policies": [
        {"object_type": "network", "object_id": net["id"], "action": SHARED,
         "target_tenant": project(t)} for t in (target, other)]})
    assert r.status == 201
    assert {p["target_tenant"] for p in r.json["rbac_policies"]} == {project(target),
                                                                     project(other)}
    assert net["id"] in ids(target, "networks") and net["id"] in ids(other, "networks")


def test_rbac_policy_list_filters_and_sorting(owner, target, other):
    net, net2 = owner.network(), owner.network()
    a = policy(owner, net["id"], project(target))
    b = policy(owner, net["id"], project(other))
    c = policy(owner, net2["id"], project(other))
    assert ids(owner, "rbac-policies", object_id=net["id"]) == {a["id"], b["id"]}
    assert ids(owner, "rbac-policies", target_tenant=project(other)) == {b["id"], c["id"]}
    assert ids(owner, "rbac-policies", action=SHARED, object_type="network",
               project_id=project(owner), id=a["id"]) == {a["id"]}
    assert ids(owner, "rbac-policies", action=EXTERNAL) == set()
    r = owner.get("/v2.0/rbac-policies", params={"object_id": net["id"],
                                                 "sort_key": "target_tenant", "sort_dir": "desc"})
    assert [p["target_tenant"] for p in r.json["rbac_policies"]] == sorted(
        [project(target), project(other)], reverse=True)
    r = owner.get("/v2.0/rbac-policies", params={"fields": ["id", "action"]})
    assert all(set(p) == {"id", "action"} for p in r.json["rbac_policies"])


def test_rbac_policy_unknown_filter_is_400(owner):
    r = owner.get("/v2.0/rbac-policies", params={"shared": "true"})
    assert r.status == 400 and "shared" in r.error_message


@pytest.mark.parametrize("change, reason", [
    ({"object_type": "router"}, "object type"),
    ({"object_type": "address_group"}, "object type"),
    ({"action": "access_as_readonly"}, "access_as_readonly"),
    ({"object_id": "not-a-uuid"}, "object_id"),
    ({"target_tenant": None}, "target_tenant"),
    ({"target_tenant": ""}, "target_tenant"),
    ({"target_tenant": "x" * 256}, "target_tenant"),
    ({"colour": "blue"}, "colour"),
])
def test_rbac_policy_create_with_bad_input_is_400_and_creates_nothing(owner, target, change,
                                                                      reason):
    net = owner.network()
    body = {"object_type": "network", "object_id": net["id"], "action": SHARED,
            "target_tenant": project(target), **change}
    r = owner.post("/v2.0/rbac-policies", {"rbac_policy": body})
    assert r.status == 400 and reason in r.error_message, r
    assert owner.get("/v2.0/rbac-policies").json["rbac_policies"] == []
    assert target.get(f"/v2.0/networks/{net['id']}").status == 404


@pytest.mark.parametrize("missing", ["object_type", "object_id", "action", "target_tenant"])
def test_rbac_policy_create_without_required_attribute_is_400(owner, target, missing):
    net = owner.network()
    body = {"object_type": "network", "object_id": net["id"], "action": SHARED,
            "target_tenant": project(target)}
    del body[missing]
    r = owner.post("/v2.0/rbac-policies", {"rbac_policy": body})
    assert r.status == 400 and missing in r.error_message


def test_rbac_policy_wrong_action_for_type_names_the_valid_ones(owner, target):
    net = owner.network()
    r = owner.post("/v2.0/rbac-policies", {"rbac_policy": {
        "object_type": "network", "object_id": net["id"], "action": "access_as_readonly",
        "target_tenant": project(target)}})
    assert r.status == 400 and r.error_type == "InvalidActionForType"
    assert SHARED in r.error_message and EXTERNAL in r.error_message


def test_rbac_policy_object_type_is_case_insensitive(owner, target):
    net = owner.network()
    pol = owner.create("rbac-policies", "rbac_policy", object_type="Network",
                       object_id=net["id"], action=SHARED, target_tenant=project(target))
    assert pol["object_type"] == "network"


def test_rbac_policy_on_missing_or_invisible_network_is_404(admin, owner, target):
    for net_id in (str(uuid.uuid4()), admin.network(project_id=uuid.uuid4().hex)["id"]):
        r = owner.post("/v2.0/rbac-policies", {"rbac_policy": {
            "object_type": "network", "object_id": net_id, "action": SHARED,
            "target_tenant": project(target)}})
        assert r.status == 404 and r.error_type == "NetworkNotFound"


def test_rbac_policy_on_network_only_shared_with_caller_is_400(owner, target, other):
    net = owner.network()
    policy(owner, net["id"], project(target))
    r = target.post("/v2.0/rbac-policies", {"rbac_policy": {
        "object_type": "network", "object_id": net["id"], "action": SHARED,
        "target_tenant": project(other)}})
    assert r.status == 400 and r.error_type == "InvalidInput" and "own" in r.error_message
    assert other.get(f"/v2.0/networks/{net['id']}").status == 404


def test_rbac_policy_duplicate_is_409(owner, target):
    net = owner.network()
    policy(owner, net["id"], project(target))
    r = owner.post("/v2.0/rbac-policies", {"rbac_policy": {
        "object_type": "network", "object_id": net["id"], "action": SHARED,
        "target_tenant": project(target)}})
    assert r.status == 409 and r.error_type == "DuplicateRbacPolicy"
    assert len(owner.get("/v2.0/rbac-policies").json["rbac_policies"]) == 1


def test_rbac_policy_same_target_for_another_action_is_not_a_duplicate(admin, owner, target):
    net = owner.network()
    policy(owner, net["id"], project(target))
    policy(admin, net["id"], project(target), EXTERNAL)
    assert len(policies_of(admin, net["id"])) == 2


def test_wildcard_policy_by_member_is_403(owner):
    net = owner.network()
    for action in (SHARED, EXTERNAL):
        r = owner.post("/v2.0/rbac-policies", {"rbac_policy": {
            "object_type": "network", "object_id": net["id"], "action": action,
            "target_tenant": "*"}})
        assert r.status == 403 and "create_rbac_policy:target_tenant" in r.error_message
    assert owner.show("networks", net["id"])["shared"] is False


def test_admin_may_share_any_network_with_everyone(admin, owner, other):
    net = owner.network()
    assert policy(admin, net["id"], "*")["target_tenant"] == "*"
    assert other.show("networks", net["id"])["shared"] is True


# ---- what each project sees ----------------------------------------------------------
def test_network_shared_with_one_project_is_visible_to_it_alone(owner, target, other):
    net = owner.network()
    sub = owner.subnet(net["id"], "10.20.0.0/24")
    assert net["id"] not in ids(target, "networks")
    policy(owner, net["id"], project(target))
    assert net["id"] in ids(target, "networks")
    assert target.show("networks", net["id"])["id"] == net["id"]
    assert sub["id"] in ids(target, "subnets")
    assert target.show("subnets", sub["id"])["network_id"] == net["id"]
    assert net["id"] not in ids(other, "networks")
    assert other.get(f"/v2.0/networks/{net['id']}").status == 404
    assert other.get(f"/v2.0/subnets/{sub['id']}").status == 404
    assert sub["id"] not in ids(other, "subnets")


def test_shared_flag_is_true_for_the_target_project_only(owner, target, other):
    net = owner.network()
    policy(owner, net["id"], project(target))
    assert target.show("networks", net["id"])["shared"] is True
    assert owner.show("networks", net["id"])["shared"] is False
    assert [n["shared"] for n in target.get("/v2.0/networks", params={"id": net["id"]}
                                            ).json["networks"]] == [True]


def test_wildcard_shared_policy_shows_network_to_every_project_as_shared(admin, owner, other):
    net = owner.network()
    sub = owner.subnet(net["id"], "10.21.0.0/24")
    policy(admin, net["id"], "*")
    assert net["id"] in ids(other, "networks")
    assert sub["id"] in ids(other, "subnets")
    for client in (owner, other, admin):
        assert client.show("networks", net["id"])["shared"] is True


def test_shared_filter_agrees_with_what_the_caller_sees(admin, owner, target):
    private, to_target, to_all = owner.network(), owner.network(), owner.network()
    policy(owner, to_target["id"], project(target))
    policy(admin, to_all["id"], "*")
    mine = {private["id"], to_target["id"], to_all["id"]}
    assert ids(owner, "networks", shared="true") & mine == {to_all["id"]}
    assert ids(owner, "networks", shared="false") & mine == {private["id"], to_target["id"]}
    assert ids(target, "networks", shared="true") & mine == {to_target["id"], to_all["id"]}
    assert ids(target, "networks", shared="false") & mine == set()
    assert ids(admin, "networks", shared="true") & mine == {to_all["id"]}
    assert ids(admin, "networks", shared="false") & mine == {private["id"], to_target["id"]}


def test_subnet_shared_filter_follows_the_network(admin, owner, target):
    private, shared = owner.network(), owner.network()
    sub_private = owner.subnet(private["id"], "10.22.0.0/24")
    sub_shared = owner.subnet(shared["id"], "10.23.0.0/24")
    policy(owner, shared["id"], project(target))
    mine = {sub_private["id"], sub_shared["id"]}
    assert ids(target, "subnets", shared="true") & mine == {sub_shared["id"]}
    assert ids(target, "subnets", shared="false") & mine == set()
    assert ids(owner, "subnets", shared="true") & mine == set()
    assert ids(owner, "subnets", shared="false") & mine == mine


def test_admin_sees_all_networks_and_filters_by_project(admin, owner, target):
    a, b = owner.network(), target.network()
    assert {a["id"], b["id"]} <= ids(admin, "networks")
    assert ids(admin, "networks", project_id=project(owner)) == {a["id"]}
    assert ids(admin, "networks", tenant_id=project(target)) == {b["id"]}


def test_shared_network_is_read_only_to_the_projects_it_is_shared_with(owner, target):
    net = owner.network()
    policy(owner, net["id"], project(target))
    r = target.put(f"/v2.0/networks/{net['id']}", {"network": {"name": "mine now"}})
    assert r.status == 403 and r.error_type == "PolicyNotAuthorized"
    assert target.delete(f"/v2.0/networks/{net['id']}").status == 403
    assert target.put(f"/v2.0/networks/{net['id']}/tags/x").status == 403
    r = target.post("/v2.0/subnets", {"subnet": {"network_id": net["id"], "ip_version": 4,
                                                 "cidr": "10.24.0.0/24"}})
    assert r.status == 403
    assert owner.show("networks", net["id"])["name"] == net["name"]


def test_subnet_of_shared_network_is_read_only_to_the_target(owner, target):
    net = owner.network()
    sub = owner.subnet(net["id"], "10.25.0.0/24")
    policy(owner, net["id"], project(target))
    assert target.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"name": "x"}}).status == 403
    assert target.delete(f"/v2.0/subnets/{sub['id']}").status == 403


# ---- ports -------------------------------------------------------------------------
def test_project_creates_port_on_network_shared_with_it(owner, target):
    net = owner.network()
    owner.subnet(net["id"], "10.30.0.0/24")
    r = target.post("/v2.0/ports", {"port": {"network_id": net["id"]}})
    assert r.status == 404 and r.error_type == "NetworkNotFound"
    policy(owner, net["id"], project(target))
    port = target.port(net["id"])
    assert port["project_id"] == project(target) and len(port["fixed_ips"]) == 1
    assert port["id"] in ids(target, "ports")


def test_project_creates_port_on_network_shared_with_everyone(admin, owner, other):
    net = owner.network()
    policy(admin, net["id"], "*")
    assert other.port(net["id"])["project_id"] == project(other)


def test_port_on_external_network_not_shared_with_project_is_403(admin, owner, target):
    net = admin.network(**{"router:external": True}, project_id=project(owner))
    r = target.post("/v2.0/ports", {"port": {"network_id": net["id"]}})
    assert r.status == 403 and r.error_type == "PolicyNotAuthorized"
    assert "external" in r.error_message
    assert owner.port(net["id"])["network_id"] == net["id"]
    assert admin.port(net["id"])["network_id"] == net["id"]


def test_network_owner_sees_and_deletes_but_cannot_change_other_projects_ports(owner, target,
                                                                              other):
    net = owner.network()
    policy(owner, net["id"], project(target))
    port = target.port(net["id"])
    assert port["id"] in ids(owner, "ports", network_id=net["id"])
    assert owner.show("ports", port["id"])["project_id"] == project(target)
    assert port["id"] not in ids(other, "ports")
    r = owner.put(f"/v2.0/ports/{port['id']}", {"port": {"name": "owned"}})
    assert r.status == 403 and r.error_type == "PolicyNotAuthorized"
    assert owner.delete(f"/v2.0/ports/{port['id']}").status == 204
    assert target.get(f"/v2.0/ports/{port['id']}").status == 404


# ---- policies in use -------------------------------------------------------------------
def test_policy_delete_refused_while_target_has_ports(owner, target):
    net = owner.network()
    pol = policy(owner, net["id"], project(target))
    port = target.port(net["id"])
    r = owner.delete(f"/v2.0/rbac-policies/{pol['id']}")
    assert r.status == 409 and r.error_type == "RbacPolicyInUse"
    assert project(target) in r.error_message
    assert target.show("networks", net["id"])["id"] == net["id"]
    assert target.delete(f"/v2.0/ports/{port['id']}").status == 204
    assert owner.delete(f"/v2.0/rbac-policies/{pol['id']}").status == 204
    assert target.get(f"/v2.0/networks/{net['id']}").status == 404


def test_owner_ports_never_hold_a_policy(owner, target):
    net = owner.network()
    pol = policy(owner, net["id"], project(target))
    owner.port(net["id"])
    self_share = policy(owner, net["id"], project(owner))
    assert owner.delete(f"/v2.0/rbac-policies/{self_share['id']}").status == 204
    assert owner.delete(f"/v2.0/rbac-policies/{pol['id']}").status == 204


def test_targeted_policy_delete_allowed_while_wildcard_covers_the_ports(admin, owner, target):
    net = owner.network()
    pol = policy(owner, net["id"], project(target))
    policy(admin, net["id"], "*")
    target.port(net["id"])
    assert owner.delete(f"/v2.0/rbac-policies/{pol['id']}").status == 204


def test_wildcard_delete_refused_until_projects_with_ports_have_their_own_policy(admin, owner,
                                                                                  other):
    net = owner.network()
    wildcard = policy(admin, net["id"], "*")
    other.port(net["id"])
    r = admin.delete(f"/v2.0/rbac-policies/{wildcard['id']}")
    assert r.status == 409 and r.error_type == "RbacPolicyInUse"
    own = policy(owner, net["id"], project(other))
    assert admin.delete(f"/v2.0/rbac-policies/{wildcard['id']}").status == 204
    r = owner.delete(f"/v2.0/rbac-policies/{own['id']}")
    assert r.status == 409 and r.error_type == "RbacPolicyInUse"


def test_unsharing_network_refused_while_other_projects_have_ports(admin, owner, other):
    net = admin.network(shared=True, project_id=project(owner))
    port = other.port(net["id"])
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {"shared": False}})
    assert r.status == 409 and r.error_type == "InvalidSharedSetting"
    assert admin.show("networks", net["id"])["shared"] is True
    assert other.delete(f"/v2.0/ports/{port['id']}").status == 204
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {"shared": False}})
    assert r.status == 200 and r.json["network"]["shared"] is False


def test_policy_retarget_moves_access(owner, target, other):
    net = owner.network()
    pol = policy(owner, net["id"], project(target))
    r = owner.put(f"/v2.0/rbac-policies/{pol['id']}",
                  {"rbac_policy": {"target_tenant": project(other)}})
    assert r.status == 200
    assert r.json["rbac_policy"] == {**pol, "target_tenant": project(other)}
    assert target.get(f"/v2.0/networks/{net['id']}").status == 404
    assert other.show("networks", net["id"])["shared"] is True


def test_policy_retarget_refused_while_old_target_has_ports(owner, target, other):
    net = owner.network()
    pol = policy(owner, net["id"], project(target))
    target.port(net["id"])
    r = owner.put(f"/v2.0/rbac-policies/{pol['id']}",
                  {"rbac_policy": {"target_tenant": project(other)}})
    assert r.status == 409 and r.error_type == "RbacPolicyInUse"
    assert owner.show("rbac-policies", pol["id"])["target_tenant"] == project(target)


def test_policy_retarget_from_wildcard_to_the_only_user_is_allowed(admin, owner, other):
    net = owner.network()
    wildcard = policy(admin, net["id"], "*")
    other.port(net["id"])
    r = admin.put(f"/v2.0/rbac-policies/{wildcard['id']}",
                  {"rbac_policy": {"target_tenant": project(other)}})
    assert r.status == 200 and r.json["rbac_policy"]["target_tenant"] == project(other)
    assert admin.show("networks", net["id"])["shared"] is False


def test_policy_retarget_to_wildcard_by_member_is_403_and_to_duplicate_is_409(owner, target,
                                                                             other):
    net = owner.network()
    pol = policy(owner, net["id"], project(target))
    policy(owner, net["id"], project(other))
    r = owner.put(f"/v2.0/rbac-policies/{pol['id']}", {"rbac_policy": {"target_tenant": "*"}})
    assert r.status == 403 and "update_rbac_policy:target_tenant" in r.error_message
    r = owner.put(f"/v2.0/rbac-policies/{pol['id']}",
                  {"rbac_policy": {"target_tenant": project(other)}})
    assert r.status == 409 and r.error_type == "DuplicateRbacPolicy"
    assert owner.show("rbac-policies", pol["id"])["target_tenant"] == project(target)


@pytest.mark.parametrize("change", [{"object_type": "network"}, {"action": EXTERNAL},
                                    {"object_id": str(uuid.uuid4())}, {"project_id": "x"}])
def test_policy_update_of_other_attributes_is_400(owner, target, change):
    net = owner.network()
    pol = policy(owner, net["id"], project(target))
    r = owner.put(f"/v2.0/rbac-policies/{pol['id']}", {"rbac_policy": change})
    assert r.status == 400
    assert owner.show("rbac-policies", pol["id"]) == pol


# ---- flags as views -----------------------------------------------------------------
def test_network_created_shared_has_a_wildcard_policy_and_unsharing_removes_it(admin):
    net = admin.network(shared=True)
    assert net["shared"] is True
    [pol] = policies_of(admin, net["id"])
    assert (pol["action"], pol["target_tenant"], pol["project_id"]) == (
        SHARED, "*", net["project_id"])
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {"shared": False}})
    assert r.json["network"]["shared"] is False
    assert policies_of(admin, net["id"]) == []
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {"shared": True}})
    assert r.json["network"]["shared"] is True
    assert [p["target_tenant"] for p in policies_of(admin, net["id"], action=SHARED)] == ["*"]


def test_deleting_the_wildcard_policy_unshares_the_network(admin, owner, other):
    net = admin.network(shared=True, project_id=project(owner))
    assert other.show("networks", net["id"])["shared"] is True
    [pol] = policies_of(admin, net["id"])
    assert admin.delete(f"/v2.0/rbac-policies/{pol['id']}").status == 204
    assert owner.show("networks", net["id"])["shared"] is False
    assert other.get(f"/v2.0/networks/{net['id']}").status == 404


def test_network_shared_bulk_create(admin):
    r = admin.post("/v2.0/networks", {"networks": [{"shared": True}, {"shared": True}]})
    assert r.status == 201 and all(n["shared"] for n in r.json["networks"])


def test_member_cannot_set_shared_or_external_on_its_network(owner):
    for attr, rule in (("shared", "create_network:shared"),
                       ("router:external", "create_network:router:external")):
        r = owner.post("/v2.0/networks", {"network": {attr: True}})
        assert r.status == 403 and rule in r.error_message
    net = owner.network()
    for attr in ("shared", "router:external"):
        r = owner.put(f"/v2.0/networks/{net['id']}", {"network": {attr: True}})
        assert r.status == 403 and f"update_network:{attr}" in r.error_message
    assert owner.get("/v2.0/rbac-policies").json["rbac_policies"] == []


def test_router_external_creates_wildcard_external_policy_and_false_removes_them(admin):
    net = admin.network(**{"router:external": True})
    assert [(p["action"], p["target_tenant"]) for p in policies_of(admin, net["id"])] == [
        (EXTERNAL, "*")]
    policy(admin, net["id"], uuid.uuid4().hex, EXTERNAL)
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {"router:external": False}})
    assert r.status == 200 and r.json["network"]["router:external"] is False
    assert policies_of(admin, net["id"]) == []


def test_external_policy_to_one_project_makes_network_external_to_it(admin, owner, target,
                                                                     other):
    net = owner.network()
    sub = owner.subnet(net["id"], "10.40.0.0/24")
    pol = policy(admin, net["id"], project(target), EXTERNAL)
    assert owner.show("networks", net["id"])["router:external"] is True
    assert target.show("networks", net["id"])["shared"] is False
    assert net["id"] in ids(target, "networks", **{"router:external": "true"})
    assert sub["id"] in ids(target, "subnets")
    assert other.get(f"/v2.0/networks/{net['id']}").status == 404
    assert admin.delete(f"/v2.0/rbac-policies/{pol['id']}").status == 204
    assert owner.show("networks", net["id"])["router:external"] is False
    assert target.get(f"/v2.0/networks/{net['id']}").status == 404


def test_network_stays_external_while_any_external_policy_remains(admin):
    net = admin.network()
    first = policy(admin, net["id"], uuid.uuid4().hex, EXTERNAL)
    second = policy(admin, net["id"], "*", EXTERNAL)
    assert admin.delete(f"/v2.0/rbac-policies/{second['id']}").status == 204
    assert admin.show("networks", net["id"])["router:external"] is True
    assert admin.delete(f"/v2.0/rbac-policies/{first['id']}").status == 204
    assert admin.show("networks", net["id"])["router:external"] is False


def test_external_flag_update_is_refused_while_router_gateways_use_it(admin, target):
    net = admin.network(**{"router:external": True})
    policy(admin, net["id"], project(target), SHARED)
    # Router gateways are the service's ports (network:* owners are the network
    # owner's or admin's to create), held by the router's project.
    gateway = admin.port(net["id"], device_owner="network:router_gateway",
                         project_id=project(target))
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {"router:external": False}})
    assert r.status == 409 and r.error_type == "ExternalNetworkInUse"
    [wildcard] = policies_of(admin, net["id"], action=EXTERNAL)
    r = admin.delete(f"/v2.0/rbac-policies/{wildcard['id']}")
    assert r.status == 409 and r.error_type == "RbacPolicyInUse"
    assert admin.delete(f"/v2.0/ports/{gateway['id']}").status == 204
    assert admin.delete(f"/v2.0/rbac-policies/{wildcard['id']}").status == 204


def test_shared_and_external_are_independent(admin):
    net = admin.network(shared=True, **{"router:external": True})
    assert (net["shared"], net["router:external"]) == (True, True)
    [shared] = policies_of(admin, net["id"], action=SHARED)
    assert admin.delete(f"/v2.0/rbac-policies/{shared['id']}").status == 204
    assert admin.show("networks", net["id"])["router:external"] is True
    assert admin.show("networks", net["id"])["shared"] is False


def test_policy_changes_bump_the_network_revision(owner, target):
    net = owner.network()
    pol = policy(owner, net["id"], project(target))
    after_create = owner.show("networks", net["id"])["revision_number"]
    assert after_create > net["revision_number"]
    assert owner.delete(f"/v2.0/rbac-policies/{pol['id']}").status == 204
    assert owner.show("networks", net["id"])["revision_number"] > after_create


def test_network_delete_removes_its_policies(admin, owner, target):
    net = owner.network()
    pol = policy(owner, net["id"], project(target))
    assert owner.delete(f"/v2.0/networks/{net['id']}").status == 204
    assert owner.get(f"/v2.0/rbac-policies/{pol['id']}").status == 404
    assert policies_of(admin, net["id"]) == []


# ---- openstacksdk -----------------------------------------------------------------------
def test_sdk_rbac_policy_create_list_update_delete(sdk):
    net = sdk.network.create_network(name="rbac-" + uuid.uuid4().hex[:8])
    first, second = uuid.uuid4().hex, uuid.uuid4().hex
    pol = sdk.network.create_rbac_policy(object_type="network", object_id=net.id,
                                         action=SHARED, target_project_id=first)
    assert (pol.object_id, pol.target_project_id, pol.action) == (net.id, first, SHARED)
    listed = list(sdk.network.rbac_policies(object_id=net.id, target_project_id=first))
    assert [p.id for p in listed] == [pol.id]
    assert sdk.network.get_rbac_policy(pol.id).object_type == "network"
    pol = sdk.network.update_rbac_policy(pol, target_project_id=second)
    assert sdk.network.get_rbac_policy(pol.id).target_project_id == second
    sdk.network.delete_rbac_policy(pol, ignore_missing=False)
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.network.get_rbac_policy(pol.id)


def test_sdk_shared_network_flag_and_wildcard_policy(sdk):
    net = sdk.network.create_network(name="rbac-" + uuid.uuid4().hex[:8], shared=True)
    assert net.is_shared is True
    [pol] = sdk.network.rbac_policies(object_id=net.id)
    assert pol.target_project_id == "*"
    sdk.network.delete_rbac_policy(pol)
    assert sdk.network.get_network(net.id).is_shared is False
    net = sdk.network.update_network(net, is_router_external=True)
    assert net.is_router_external is True
    assert [p.action for p in sdk.network.rbac_policies(object_id=net.id)] == [EXTERNAL]


def test_sdk_duplicate_policy_is_conflict(sdk):
    net = sdk.network.create_network(name="rbac-" + uuid.uuid4().hex[:8])
    attrs = {"object_type": "network", "object_id": net.id, "action": SHARED,
             "target_project_id": uuid.uuid4().hex}
    sdk.network.create_rbac_policy(**attrs)
    with pytest.raises(sdk_exc.ConflictException):
        sdk.network.create_rbac_policy(**attrs)
