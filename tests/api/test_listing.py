"""List requests: attribute filters, fields=, sorting, pagination with links,
changed_since, and the 400s / 404s for malformed list queries.

Each module builds one read-only data set per server; lists are scoped to it by
a tag (networks) or a network id (subnets, ports), so other tests' resources on
the same server never show."""
import uuid

import pytest

from tests.support.client import Client

NETWORKS = [  # name, admin_state_up, mtu, description
    ("alpha", True, 1400, ""),
    ("bravo", False, 1450, "b"),
    ("charlie", True, 1450, ""),
    ("alpha", False, 1300, "a"),
    ("delta", True, 1400, ""),
    ("echo", True, 1450, ""),
    ("foxtrot", True, 1300, ""),
]
SUBNETS = [  # cidr, enable_dhcp
    ("10.50.1.0/24", True), ("10.50.2.0/24", False), ("fd50:1::/64", True), ("fd50:2::/64", False),
]
PORTS = [  # name, device_owner, admin_state_up
    ("p1", "compute:nova", True), ("p2", "compute:nova", False), ("p3", "network:dhcp", True),
    ("p4", "", True),
]


@pytest.fixture(scope="module")
def client(server) -> Client:
    return Client(server.url)


@pytest.fixture(scope="module")
def data(client):
    tag = "listing-" + uuid.uuid4().hex[:8]
    nets = []
    for name, up, mtu, desc in NETWORKS:
        net = client.network(name=name, admin_state_up=up, mtu=mtu, description=desc)
        assert client.put(f"/v2.0/networks/{net['id']}/tags/{tag}").status == 201
        nets.append(client.show("networks", net["id"]))
    subnet_net = client.network()
    subnets = [client.subnet(subnet_net["id"], cidr, enable_dhcp=dhcp) for cidr, dhcp in SUBNETS]
    port_net = client.network()
    client.subnet(port_net["id"], "10.51.0.0/24")
    ports = [client.port(port_net["id"], name=name, device_owner=owner, admin_state_up=up)
             for name, owner, up in PORTS]
    return {"tag": tag, "networks": nets, "subnet_net": subnet_net["id"], "subnets": subnets,
            "port_net": port_net["id"], "ports": ports}


def net_list(client, data, params=()) -> dict:
    r = client.get("/v2.0/networks", params=[("tags", data["tag"]), *params])
    assert r.status == 200, r
    return r.json


def names(items) -> list[str]:
    return [i["name"] for i in items]


# ---- filters ---------------------------------------------------------------------------
def test_unfiltered_scope_returns_the_whole_data_set(client, data):
    got = net_list(client, data)["networks"]
    assert sorted(n["id"] for n in got) == sorted(n["id"] for n in data["networks"])


def test_filter_on_a_string_attribute(client, data):
    got = net_list(client, data, [("name", "alpha")])["networks"]
    assert names(got) == ["alpha", "alpha"]


def test_repeated_filter_parameter_matches_any_of_the_values(client, data):
    got = net_list(client, data, [("name", "alpha"), ("name", "delta"), ("name", "nosuch")])
    assert sorted(names(got["networks"])) == ["alpha", "alpha", "delta"]


def test_filters_on_different_attributes_must_all_hold(client, data):
    got = net_list(client, data, [("name", "alpha"), ("admin_state_up", "false")])["networks"]
    assert [(n["name"], n["mtu"]) for n in got] == [("alpha", 1300)]


@pytest.mark.parametrize("value,expected", [
    ("false", False), ("False", False), ("0", False), ("true", True), ("True", True), ("1", True),
])
def test_boolean_filter_accepts_the_usual_spellings(client, data, value, expected):
    got = net_list(client, data, [("admin_state_up", value)])["networks"]
    want = sorted(n["id"] for n in data["networks"] if n["admin_state_up"] is expected)
    assert sorted(n["id"] for n in got) == want and want


