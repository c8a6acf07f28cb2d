"""Network IP availability (network-ip-availability): address totals from the
allocation pools and used addresses from ports, per network and per subnet, for
IPv4 and IPv6 (counts far beyond 64 bits); filters, sorting, pagination; admin
only; read only."""
import uuid

import pytest

IA = "/v2.0/network-ip-availabilities"
V6_64_TOTAL = 2**64 - 2  # a /64 less the subnet-router anycast address and the gateway


@pytest.fixture
def net(admin):
    return admin.network(name="ipa-" + uuid.uuid4().hex[:8])


def show(admin, net) -> dict:
    r = admin.get(f"{IA}/{net['id']}")
    assert r.status == 200, r
    return r.json["network_ip_availability"]


def by_subnet(availability: dict) -> dict[str, dict]:
    return {s["subnet_id"]: s for s in availability["subnet_ip_availability"]}


def test_show_describes_the_network_and_each_subnet(admin, net):
    s4 = admin.subnet(net["id"], "10.90.0.0/28", name="four")
    s6 = admin.subnet(net["id"], "fd90::/64", name="six")
    got = show(admin, net)
    assert (got["network_id"], got["network_name"]) == (net["id"], net["name"])
    assert got["project_id"] == got["tenant_id"] == net["project_id"]
    assert by_subnet(got) == {
        s4["id"]: {"subnet_id": s4["id"], "subnet_name": "four", "cidr": "10.90.0.0/28",
                   "ip_version": 4, "total_ips": 13, "used_ips": 0},
        s6["id"]: {"subnet_id": s6["id"], "subnet_name": "six", "cidr": "fd90::/64",
                   "ip_version": 6, "total_ips": V6_64_TOTAL, "used_ips": 0},
    }
    assert (got["total_ips"], got["used_ips"]) == (13 + V6_64_TOTAL, 0)


def test_ports_are_counted_as_used_and_freed_when_deleted(admin, net):
    s4 = admin.subnet(net["id"], "10.91.0.0/28")
    s6 = admin.subnet(net["id"], "fd91::/64")
    ports = [admin.port(net["id"]) for _ in range(3)]
    got = show(admin, net)
    assert {k: v["used_ips"] for k, v in by_subnet(got).items()} == {s4["id"]: 3, s6["id"]: 3}
    assert got["used_ips"] == 6 and got["total_ips"] == 13 + V6_64_TOTAL
    assert admin.delete(f"/v2.0/ports/{ports[0]['id']}").status == 204
    got = show(admin, net)
    assert {k: v["used_ips"] for k, v in by_subnet(got).items()} == {s4["id"]: 2, s6["id"]: 2}


def test_a_port_with_two_addresses_in_one_subnet_uses_two(admin, net):
    sub = admin.subnet(net["id"], "10.92.0.0/24")
    admin.port(net["id"], fixed_ips=[{"subnet_id": sub["id"]}, {"subnet_id": sub["id"]}])
    admin.port(net["id"], fixed_ips=[])
    assert show(admin, net)["used_ips"] == 2


def test_totals_follow_the_allocation_pools(admin, net):
    sub = admin.subnet(net["id"], "10.93.0.0/24", allocation_pools=[
        {"start": "10.93.0.10", "end": "10.93.0.19"}, {"start": "10.93.0.30", "end": "10.93.0.34"}])
    assert show(admin, net)["total_ips"] == 15
    r = admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"allocation_pools": [
        {"start": "10.93.0.100", "end": "10.93.0.199"}]}})
    assert r.status == 200
    assert show(admin, net)["total_ips"] == 100


def test_large_ipv6_subnet_counts_exactly(admin, net):
    admin.subnet(net["id"], "fd94::/48")
    got = show(admin, net)
    assert got["total_ips"] == 2**80 - 2
    assert got["subnet_ip_availability"][0]["total_ips"] == 2**80 - 2


def test_network_without_subnets_has_nothing_to_count(admin, net):
    got = show(admin, net)
    assert (got["total_ips"], got["used_ips"], got["subnet_ip_availability"]) == (0, 0, [])


# ---- list and filters -------------------------------------------------------------------
@pytest.fixture
def two_nets(admin):
    """A dual-stack network of a foreign project and an IPv4-only one of admin's."""
    project = uuid.uuid4().hex
    dual = admin.network(name="ipa-dual-" + uuid.uuid4().hex[:6], project_id=project)
    admin.subnet(dual["id"], "10.95.0.0/28", project_id=project)
    admin.subnet(dual["id"], "fd95::/64", project_id=project)
    admin.port(dual["id"], project_id=project)
    v4 = admin.network(name="ipa-v4-" + uuid.uuid4().hex[:6])
    admin.subnet(v4["id"], "10.96.0.0/29")
    return dual, v4, project


def listed(admin, *params) -> dict[str, dict]:
    r = admin.get(IA, params=list(params))
    assert r.status == 200, r
    return {n["network_id"]: n for n in r.json["network_ip_availabilities"]}


def test_list_contains_every_network(admin, two_nets):
    dual, v4, _project = two_nets
    got = listed(admin)
    assert {dual["id"], v4["id"]} <= set(got)
    assert got[dual["id"]]["used_ips"] == 2 and got[v4["id"]]["total_ips"] == 5


