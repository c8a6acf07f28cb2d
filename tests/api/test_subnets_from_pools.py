"""Subnets allocated from subnet pools, the default pool, and onboarding a network's
subnets into a pool (subnet_allocation, default-subnetpools, subnet_onboard)."""
from __future__ import annotations

import ipaddress
import uuid

import pytest


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def _pool(client, prefixes, **attrs) -> dict:
    attrs.setdefault("name", _name("pool"))
    return client.create("subnetpools", "subnetpool", prefixes=prefixes, **attrs)


def _from_pool(client, net, pool, **attrs):
    return client.post("/v2.0/subnets", {"subnet": {
        "network_id": net["id"], "ip_version": attrs.pop("ip_version", 4),
        "subnetpool_id": pool["id"], **attrs}})


def test_subnet_gets_the_pools_default_prefixlen(admin):
    pool = _pool(admin, ["10.130.0.0/16"], default_prefixlen=26)
    net = admin.network()
    r = _from_pool(admin, net, pool)
    assert r.status == 201, r
    sub = r.json["subnet"]
    assert sub["subnetpool_id"] == pool["id"]
    assert ipaddress.ip_network(sub["cidr"]).prefixlen == 26
    assert ipaddress.ip_network(sub["cidr"]).subnet_of(ipaddress.ip_network("10.130.0.0/16"))
    assert sub["gateway_ip"] == str(ipaddress.ip_network(sub["cidr"])[1])
    assert "prefixlen" not in sub and "use_default_subnetpool" not in sub


def test_subnets_from_one_pool_never_overlap(admin):
    pool = _pool(admin, ["10.131.0.0/22"], default_prefixlen=24)
    net = admin.network()
    cidrs = [_from_pool(admin, net, pool, prefixlen=p).json["subnet"]["cidr"]
             for p in (24, 25, 26, 24)]
    nets = [ipaddress.ip_network(c) for c in cidrs]
    assert all(not a.overlaps(b) for i, a in enumerate(nets) for b in nets[i + 1:])


def test_pool_exhaustion_is_a_conflict(admin):
    pool = _pool(admin, ["10.132.0.0/24"], default_prefixlen=25)
    net = admin.network()
    assert _from_pool(admin, net, pool).status == 201
    assert _from_pool(admin, net, pool).status == 201
    r = _from_pool(admin, net, pool)
    assert r.status == 409 and r.error_type == "SubnetAllocationError", r


def test_explicit_cidr_must_lie_in_the_pool_and_be_free(admin):
    pool = _pool(admin, ["10.133.0.0/16"], default_prefixlen=24)
    net = admin.network()
    r = _from_pool(admin, net, pool, cidr="10.133.7.0/24")
    assert r.status == 201 and r.json["subnet"]["cidr"] == "10.133.7.0/24", r
    other = admin.network()
    r = _from_pool(admin, other, pool, cidr="10.133.7.128/25")
    assert r.status == 409 and r.error_type == "SubnetAllocationError", r
    r = _from_pool(admin, other, pool, cidr="10.134.0.0/24")
    assert r.status == 400 and "not within the prefixes" in r.error_message, r


@pytest.mark.parametrize("attrs,status,error", [
    ({"prefixlen": 129}, 400, "prefixlen"),
    ({"prefixlen": 33}, 400, "MaxPrefixSubnetAllocationError"),
    ({"prefixlen": "long"}, 400, "prefixlen"),
    ({"prefixlen": 30}, 400, "MaxPrefixSubnetAllocationError"),
    ({"prefixlen": 12}, 400, "MinPrefixSubnetAllocationError"),
    ({"prefixlen": 24, "cidr": "10.135.0.0/24"}, 400, "cidr and prefixlen"),
    ({"ip_version": 6}, 400, "Cannot allocate IPv6 subnet from IPv4"),
    ({"use_default_subnetpool": True}, 400, "cannot both be specified"),
    ({"use_default_subnetpool": "perhaps"}, 400, "use_default_subnetpool"),
    ({"subnetpool_id": "pool"}, 400, "subnetpool_id"),
    ({"subnetpool_id": str(uuid.uuid4())}, 404, "SubnetPoolNotFound"),
])
def test_subnet_from_pool_rejects_bad_input(admin, attrs, status, error):
    pool = _pool(admin, ["10.135.0.0/16"], min_prefixlen=16, default_prefixlen=24,
                 max_prefixlen=28)
    net = admin.network()
    r = _from_pool(admin, net, pool, **attrs)
    assert r.status == status, r
    assert error in r.error_message or error == r.error_type
    assert admin.show("networks", net["id"])["subnets"] == []