def test_integer_filter(client, data):
    got = net_list(client, data, [("mtu", "1450")])["networks"]
    assert sorted(names(got)) == ["bravo", "charlie", "echo"]
    got = net_list(client, data, [("mtu", "1300"), ("mtu", "1400")])["networks"]
    assert sorted(names(got)) == ["alpha", "alpha", "delta", "foxtrot"]


def test_revision_number_filter(client, data):
    net = data["networks"][0]
    got = net_list(client, data, [("revision_number", str(net["revision_number"])),
                                  ("id", net["id"])])["networks"]
    assert [n["id"] for n in got] == [net["id"]]
    got = net_list(client, data, [("revision_number", str(net["revision_number"] + 100)),
                                  ("id", net["id"])])["networks"]
    assert got == []


def test_filter_without_match_is_an_empty_list(client, data):
    assert net_list(client, data, [("name", "nosuch")]) == {"networks": []}


def test_empty_string_filter_matches_empty_values(client, data):
    got = net_list(client, data, [("description", "")])["networks"]
    assert sorted(names(got)) == ["alpha", "charlie", "delta", "echo", "foxtrot"]


def test_subnet_filters_on_ip_version_and_enable_dhcp(client, data):
    def cidrs(*params):
        r = client.get("/v2.0/subnets", params=[("network_id", data["subnet_net"]), *params])
        assert r.status == 200, r
        return sorted(s["cidr"] for s in r.json["subnets"])
    assert cidrs(("ip_version", "6")) == ["fd50:1::/64", "fd50:2::/64"]
    assert cidrs(("enable_dhcp", "false")) == ["10.50.2.0/24", "fd50:2::/64"]
    assert cidrs(("ip_version", "4"), ("enable_dhcp", "true")) == ["10.50.1.0/24"]
    assert cidrs(("cidr", "10.50.2.0/24"), ("cidr", "fd50:1::/64")) == ["10.50.2.0/24",
                                                                          "fd50:1::/64"]


def test_port_filters_on_device_owner_and_admin_state(client, data):
    def port_names(*params):
        r = client.get("/v2.0/ports", params=[("network_id", data["port_net"]), *params])
        assert r.status == 200, r
        return sorted(names(r.json["ports"]))
    assert port_names(("device_owner", "compute:nova")) == ["p1", "p2"]
    assert port_names(("device_owner", "compute:nova"), ("device_owner", "network:dhcp")) == [
        "p1", "p2", "p3"]
    assert port_names(("device_owner", "")) == ["p4"]
    assert port_names(("admin_state_up", "false")) == ["p2"]
    mac = data["ports"][2]["mac_address"]
    assert port_names(("mac_address", mac.upper())) == ["p3"]


# ---- fields= ---------------------------------------------------------------------------
def test_fields_id_only(client, data):
    got = net_list(client, data, [("fields", "id")])["networks"]
    assert got and all(item.keys() == {"id"} for item in got)


def test_fields_repeated_and_comma_separated(client, data):
    for params in ([("fields", "id"), ("fields", "name")], [("fields", "id,name")]):
        got = net_list(client, data, params)["networks"]
        assert got and all(item.keys() == {"id", "name"} for item in got)


def test_fields_ignores_unknown_names(client, data):
    got = net_list(client, data, [("fields", "id"), ("fields", "bogus")])["networks"]
    assert got and all(item.keys() == {"id"} for item in got)


def test_fields_on_show(client, data):
    net = data["networks"][0]
    r = client.get(f"/v2.0/networks/{net['id']}", params=[("fields", "name"),
                                                          ("fields", "status")])
    assert r.json == {"network": {"name": net["name"], "status": "ACTIVE"}}


def test_fields_of_ports(client, data):
    r = client.get("/v2.0/ports", params=[("network_id", data["port_net"]),
                                          ("fields", "fixed_ips"), ("fields", "mac_address")])
    assert len(r.json["ports"]) == len(PORTS)
    assert all(p.keys() == {"fixed_ips", "mac_address"} for p in r.json["ports"])


# ---- sorting -------------------------------------------------------------------------
@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_sort_by_one_key(client, data, direction):
    got = net_list(client, data, [("sort_key", "name"), ("sort_dir", direction)])["networks"]
    assert names(got) == sorted(names(data["networks"]), reverse=direction == "desc")


