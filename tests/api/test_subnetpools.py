"""Subnet pools over HTTP (subnet_allocation, default-subnetpools, subnetpool-prefix-ops,
rbac-subnetpool): the pool itself, its prefixes and bounds, and its address scope."""
from __future__ import annotations

import uuid

import pytest


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _pool(client, prefixes, **attrs) -> dict:
    attrs.setdefault("name", _name("pool"))
    return client.create("subnetpools", "subnetpool", prefixes=prefixes, **attrs)


def _pools(admin) -> list:
    return admin.get("/v2.0/subnetpools").json["subnetpools"]


def test_subnetpool_defaults_follow_the_ip_version(admin):
    v4 = _pool(admin, ["10.100.0.0/16"])
    assert (v4["ip_version"], v4["min_prefixlen"], v4["max_prefixlen"], v4["default_prefixlen"],
            v4["default_quota"], v4["is_default"], v4["shared"], v4["address_scope_id"]) == (
        4, "8", "32", "8", None, False, False, None)
    v6 = _pool(admin, ["2001:db8:100::/48"])
    assert (v6["ip_version"], v6["min_prefixlen"], v6["max_prefixlen"]) == (6, "64", "128")


def test_subnetpool_prefixes_are_normalised_and_compacted(admin):
    pool = _pool(admin, ["10.101.1.0/24", "10.101.0.0/24", "10.101.0.7/24"])
    assert pool["prefixes"] == ["10.101.0.0/23"]
    assert admin.show("subnetpools", pool["id"])["prefixes"] == ["10.101.0.0/23"]


@pytest.mark.parametrize("body,error", [
    ({"prefixes": ["10.0.0.0/8"]}, "name"),
    ({"name": "", "prefixes": ["10.0.0.0/8"]}, "name"),
    ({"name": "p"}, "prefixes"),
    ({"name": "p", "prefixes": "10.0.0.0/8"}, "prefixes"),
    ({"name": "p", "prefixes": ["10.0.0.300/8"]}, "prefixes"),
    ({"name": "p", "prefixes": []}, "Empty subnet pool prefix list"),
    ({"name": "p", "prefixes": ["10.0.0.0/8", "2001:db8::/32"]}, "Cannot mix"),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "min_prefixlen": -1}, "min_prefixlen"),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "max_prefixlen": 33}, "max_prefixlen"),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "min_prefixlen": 24, "max_prefixlen": 16},
     "min_prefixlen"),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "min_prefixlen": 16, "default_prefixlen": 12},
     "default_prefixlen"),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "default_quota": -5}, "default_quota"),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "default_quota": "lots"}, "default_quota"),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "is_default": "sometimes"}, "is_default"),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "address_scope_id": "nope"}, "address_scope_id"),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "ip_version": 4}, "ip_version"),
    ({"name": "p", "prefixes": ["10.0.0.0/8"], "shared": "both"}, "shared"),
])
def test_subnetpool_create_rejects_bad_input(admin, body, error):
    before = _pools(admin)
    r = admin.post("/v2.0/subnetpools", {"subnetpool": body})
    assert r.status == 400, r
    assert error in r.error_message
    assert _pools(admin) == before


@pytest.mark.parametrize("change,error", [
    ({"name": ""}, "name"),
    ({"prefixes": ["10.150.0.0/16", "2001:db8::/32"]}, "Cannot mix"),
    ({"prefixes": "10.150.0.0/16"}, "prefixes"),
    ({"min_prefixlen": "short"}, "min_prefixlen"),
    ({"default_prefixlen": 4}, "default_prefixlen"),
    ({"max_prefixlen": 129}, "max_prefixlen"),
    ({"default_quota": -1}, "default_quota"),
    ({"is_default": "no way"}, "is_default"),
    ({"address_scope_id": 7}, "address_scope_id"),
    ({"unknown": 1}, "unknown"),
])
def test_subnetpool_update_rejects_bad_input(admin, change, error):
    pool = _pool(admin, ["10.150.0.0/16"], min_prefixlen=16, default_prefixlen=24)
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}", {"subnetpool": change})
    assert r.status == 400, r
    assert error in r.error_message
    assert admin.show("subnetpools", pool["id"]) == pool