def test_subnet_without_cidr_or_pool_is_refused(admin):
    net = admin.network()
    r = admin.post("/v2.0/subnets", {"subnet": {"network_id": net["id"], "ip_version": 4}})
    assert r.status == 400 and "subnetpool must be specified" in r.error_message, r


def test_subnets_of_one_family_on_a_network_share_their_pool(admin):
    first, second = _pool(admin, ["10.136.0.0/16"]), _pool(admin, ["10.137.0.0/16"])
    net = admin.network()
    assert _from_pool(admin, net, first, prefixlen=24).status == 201
    r = _from_pool(admin, net, second, prefixlen=24)
    assert r.status == 400 and r.error_type == "NetworkSubnetPoolAffinityError", r
    r = admin.post("/v2.0/subnets", {"subnet": {"network_id": net["id"], "ip_version": 4,
                                                "cidr": "192.168.136.0/24"}})
    assert r.status == 400 and r.error_type == "NetworkSubnetPoolAffinityError", r


def test_pool_default_quota_limits_each_projects_address_space(admin, member):
    pool = _pool(admin, ["10.138.0.0/16"], default_quota=256, default_prefixlen=25,
                 shared=True)
    net = member.network()
    assert _from_pool(member, net, pool).status == 201
    assert _from_pool(member, net, pool).status == 201
    r = _from_pool(member, net, pool)
    assert r.status == 409 and r.error_type == "SubnetPoolQuotaExceeded", r
    assert _from_pool(admin, admin.network(), pool).status == 201  # another project's share


def test_use_default_subnetpool_takes_the_default_of_the_ip_version(admin):
    net = admin.network()
    r = admin.post("/v2.0/subnets", {"subnet": {"network_id": net["id"], "ip_version": 6,
                                                "use_default_subnetpool": True}})
    assert r.status == 400 and "No default subnetpool found for IPv6" in r.error_message, r
    pool = _pool(admin, ["2001:db8:139::/48"], is_default=True)
    try:
        r = admin.post("/v2.0/subnets", {"subnet": {"network_id": net["id"], "ip_version": 6,
                                                    "use_default_subnetpool": True}})
        assert r.status == 201, r
        assert r.json["subnet"]["subnetpool_id"] == pool["id"]
        assert r.json["subnet"]["cidr"].endswith("/64")
        admin.delete(f"/v2.0/subnets/{r.json['subnet']['id']}")
    finally:
        admin.delete(f"/v2.0/subnetpools/{pool['id']}")


def test_subnets_filter_by_subnetpool_id(admin):
    pool = _pool(admin, ["10.140.0.0/16"], default_prefixlen=24)
    net = admin.network()
    sub = _from_pool(admin, net, pool).json["subnet"]
    admin.subnet(admin.network()["id"], "10.140.0.0/24")  # same cidr, no pool
    listed = admin.get("/v2.0/subnets", params={"subnetpool_id": pool["id"]}).json["subnets"]
    assert [s["id"] for s in listed] == [sub["id"]]