def test_sort_by_integer_key(client, data):
    got = net_list(client, data, [("sort_key", "mtu"), ("sort_dir", "desc")])["networks"]
    assert [n["mtu"] for n in got] == sorted((n["mtu"] for n in data["networks"]), reverse=True)


def test_sort_key_without_direction_is_ascending(client, data):
    # Lenient on purpose (openstacksdk users pass sort_key alone); Neutron answers 400.
    got = net_list(client, data, [("sort_key", "name")])["networks"]
    assert names(got) == sorted(names(data["networks"]))


@pytest.mark.parametrize("dirs", [("asc", "asc"), ("desc", "asc"), ("asc", "desc"),
                                  ("desc", "desc")], ids="-".join)
def test_sort_by_several_keys(client, data, dirs):
    got = net_list(client, data, [("sort_key", "mtu"), ("sort_dir", dirs[0]),
                                  ("sort_key", "name"), ("sort_dir", dirs[1])])["networks"]
    want = sorted(data["networks"], key=lambda n: n["name"], reverse=dirs[1] == "desc")
    want.sort(key=lambda n: n["mtu"], reverse=dirs[0] == "desc")  # stable: mtu first
    assert [(n["mtu"], n["name"]) for n in got] == [(n["mtu"], n["name"]) for n in want]


def test_sort_by_boolean_then_name(client, data):
    got = net_list(client, data, [("sort_key", "admin_state_up"), ("sort_dir", "asc"),
                                  ("sort_key", "name"), ("sort_dir", "asc")])["networks"]
    assert [(n["admin_state_up"], n["name"]) for n in got] == sorted(
        (n["admin_state_up"], n["name"]) for n in data["networks"])


def test_sort_subnets_by_cidr_and_ports_by_name(client, data):
    r = client.get("/v2.0/subnets", params=[("network_id", data["subnet_net"]),
                                            ("sort_key", "ip_version"), ("sort_dir", "desc"),
                                            ("sort_key", "cidr"), ("sort_dir", "asc")])
    assert [s["cidr"] for s in r.json["subnets"]] == ["fd50:1::/64", "fd50:2::/64",
                                                      "10.50.1.0/24", "10.50.2.0/24"]
    r = client.get("/v2.0/ports", params=[("network_id", data["port_net"]),
                                          ("sort_key", "name"), ("sort_dir", "desc")])
    assert names(r.json["ports"]) == ["p4", "p3", "p2", "p1"]


# ---- pagination ------------------------------------------------------------------------
def links(body: dict) -> dict[str, str]:
    return {link["rel"]: link["href"] for link in body.get("networks_links", [])}


def follow(client, href: str) -> dict:
    assert href.startswith(client.base), href
    r = client.get(href[len(client.base):])
    assert r.status == 200, r
    return r.json


SORTED = [("sort_key", "name"), ("sort_dir", "asc")]


def expected_order(data) -> list[str]:
    return [n["id"] for n in sorted(data["networks"], key=lambda n: (n["name"], n["id"]))]


def test_first_page_has_limit_items_and_links(client, data):
    body = net_list(client, data, [("limit", "3"), *SORTED])
    assert [n["id"] for n in body["networks"]] == expected_order(data)[:3]
    rels = links(body)
    assert set(rels) == {"next", "previous"}
    assert f"marker={body['networks'][-1]['id']}" in rels["next"]
    assert "limit=3" in rels["next"] and "page_reverse" not in rels["next"]
    assert f"marker={body['networks'][0]['id']}" in rels["previous"]
    assert "page_reverse=True" in rels["previous"]


def test_following_next_links_visits_every_item_once_in_order(client, data):
    body = net_list(client, data, [("limit", "2"), *SORTED])
    seen, pages = [], 0
    while True:
        pages += 1
        assert len(body["networks"]) <= 2
        seen += [n["id"] for n in body["networks"]]
        if "next" not in links(body):
            break
        assert pages < 10
        body = follow(client, links(body)["next"])
    assert seen == expected_order(data)
    assert pages == 4  # 2 + 2 + 2 + 1: the short last page has no next link