def test_subnetpool_update_may_extend_but_not_drop_prefixes(admin):
    pool = _pool(admin, ["10.102.0.0/24"])
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}", {"subnetpool": {
        "prefixes": ["10.102.0.0/24", "10.102.1.0/24", "10.200.0.0/24"]}})
    assert r.status == 200, r
    assert r.json["subnetpool"]["prefixes"] == ["10.102.0.0/23", "10.200.0.0/24"]
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}", {"subnetpool": {"prefixes": ["10.200.0.0/24"]}})
    assert r.status == 400 and r.error_type == "IllegalSubnetPoolPrefixUpdate", r
    assert admin.show("subnetpools", pool["id"])["prefixes"] == ["10.102.0.0/23", "10.200.0.0/24"]


def test_subnetpool_update_checks_bounds_against_stored_ones(admin):
    pool = _pool(admin, ["10.103.0.0/16"], min_prefixlen=16, default_prefixlen=24,
                 max_prefixlen=28)
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}", {"subnetpool": {"max_prefixlen": 20}})
    assert r.status == 400 and r.error_type == "IllegalSubnetPoolPrefixBounds", r
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}", {"subnetpool": {"max_prefixlen": 30,
                                                                      "default_quota": 1024}})
    assert r.status == 200, r
    assert (r.json["subnetpool"]["max_prefixlen"], r.json["subnetpool"]["default_quota"]) == (
        "30", 1024)


def test_subnetpool_ip_version_and_shared_are_read_only_on_update(admin):
    pool = _pool(admin, ["10.104.0.0/16"])
    for change in ({"ip_version": 6}, {"shared": True}):
        r = admin.put(f"/v2.0/subnetpools/{pool['id']}", {"subnetpool": change})
        assert r.status == 400, r


def test_only_one_default_subnetpool_per_ip_version(admin, member):
    first = _pool(admin, ["10.105.0.0/16"], is_default=True)
    try:
        r = admin.post("/v2.0/subnetpools", {"subnetpool": {
            "name": "second", "prefixes": ["10.106.0.0/16"], "is_default": True}})
        assert r.status == 400 and r.error_type == "InvalidInput", r
        other = _pool(admin, ["10.107.0.0/16"])
        r = admin.put(f"/v2.0/subnetpools/{other['id']}", {"subnetpool": {"is_default": True}})
        assert r.status == 400, r
        v6 = _pool(admin, ["2001:db8:105::/48"], is_default=True)  # another family: fine
        admin.delete(f"/v2.0/subnetpools/{v6['id']}")
        r = member.post("/v2.0/subnetpools", {"subnetpool": {
            "name": "mine", "prefixes": ["10.108.0.0/16"], "is_default": True}})
        assert r.status == 403, r
    finally:
        admin.delete(f"/v2.0/subnetpools/{first['id']}")


def test_pools_of_one_address_scope_never_share_prefixes(admin):
    scope = admin.create("address-scopes", "address_scope", name=_name("as"), ip_version=4)
    _pool(admin, ["10.110.0.0/16"], address_scope_id=scope["id"])
    r = admin.post("/v2.0/subnetpools", {"subnetpool": {
        "name": "p", "prefixes": ["10.110.128.0/17"], "address_scope_id": scope["id"]}})
    assert r.status == 409 and r.error_type == "AddressScopePrefixConflict", r
    outside = _pool(admin, ["10.110.0.0/24"])  # no scope: may overlap
    r = admin.put(f"/v2.0/subnetpools/{outside['id']}",
                  {"subnetpool": {"address_scope_id": scope["id"]}})
    assert r.status == 409 and r.error_type == "AddressScopePrefixConflict", r
    assert admin.show("subnetpools", outside["id"])["address_scope_id"] is None


def test_subnetpool_joins_and_leaves_an_address_scope(admin):
    scope = admin.create("address-scopes", "address_scope", name=_name("as"), ip_version=4)
    pool = _pool(admin, ["10.111.0.0/16"])
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}", {"subnetpool": {"address_scope_id": scope["id"]}})
    assert r.status == 200 and r.json["subnetpool"]["address_scope_id"] == scope["id"]
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}", {"subnetpool": {"address_scope_id": None}})
    assert r.status == 200 and r.json["subnetpool"]["address_scope_id"] is None