# ---- onboarding ---------------------------------------------------------------------
def test_onboarding_moves_a_networks_subnets_of_the_pools_family(admin):
    pool = _pool(admin, ["10.141.0.0/16"])
    net = admin.network()
    v4a = admin.subnet(net["id"], "192.168.141.0/24")
    v4b = admin.subnet(net["id"], "192.168.142.0/24")
    v6 = admin.subnet(net["id"], "2001:db8:141::/64")
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}/onboard_network_subnets",
                  {"network_id": net["id"]})
    assert r.status == 200, r
    assert sorted(r.json, key=lambda s: s["cidr"]) == [
        {"id": v4a["id"], "cidr": "192.168.141.0/24"}, {"id": v4b["id"], "cidr": "192.168.142.0/24"}]
    assert admin.show("subnetpools", pool["id"])["prefixes"] == [
        "10.141.0.0/16", "192.168.141.0/24", "192.168.142.0/24"]
    moved = admin.show("subnets", v4a["id"])
    assert moved["subnetpool_id"] == pool["id"] and moved["cidr"] == v4a["cidr"]
    assert moved["revision_number"] > v4a["revision_number"]
    assert admin.show("subnets", v6["id"])["subnetpool_id"] is None


def test_onboarding_into_a_scoped_pool_gives_the_network_the_scope(admin):
    scope = admin.create("address-scopes", "address_scope", name=_name("as"), ip_version=4)
    pool = _pool(admin, ["10.142.0.0/16"], address_scope_id=scope["id"])
    net = admin.network()
    admin.subnet(net["id"], "192.168.143.0/24")
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}/onboard_network_subnets",
                  {"network_id": net["id"]})
    assert r.status == 200, r
    assert admin.show("networks", net["id"])["ipv4_address_scope"] == scope["id"]


def test_onboarding_refuses_subnets_overlapping_the_pools_allocations(admin):
    pool = _pool(admin, ["10.143.0.0/16"], default_prefixlen=24)
    taken = _from_pool(admin, admin.network(), pool).json["subnet"]
    net = admin.network()
    first = admin.subnet(net["id"], "192.168.144.0/24")
    admin.subnet(net["id"], taken["cidr"])
    before = admin.show("subnetpools", pool["id"])
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}/onboard_network_subnets",
                  {"network_id": net["id"]})
    assert r.status == 400 and r.error_type == "IllegalSubnetPoolUpdate", r
    assert "conflicts with allocated prefixes" in r.error_message
    assert admin.show("subnetpools", pool["id"]) == before  # all or nothing
    assert admin.show("subnets", first["id"])["subnetpool_id"] is None


def test_onboarding_refuses_prefixes_another_pool_of_the_scope_holds(admin):
    scope = admin.create("address-scopes", "address_scope", name=_name("as"), ip_version=4)
    _pool(admin, ["192.168.145.0/24"], address_scope_id=scope["id"])
    pool = _pool(admin, ["10.144.0.0/16"], address_scope_id=scope["id"])
    net = admin.network()
    sub = admin.subnet(net["id"], "192.168.145.0/25")
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}/onboard_network_subnets",
                  {"network_id": net["id"]})
    assert r.status == 409 and r.error_type == "AddressScopePrefixConflict", r
    assert admin.show("subnets", sub["id"])["subnetpool_id"] is None


def test_onboarding_an_unknown_network_is_not_found(admin):
    pool = _pool(admin, ["10.145.0.0/16"])
    r = admin.put(f"/v2.0/subnetpools/{pool['id']}/onboard_network_subnets",
                  {"network_id": str(uuid.uuid4())})
    assert r.status == 404 and r.error_type == "NetworkNotFound", r


def test_project_cannot_onboard_another_projects_network(admin, member):
    pool = _pool(member, ["10.146.0.0/16"])
    net = admin.network(shared=True)
    admin.subnet(net["id"], "192.168.146.0/24")
    r = member.put(f"/v2.0/subnetpools/{pool['id']}/onboard_network_subnets",
                   {"network_id": net["id"]})
    assert r.status == 403, r
    hidden = admin.network()
    r = member.put(f"/v2.0/subnetpools/{pool['id']}/onboard_network_subnets",
                   {"network_id": hidden["id"]})
    assert r.status == 404, r