def test_following_previous_links_from_the_end_walks_back(client, data):
    body = net_list(client, data, [("limit", "3"), ("page_reverse", "True"), *SORTED])
    order = expected_order(data)
    assert [n["id"] for n in body["networks"]] == order[-3:]
    pages = [[n["id"] for n in body["networks"]]]
    while "previous" in links(body):
        body = follow(client, links(body)["previous"])
        pages.insert(0, [n["id"] for n in body["networks"]])
        assert len(pages) < 10
    assert [i for page in pages for i in page] == order
    assert pages[0] == order[:1]  # the short first page ends the walk


def test_walking_one_by_one_past_the_end_then_back_by_previous_links(client, data):
    # Tempest's href-link test: next links one item at a time until an empty page, which
    # has no next link but a previous one; previous links from there walk back to the start.
    body = net_list(client, data, [("limit", "1"), *SORTED])
    forward = []
    while body["networks"]:
        forward += [n["id"] for n in body["networks"]]
        assert len(forward) <= len(NETWORKS)
        body = follow(client, links(body)["next"])
    assert forward == expected_order(data)
    assert set(links(body)) == {"previous"}
    backward = []
    for _ in NETWORKS:
        body = follow(client, links(body)["previous"])
        assert len(body["networks"]) == 1
        backward += [n["id"] for n in body["networks"]]
    assert backward == forward[::-1]


def test_next_then_previous_returns_to_the_same_page(client, data):
    first = net_list(client, data, [("limit", "2"), *SORTED])
    second = follow(client, links(first)["next"])
    back = follow(client, links(second)["previous"])
    assert back["networks"] == first["networks"]


def test_marker_with_page_reverse_returns_the_items_before_it(client, data):
    order = expected_order(data)
    body = net_list(client, data, [("limit", "2"), ("marker", order[4]), ("page_reverse", "True"),
                                   *SORTED])
    assert [n["id"] for n in body["networks"]] == order[2:4]


def test_pagination_with_descending_sort(client, data):
    body = net_list(client, data, [("limit", "4"), ("sort_key", "name"), ("sort_dir", "desc")])
    seen = [n["id"] for n in body["networks"]]
    seen += [n["id"] for n in follow(client, links(body)["next"])["networks"]]
    # The id tie-breaker (two "alpha") follows the direction of the last sort key.
    assert seen == expected_order(data)[::-1]


def test_limit_larger_than_the_list_has_no_next_link(client, data):
    body = net_list(client, data, [("limit", "100")])
    assert len(body["networks"]) == len(NETWORKS)
    assert "next" not in links(body)


def test_limit_zero_means_no_limit_and_no_links(client, data):
    body = net_list(client, data, [("limit", "0")])
    assert len(body["networks"]) == len(NETWORKS) and "networks_links" not in body


def test_no_links_without_limit(client, data):
    assert "networks_links" not in net_list(client, data)


def test_marker_without_limit_is_ignored(client, data):
    body = net_list(client, data, [("marker", data["networks"][3]["id"])])
    assert len(body["networks"]) == len(NETWORKS)


def test_links_keep_filters_and_fields(client, data):
    body = net_list(client, data, [("limit", "1"), ("fields", "id"), ("fields", "name"),
                                   ("admin_state_up", "false"), *SORTED])
    second = follow(client, links(body)["next"])
    assert [n.keys() for n in second["networks"]] == [{"id", "name"}]
    assert names(body["networks"] + second["networks"]) == ["alpha", "bravo"]
    assert "next" in links(second)
    assert follow(client, links(second)["next"])["networks"] == []


def test_subnet_and_port_pagination(client, data):
    r = client.get("/v2.0/subnets", params=[("network_id", data["subnet_net"]), ("limit", "3")])
    assert len(r.json["subnets"]) == 3 and r.json["subnets_links"][0]["rel"] == "next"
    r = client.get("/v2.0/ports", params=[("network_id", data["port_net"]), ("limit", "3"),
                                          ("sort_key", "name")])
    assert names(r.json["ports"]) == ["p1", "p2", "p3"]
    nxt = next(link["href"] for link in r.json["ports_links"] if link["rel"] == "next")
    assert names(client.get(nxt[len(client.base):]).json["ports"]) == ["p4"]