def test_list_filter_by_network_id(admin, two_nets):
    dual, v4, _project = two_nets
    assert set(listed(admin, ("network_id", v4["id"]))) == {v4["id"]}
    assert set(listed(admin, ("network_id", v4["id"]), ("network_id", dual["id"]))) == {
        v4["id"], dual["id"]}


def test_list_filter_by_ip_version_counts_only_those_subnets(admin, two_nets):
    dual, v4, _project = two_nets
    ids = ("network_id", dual["id"]), ("network_id", v4["id"])
    six = listed(admin, *ids, ("ip_version", "6"))
    assert set(six) == {dual["id"]}  # the IPv4-only network has nothing to show
    assert [s["ip_version"] for s in six[dual["id"]]["subnet_ip_availability"]] == [6]
    assert (six[dual["id"]]["total_ips"], six[dual["id"]]["used_ips"]) == (V6_64_TOTAL, 1)
    four = listed(admin, *ids, ("ip_version", "4"))
    assert set(four) == {dual["id"], v4["id"]}
    assert (four[dual["id"]]["total_ips"], four[dual["id"]]["used_ips"]) == (13, 1)


def test_list_filter_by_project(admin, two_nets):
    dual, _v4, project = two_nets
    assert set(listed(admin, ("project_id", project))) == {dual["id"]}
    assert set(listed(admin, ("tenant_id", project))) == {dual["id"]}
    assert listed(admin, ("project_id", uuid.uuid4().hex)) == {}


def test_list_filter_by_network_name(admin, two_nets):
    dual, _v4, _project = two_nets
    assert set(listed(admin, ("network_name", dual["name"]))) == {dual["id"]}


def test_list_fields(admin, two_nets):
    _dual, v4, _project = two_nets
    r = admin.get(IA, params=[("network_id", v4["id"]), ("fields", "network_id"),
                              ("fields", "used_ips")])
    assert r.json["network_ip_availabilities"] == [{"network_id": v4["id"], "used_ips": 0}]


def test_list_sorted_and_paginated_with_links(admin):
    names = [f"ipa-page-{uuid.uuid4().hex[:6]}-{c}" for c in "cab"]
    nets = {admin.network(name=n)["id"]: n for n in names}
    scope = [("network_id", i) for i in nets]
    r = admin.get(IA, params=[*scope, ("sort_key", "network_name"), ("sort_dir", "desc"),
                              ("limit", "2")])
    assert r.status == 200, r
    seen = [n["network_name"] for n in r.json["network_ip_availabilities"]]
    nxt = {link["rel"]: link["href"] for link in
           r.json["network_ip_availabilities_links"]}["next"]
    r = admin.get(nxt[len(admin.base):])
    assert r.status == 200, r
    seen += [n["network_name"] for n in r.json["network_ip_availabilities"]]
    assert seen == sorted(names, reverse=True)


def test_unknown_marker_is_404(admin):
    r = admin.get(IA, params={"limit": "1", "marker": str(uuid.uuid4())})
    assert r.status == 404


@pytest.mark.parametrize("params", [{"ip_version": "5"}, {"network_id": "net-1"},
                                    {"colour": "red"}, {"total_ips": "1"}],
                         ids=["ip-version-5", "network-id-not-uuid", "unknown", "not-filterable"])
def test_bad_filters_are_400(admin, params):
    r = admin.get(IA, params=params)
    assert r.status == 400 and next(iter(params)) in r.error_message


# ---- not found, not writable, admin only ----------------------------------------------
@pytest.mark.parametrize("id_", [str(uuid.uuid4()), "not-a-network"], ids=["unknown", "not-uuid"])
def test_unknown_network_is_404(admin, id_):
    r = admin.get(f"{IA}/{id_}")
    assert r.status == 404 and r.error_type == "NetworkNotFound"


@pytest.mark.parametrize("method,on_member", [("POST", False), ("PUT", True), ("DELETE", True),
                                              ("PUT", False), ("POST", True)],
                         ids=["post", "put", "delete", "put-collection", "post-member"])
def test_not_writable(admin, net, method, on_member):
    path = f"{IA}/{net['id']}" if on_member else IA
    before = show(admin, net)
    r = admin.request(method, path, json={"network_ip_availability": {"total_ips": 1}})
    assert r.status == 405, r
    assert show(admin, net) == before


def test_member_sees_no_availabilities_not_even_of_its_own_network(member):
    net = member.network()
    member.subnet(net["id"], "10.97.0.0/28")
    r = member.get(IA)
    assert r.status == 200 and r.json["network_ip_availabilities"] == []
    assert member.get(f"{IA}/{net['id']}").status == 404


# ---- the real client -------------------------------------------------------------------------
def test_sdk_reads_availability(sdk, admin, net):
    admin.subnet(net["id"], "10.98.0.0/28")
    admin.subnet(net["id"], "fd98::/64")
    admin.port(net["id"])
    got = sdk.network.get_network_ip_availability(net["id"])
    assert got.network_id == net["id"] and got.used_ips == 2
    assert got.total_ips == 13 + V6_64_TOTAL
    assert sorted(s["ip_version"] for s in got.subnet_ip_availability) == [4, 6]
    listed_ids = [a.network_id for a in sdk.network.network_ip_availabilities(
        network_id=net["id"])]
    assert listed_ids == [net["id"]]
