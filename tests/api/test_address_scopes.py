"""Address scopes over HTTP: create, show, update, share, delete (alias address-scope,
rbac-address-scope); networks show the scope of their subnets' pools."""
from __future__ import annotations

import uuid

import pytest


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _scope(client, **attrs) -> dict:
    attrs.setdefault("name", _name("as"))
    attrs.setdefault("ip_version", 4)
    return client.create("address-scopes", "address_scope", **attrs)


def test_address_scope_create_shows_every_attribute(admin):
    scope = _scope(admin, ip_version=6)
    assert scope["ip_version"] == 6 and scope["shared"] is False
    assert {"id", "name", "project_id", "tenant_id", "description", "revision_number",
            "created_at", "updated_at", "tags"} <= set(scope)
    assert admin.show("address-scopes", scope["id"]) == scope


def test_address_scope_list_filters_by_ip_version(admin):
    v4, v6 = _scope(admin, ip_version=4), _scope(admin, ip_version=6)
    listed = admin.get("/v2.0/address-scopes", params={"ip_version": 6}).json["address_scopes"]
    ids = {s["id"] for s in listed}
    assert v6["id"] in ids and v4["id"] not in ids


@pytest.mark.parametrize("body,names", [
    ({"ip_version": 5}, "ip_version"),
    ({"ip_version": "four"}, "ip_version"),
    ({}, "ip_version"),
    ({"ip_version": 4, "shared": "maybe"}, "shared"),
    ({"ip_version": 4, "name": "x" * 256}, "name"),
    ({"ip_version": 4, "prefixes": ["10.0.0.0/8"]}, "prefixes"),
])
def test_address_scope_create_rejects_bad_input(admin, body, names):
    before = admin.get("/v2.0/address-scopes").json["address_scopes"]
    r = admin.post("/v2.0/address-scopes", {"address_scope": body})
    assert r.status == 400, r
    assert names in r.error_message
    assert admin.get("/v2.0/address-scopes").json["address_scopes"] == before


def test_address_scope_ip_version_cannot_change(admin):
    scope = _scope(admin)
    r = admin.put(f"/v2.0/address-scopes/{scope['id']}", {"address_scope": {"ip_version": 6}})
    assert r.status == 400 and "ip_version" in r.error_message
    assert admin.show("address-scopes", scope["id"])["ip_version"] == 4


def test_address_scope_update_name_bumps_revision(admin):
    scope = _scope(admin)
    r = admin.put(f"/v2.0/address-scopes/{scope['id']}", {"address_scope": {"name": "renamed"}})
    assert r.status == 200 and r.json["address_scope"]["name"] == "renamed"
    assert r.json["address_scope"]["revision_number"] > scope["revision_number"]


def test_project_cannot_create_a_shared_address_scope(member):
    r = member.post("/v2.0/address-scopes", {"address_scope": {"name": "s", "ip_version": 4,
                                                               "shared": True}})
    assert r.status == 403, r


def test_shared_address_scope_is_seen_by_other_projects_and_cannot_be_unshared(admin, member):
    scope = _scope(admin, shared=True)
    assert member.show("address-scopes", scope["id"])["shared"] is True
    r = admin.put(f"/v2.0/address-scopes/{scope['id']}", {"address_scope": {"shared": False}})
    assert r.status == 400 and r.error_type == "AddressScopeUpdateError", r
    assert admin.show("address-scopes", scope["id"])["shared"] is True


def test_admin_shares_a_scope_by_update(admin, member):
    scope = _scope(admin)
    assert member.get(f"/v2.0/address-scopes/{scope['id']}").status == 404
    r = admin.put(f"/v2.0/address-scopes/{scope['id']}", {"address_scope": {"shared": True}})
    assert r.status == 200 and r.json["address_scope"]["shared"] is True
    assert member.get(f"/v2.0/address-scopes/{scope['id']}").status == 200


def test_project_cannot_share_its_scope_by_update(member):
    scope = _scope(member)
    r = member.put(f"/v2.0/address-scopes/{scope['id']}", {"address_scope": {"shared": True}})
    assert r.status == 403, r
    assert member.show("address-scopes", scope["id"])["shared"] is False