def test_subnetpool_scope_must_have_its_ip_version_and_exist(admin):
    scope6 = admin.create("address-scopes", "address_scope", name=_name("as"), ip_version=6)
    r = admin.post("/v2.0/subnetpools", {"subnetpool": {
        "name": "p", "prefixes": ["10.112.0.0/16"], "address_scope_id": scope6["id"]}})
    assert r.status == 400 and r.error_type == "IllegalSubnetPoolIpVersionAssociationToAddressScope"
    r = admin.post("/v2.0/subnetpools", {"subnetpool": {
        "name": "p", "prefixes": ["10.112.0.0/16"], "address_scope_id": str(uuid.uuid4())}})
    assert r.status == 404 and r.error_type == "AddressScopeNotFound", r


def test_project_cannot_put_its_pool_in_another_projects_private_scope(admin, member):
    scope = admin.create("address-scopes", "address_scope", name=_name("as"), ip_version=4)
    r = member.post("/v2.0/subnetpools", {"subnetpool": {
        "name": "p", "prefixes": ["10.113.0.0/16"], "address_scope_id": scope["id"]}})
    assert r.status == 404 and r.error_type == "AddressScopeNotFound", r


def test_add_prefixes_merges_and_answers_the_prefixes(admin):
    pool = _pool(admin, ["10.114.0.0/24"])
    before = pool["revision_number"]
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}/add_prefixes",
                  {"prefixes": ["10.114.1.0/24", "10.114.0.128/25"]})
    assert r.status == 200 and r.json == {"prefixes": ["10.114.0.0/23"]}, r
    shown = admin.show("subnetpools", pool["id"])
    assert shown["prefixes"] == ["10.114.0.0/23"] and shown["revision_number"] > before


def test_remove_prefixes_splits_the_prefix(admin):
    pool = _pool(admin, ["10.115.0.0/23"])
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}/remove_prefixes", {"prefixes": ["10.115.1.0/24"]})
    assert r.status == 200 and r.json == {"prefixes": ["10.115.0.0/24"]}, r


def test_remove_prefixes_refused_while_a_subnet_holds_them(admin):
    pool = _pool(admin, ["10.116.0.0/16"], default_prefixlen=24)
    net = admin.network()
    sub = admin.create("subnets", "subnet", network_id=net["id"], ip_version=4,
                       subnetpool_id=pool["id"])
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}/remove_prefixes", {"prefixes": [sub["cidr"]]})
    assert r.status == 400 and r.error_type == "IllegalSubnetPoolPrefixUpdate", r
    assert admin.show("subnetpools", pool["id"])["prefixes"] == ["10.116.0.0/16"]


def test_add_prefixes_refused_when_another_pool_of_the_scope_holds_them(admin):
    scope = admin.create("address-scopes", "address_scope", name=_name("as"), ip_version=4)
    _pool(admin, ["10.117.0.0/16"], address_scope_id=scope["id"])
    pool = _pool(admin, ["10.118.0.0/16"], address_scope_id=scope["id"])
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}/add_prefixes", {"prefixes": ["10.117.5.0/24"]})
    assert r.status == 409 and r.error_type == "AddressScopePrefixConflict", r
    assert admin.show("subnetpools", pool["id"])["prefixes"] == ["10.118.0.0/16"]


@pytest.mark.parametrize("action,body,error", [
    ("add_prefixes", {}, "prefixes"),
    ("add_prefixes", {"prefixes": "10.0.0.0/8"}, "prefixes"),
    ("add_prefixes", {"prefixes": ["banana"]}, "prefixes"),
    ("add_prefixes", {"prefixes": ["2001:db8::/64"]}, "Cannot mix"),
    ("add_prefixes", [], "prefixes"),
    ("remove_prefixes", {"prefixes": ["10.0.0.0/33"]}, "prefixes"),
    ("remove_prefixes", {"prefixes": ["10.119.0.0/16"]}, "at least one prefix"),
    ("onboard_network_subnets", {}, "network_id"),
    ("onboard_network_subnets", {"network_id": "not-a-uuid"}, "not a valid UUID"),
    ("onboard_network_subnets", {"network_id": str(uuid.uuid4()), "extra": 1}, "extra"),
])
def test_member_actions_reject_bad_input(admin, action, body, error):
    pool = _pool(admin, ["10.119.0.0/16"])
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}/{action}", body)
    assert r.status == 400, r
    assert error in r.error_message
    assert admin.show("subnetpools", pool["id"]) == pool