# ---- changed_since ---------------------------------------------------------------------
def test_changed_since(client, data):
    net = data["networks"][2]
    got = net_list(client, data, [("changed_since", net["updated_at"]), ("id", net["id"])])
    assert [n["id"] for n in got["networks"]] == [net["id"]]
    assert len(net_list(client, data, [("changed_since", "2000-01-01T00:00:00Z")])["networks"]) \
        == len(NETWORKS)
    assert net_list(client, data, [("changed_since", "2999-01-01T00:00:00+00:00")]) == {
        "networks": []}


def test_changed_since_sees_an_update(client, data):
    net = client.network(name="changed")
    updated = client.put(f"/v2.0/networks/{net['id']}", {"network": {"description": "x"}})
    r = client.get("/v2.0/networks", params={"changed_since": updated.json["network"]["updated_at"],
                                             "id": net["id"]})
    assert [n["id"] for n in r.json["networks"]] == [net["id"]]


# ---- malformed queries ----------------------------------------------------------------
def bad(client, path: str, params, status: int = 400):
    r = client.get(path, params=params)
    assert r.status == status, r
    assert r.json and "NeutronError" in r.json, r
    return r


def test_unknown_filters_are_400_naming_all_of_them(client):
    r = bad(client, "/v2.0/networks", [("foo", "1"), ("bar", "2"), ("name", "x")])
    assert r.error_type == "HTTPBadRequest"
    assert "'bar'" in r.error_message and "'foo'" in r.error_message
    assert "filtering" in r.error_message and "'name'" not in r.error_message


@pytest.mark.parametrize("path,attr", [
    ("networks", "subnets"), ("networks", "availability_zone_hints"), ("networks", "tenant"),
    ("subnets", "allocation_pools"), ("subnets", "dns_nameservers"), ("subnets", "host_routes"),
    ("ports", "allowed_address_pairs"), ("ports", "extra_dhcp_opts"),
    ("ports", "binding:profile"), ("ports", "dns_assignment"),
])
def test_filter_on_an_attribute_that_is_not_filterable_is_400(client, path, attr):
    r = bad(client, f"/v2.0/{path}", [(attr, "x")])
    assert attr in r.error_message


@pytest.mark.parametrize("path,key", [
    ("networks", "bogus"), ("networks", "subnets"), ("networks", "description"),
    ("subnets", "allocation_pools"), ("ports", "fixed_ips"), ("ports", "binding:profile"),
])
def test_sort_key_that_is_not_sortable_is_400(client, path, key):
    r = bad(client, f"/v2.0/{path}", [("sort_key", key), ("sort_dir", "asc")])
    assert key in r.error_message and "sort" in r.error_message


@pytest.mark.parametrize("direction", ["up", "ASCENDING", "", "1"])
def test_bad_sort_dir_is_400(client, direction):
    r = bad(client, "/v2.0/networks", [("sort_key", "name"), ("sort_dir", direction)])
    assert "sort_dir" in r.error_message


@pytest.mark.parametrize("params", [
    [("sort_key", "name"), ("sort_key", "id"), ("sort_dir", "asc")],
    [("sort_dir", "asc")],
], ids=["two-keys-one-dir", "dir-without-key"])
def test_sort_keys_and_dirs_of_different_counts_are_400(client, params):
    r = bad(client, "/v2.0/networks", params)
    assert "sort_key" in r.error_message and "sort_dir" in r.error_message


@pytest.mark.parametrize("limit", ["-1", "abc", "1.5", "", "0x10", "1e3"])
def test_bad_limit_is_400(client, limit):
    r = bad(client, "/v2.0/networks", [("limit", limit)])
    assert "Limit must be an integer 0 or greater" in r.error_message