def test_rbac_policy_shares_an_address_scope_with_one_project(admin, member, project_id):
    scope = _scope(admin)
    policy = admin.create("rbac-policies", "rbac_policy", object_type="address_scope",
                          object_id=scope["id"], action="access_as_shared",
                          target_tenant=project_id)
    seen = member.show("address-scopes", scope["id"])
    assert seen["shared"] is True  # shared with the caller's project
    assert admin.show("address-scopes", scope["id"])["shared"] is False
    assert admin.delete(f"/v2.0/rbac-policies/{policy['id']}").status == 204
    assert member.get(f"/v2.0/address-scopes/{scope['id']}").status == 404


def test_rbac_policy_cannot_be_revoked_while_a_pool_of_the_target_uses_the_scope(
        admin, member, project_id):
    scope = _scope(admin)
    policy = admin.create("rbac-policies", "rbac_policy", object_type="address_scope",
                          object_id=scope["id"], action="access_as_shared",
                          target_tenant=project_id)
    pool = member.create("subnetpools", "subnetpool", name=_name("p"),
                         prefixes=["10.231.0.0/16"], address_scope_id=scope["id"])
    r = admin.delete(f"/v2.0/rbac-policies/{policy['id']}")
    assert r.status == 409 and r.error_type == "RbacPolicyInUse", r
    assert member.delete(f"/v2.0/subnetpools/{pool['id']}").status == 204
    assert admin.delete(f"/v2.0/rbac-policies/{policy['id']}").status == 204


def test_address_scope_delete_refused_while_a_pool_uses_it(admin):
    scope = _scope(admin)
    pool = admin.create("subnetpools", "subnetpool", name=_name("p"),
                        prefixes=["10.232.0.0/16"], address_scope_id=scope["id"])
    r = admin.delete(f"/v2.0/address-scopes/{scope['id']}")
    assert r.status == 409 and r.error_type == "AddressScopeInUse", r
    assert admin.delete(f"/v2.0/subnetpools/{pool['id']}").status == 204
    assert admin.delete(f"/v2.0/address-scopes/{scope['id']}").status == 204
    assert admin.get(f"/v2.0/address-scopes/{scope['id']}").status == 404


def test_unknown_address_scope_is_not_found(admin):
    missing = str(uuid.uuid4())
    for method in (admin.get, admin.delete):
        r = method(f"/v2.0/address-scopes/{missing}")
        assert r.status == 404 and r.error_type == "AddressScopeNotFound", r
    r = admin.put(f"/v2.0/address-scopes/{missing}", {"address_scope": {"name": "x"}})
    assert r.status == 404


def test_network_shows_the_address_scope_of_its_subnets_pool(admin):
    scope4, scope6 = _scope(admin, ip_version=4), _scope(admin, ip_version=6)
    pool4 = admin.create("subnetpools", "subnetpool", name=_name("p4"),
                         prefixes=["10.233.0.0/16"], address_scope_id=scope4["id"],
                         default_prefixlen=24)
    pool6 = admin.create("subnetpools", "subnetpool", name=_name("p6"),
                         prefixes=["2001:db8:233::/48"], address_scope_id=scope6["id"])
    net = admin.network()
    assert (net["ipv4_address_scope"], net["ipv6_address_scope"]) == (None, None)
    admin.create("subnets", "subnet", network_id=net["id"], ip_version=4,
                 subnetpool_id=pool4["id"])
    shown = admin.show("networks", net["id"])
    assert (shown["ipv4_address_scope"], shown["ipv6_address_scope"]) == (scope4["id"], None)
    admin.create("subnets", "subnet", network_id=net["id"], ip_version=6,
                 subnetpool_id=pool6["id"])
    listed = admin.get("/v2.0/networks", params={"id": net["id"]}).json["networks"][0]
    assert (listed["ipv4_address_scope"], listed["ipv6_address_scope"]) == (
        scope4["id"], scope6["id"])


def test_address_scopes_sort_by_ip_version_but_not_by_the_shared_view(admin):
    v6, v4 = _scope(admin, ip_version=6), _scope(admin, ip_version=4)
    listed = admin.get("/v2.0/address-scopes", params={"sort_key": "ip_version",
                                                       "sort_dir": "asc"}).json["address_scopes"]
    ids = [s["id"] for s in listed]
    assert ids.index(v4["id"]) < ids.index(v6["id"])
    r = admin.get("/v2.0/address-scopes", params={"sort_key": "shared", "sort_dir": "asc"})
    assert r.status == 400 and "shared" in r.error_message, r