def test_member_actions_on_an_unknown_pool_are_not_found(admin):
    r = admin.put(f"/v2.0/subnetpools/{uuid.uuid4()}/add_prefixes", {"prefixes": ["10.0.0.0/8"]})
    assert r.status == 404 and r.error_type == "SubnetPoolNotFound", r


def test_other_project_cannot_change_a_pool_shared_with_it(admin, member):
    pool = _pool(admin, ["10.120.0.0/16"], shared=True)
    r = member.put(f"/v2.0/subnetpools/{pool['id']}/add_prefixes", {"prefixes": ["10.121.0.0/16"]})
    assert r.status == 403, r
    r = member.put(f"/v2.0/subnetpools/{pool['id']}", {"subnetpool": {"name": "mine"}})
    assert r.status == 403, r
    assert admin.show("subnetpools", pool["id"])["prefixes"] == ["10.120.0.0/16"]


def test_project_cannot_create_a_shared_pool(member):
    r = member.post("/v2.0/subnetpools", {"subnetpool": {"name": "p", "prefixes": ["10.0.0.0/8"],
                                                         "shared": True}})
    assert r.status == 403, r


def test_subnetpool_shared_through_rbac_with_one_project(admin, member, project_id):
    pool = _pool(admin, ["10.122.0.0/16"], default_prefixlen=24)
    assert member.get(f"/v2.0/subnetpools/{pool['id']}").status == 404
    policy = admin.create("rbac-policies", "rbac_policy", object_type="subnetpool",
                          object_id=pool["id"], action="access_as_shared",
                          target_tenant=project_id)
    assert member.show("subnetpools", pool["id"])["shared"] is True
    net = member.network()
    sub = member.create("subnets", "subnet", network_id=net["id"], ip_version=4,
                        subnetpool_id=pool["id"])
    r = admin.delete(f"/v2.0/rbac-policies/{policy['id']}")
    assert r.status == 409 and r.error_type == "RbacPolicyInUse", r
    assert member.delete(f"/v2.0/subnets/{sub['id']}").status == 204
    assert admin.delete(f"/v2.0/rbac-policies/{policy['id']}").status == 204


def test_pool_is_not_shared_with_a_project_its_scope_is_hidden_from(admin, project_id):
    scope = admin.create("address-scopes", "address_scope", name=_name("as"), ip_version=4)
    pool = _pool(admin, ["10.123.0.0/16"], address_scope_id=scope["id"])
    r = admin.post("/v2.0/rbac-policies", {"rbac_policy": {
        "object_type": "subnetpool", "object_id": pool["id"], "action": "access_as_shared",
        "target_tenant": project_id}})
    assert r.status == 400, r
    admin.create("rbac-policies", "rbac_policy", object_type="address_scope",
                 object_id=scope["id"], action="access_as_shared", target_tenant=project_id)
    admin.create("rbac-policies", "rbac_policy", object_type="subnetpool", object_id=pool["id"],
                 action="access_as_shared", target_tenant=project_id)


def test_subnetpool_delete_refused_while_subnets_use_it(admin):
    pool = _pool(admin, ["10.124.0.0/16"], default_prefixlen=24)
    net = admin.network()
    sub = admin.create("subnets", "subnet", network_id=net["id"], ip_version=4,
                       subnetpool_id=pool["id"])
    r = admin.delete(f"/v2.0/subnetpools/{pool['id']}")
    assert r.status == 400 and r.error_type == "SubnetPoolDeleteError", r
    assert admin.delete(f"/v2.0/subnets/{sub['id']}").status == 204
    assert admin.delete(f"/v2.0/subnetpools/{pool['id']}").status == 204
    assert admin.get(f"/v2.0/subnetpools/{pool['id']}").status == 404


def test_subnetpool_quota_limits_pools_per_project(admin, member, project_id):
    assert admin.put(f"/v2.0/quotas/{project_id}", {"quota": {"subnetpool": 1}}).status == 200
    _pool(member, ["10.125.0.0/16"])
    r = member.post("/v2.0/subnetpools", {"subnetpool": {"name": "p", "prefixes": ["10.126.0.0/16"]}})
    assert r.status == 409 and r.error_type == "OverQuota", r
    assert "subnetpool" in r.error_message