def test_marker_of_unknown_id_is_404(client):
    r = bad(client, "/v2.0/networks", [("limit", "2"), ("marker", str(uuid.uuid4()))], 404)
    assert r.error_type.endswith("NotFound")


def test_marker_that_is_not_a_uuid_is_404(client):
    bad(client, "/v2.0/ports", [("limit", "2"), ("marker", "not-an-id")], 404)


def test_marker_of_another_collection_is_404(client, data):
    bad(client, "/v2.0/networks", [("limit", "2"), ("marker", data["subnets"][0]["id"])], 404)


@pytest.mark.parametrize("value", ["yesterday", "2020-13-01T00:00:00Z", "1", "2020-01-01T25:00"])
def test_bad_changed_since_is_400(client, value):
    r = bad(client, "/v2.0/networks", [("changed_since", value)])
    assert "changed_since" in r.error_message


def test_availability_zones_paginate_by_name(client):
    r = client.get("/v2.0/availability_zones", params={"limit": "1"})
    assert r.status == 200, r
    assert [z["name"] for z in r.json["availability_zones"]] == ["nova"]
    nxt = next(link["href"] for link in r.json["availability_zones_links"] if link["rel"] == "next")
    assert "marker=nova" in nxt
    assert client.get(nxt[len(client.base):]).json["availability_zones"] == []
    assert client.get("/v2.0/availability_zones", params={"limit": "1", "marker": "nowhere"}
                      ).status == 404


@pytest.fixture(scope="module")
def modes(client):
    """Subnets whose ipv6_address_mode is null for two of them (a nullable sort key)."""
    net = client.network()
    for cidr, mode in (("10.52.1.0/24", None), ("fd52:1::/64", "slaac"),
                       ("fd52:2::/64", "dhcpv6-stateful"), ("10.52.2.0/24", None)):
        extra = {"ipv6_address_mode": mode, "ipv6_ra_mode": mode} if mode else {}
        client.subnet(net["id"], cidr, **extra)
    return net["id"]


@pytest.mark.parametrize("direction", ["asc", "desc"])
def test_pagination_over_a_nullable_sort_key_visits_every_item(client, modes, direction):
    params = [("network_id", modes), ("sort_key", "ipv6_address_mode"), ("sort_dir", direction)]
    whole = client.get("/v2.0/subnets", params=params).json["subnets"]
    # NULL sorts lowest, as on MySQL and SQLite: first ascending, last descending.
    want = [None, None, "dhcpv6-stateful", "slaac"]
    assert [s["ipv6_address_mode"] for s in whole] == (want if direction == "asc" else want[::-1])
    body = client.get("/v2.0/subnets", params=[*params, ("limit", "1")]).json
    seen = []
    while True:
        seen += [s["id"] for s in body["subnets"]]
        nxt = {link["rel"]: link["href"] for link in body["subnets_links"]}.get("next")
        if not nxt or len(seen) > 8:
            break
        body = client.get(nxt[len(client.base):]).json
    assert seen == [s["id"] for s in whole]


def test_pagination_backwards_over_a_nullable_sort_key(client, modes):
    params = [("network_id", modes), ("sort_key", "ipv6_address_mode"), ("sort_dir", "asc")]
    whole = [s["id"] for s in client.get("/v2.0/subnets", params=params).json["subnets"]]
    body = client.get("/v2.0/subnets", params=[*params, ("limit", "1"),
                                               ("page_reverse", "True")]).json
    seen = []
    while True:
        seen = [s["id"] for s in body["subnets"]] + seen
        prev = {link["rel"]: link["href"] for link in body["subnets_links"]}.get("previous")
        if not prev or len(seen) > 8:
            break
        body = client.get(prev[len(client.base):]).json
    assert seen == whole


def test_links_work_when_fields_leave_out_the_id(client, data):
    body = net_list(client, data, [("limit", "4"), ("fields", "name"), *SORTED])
    assert [n.keys() for n in body["networks"]] == [{"name"}] * 4
    rest = follow(client, links(body)["next"])["networks"]
    assert names(body["networks"] + rest) == sorted(names(data["networks"]))
