"""Bulk create ({"<collection>": [...]}): every item comes back, in request order,
and a bulk request with one bad item fails as a whole and stores nothing."""
import uuid

import pytest

# Explicit segmentation id of this module, outside the tenant VNI range and the ids
# other modules take on the same server.
VNI_TAKEN_TWICE = 20101


def _names(prefix: str, count: int) -> list[str]:
    tag = uuid.uuid4().hex[:6]
    return [f"{prefix}-{tag}-{i}" for i in range(count)]


# ---- success ---------------------------------------------------------------------------
def test_bulk_networks_come_back_in_request_order(admin):
    names = _names("bulk", 5)
    r = admin.post("/v2.0/networks", {"networks": [{"name": n} for n in names]})
    assert r.status == 201, r
    created = r.json["networks"]
    assert [n["name"] for n in created] == names
    assert len({n["id"] for n in created}) == 5
    for net in created:
        assert admin.show("networks", net["id"]) == net


def test_bulk_networks_each_get_their_own_attributes(admin):
    r = admin.post("/v2.0/networks", {"networks": [
        {"name": "up", "admin_state_up": True, "mtu": 1400},
        {"name": "down", "admin_state_up": False},
    ]})
    up, down = r.json["networks"]
    assert (up["admin_state_up"], up["mtu"]) == (True, 1400)
    assert (down["admin_state_up"], down["mtu"]) == (False, 1450)
    assert up["provider:segmentation_id"] != down["provider:segmentation_id"]


def test_bulk_ports_come_back_in_request_order_with_their_addresses(admin):
    net = admin.network()
    sub = admin.subnet(net["id"], "10.70.0.0/24")
    names = _names("port", 4)
    items = [{"network_id": net["id"], "name": n} for n in names]
    items[1]["fixed_ips"] = [{"ip_address": "10.70.0.200"}]
    items[3]["fixed_ips"] = [{"subnet_id": sub["id"], "ip_address": "10.70.0.100"}]
    r = admin.post("/v2.0/ports", {"ports": items})
    assert r.status == 201, r
    ports = r.json["ports"]
    assert [p["name"] for p in ports] == names
    assert ports[1]["fixed_ips"][0]["ip_address"] == "10.70.0.200"
    assert ports[3]["fixed_ips"][0]["ip_address"] == "10.70.0.100"
    addresses = [p["fixed_ips"][0]["ip_address"] for p in ports]
    assert len(set(addresses)) == 4
    assert len({p["mac_address"] for p in ports}) == 4
    for port in ports:
        assert admin.show("ports", port["id"]) == port


def test_bulk_subnets_on_one_network(admin):
    net = admin.network()
    r = admin.post("/v2.0/subnets", {"subnets": [
        {"network_id": net["id"], "ip_version": 4, "cidr": "10.71.0.0/24"},
        {"network_id": net["id"], "ip_version": 6, "cidr": "fd71::/64"},
    ]})
    assert r.status == 201, r
    assert [s["cidr"] for s in r.json["subnets"]] == ["10.71.0.0/24", "fd71::/64"]
    # The order of a network's subnets is not specified (same second, then by id).
    assert sorted(admin.show("networks", net["id"])["subnets"]) == sorted(
        s["id"] for s in r.json["subnets"])


def test_single_item_bulk_is_still_a_list(admin):
    r = admin.post("/v2.0/networks", {"networks": [{"name": "alone"}]})
    assert r.status == 201 and [n["name"] for n in r.json["networks"]] == ["alone"]


def test_sdk_bulk_create_ports(sdk):
    net = sdk.network.create_network(name="sdk-bulk")
    sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.72.0.0/24")
    ports = sdk.network.create_ports([{"network_id": net.id, "name": f"sdk-{i}"}
                                      for i in range(3)])
    assert [p.name for p in ports] == ["sdk-0", "sdk-1", "sdk-2"]
    assert sorted(p.name for p in sdk.network.ports(network_id=net.id)) == [
        "sdk-0", "sdk-1", "sdk-2"]


# ---- all or nothing ------------------------------------------------------------------
@pytest.fixture
def port_net(admin):
    net = admin.network()
    sub = admin.subnet(net["id"], "10.73.0.0/24")
    return net, sub


def _fails_and_stores_nothing(admin, collection: str, items: list, status: int,
                              error_type: str | None = None):
    before = admin.snapshot()
    r = admin.post(f"/v2.0/{collection}", {collection: items})
    assert r.status == status, r
    if error_type:
        assert r.error_type == error_type, r
    assert admin.snapshot() == before
    return r


def test_bulk_ports_with_an_address_in_use_store_nothing(admin, port_net):
    net, _sub = port_net
    admin.port(net["id"], fixed_ips=[{"ip_address": "10.73.0.50"}])
    items = [{"network_id": net["id"], "fixed_ips": [{"ip_address": "10.73.0.40"}]},
             {"network_id": net["id"]},
             {"network_id": net["id"], "fixed_ips": [{"ip_address": "10.73.0.50"}]}]
    r = _fails_and_stores_nothing(admin, "ports", items, 409, "IpAddressInUse")
    assert "10.73.0.50" in r.error_message
    # The first item's address was not kept either.
    assert admin.port(net["id"], fixed_ips=[{"ip_address": "10.73.0.40"}])


def test_bulk_ports_asking_twice_for_one_address_store_nothing(admin, port_net):
    net, _sub = port_net
    items = [{"network_id": net["id"], "fixed_ips": [{"ip_address": "10.73.0.60"}]}] * 2
    _fails_and_stores_nothing(admin, "ports", items, 409, "IpAddressInUse")


def test_bulk_ports_with_one_mac_twice_store_nothing(admin, port_net):
    net, _sub = port_net
    items = [{"network_id": net["id"], "mac_address": "fa:16:3e:73:00:01"}] * 2
    _fails_and_stores_nothing(admin, "ports", items, 409, "MacAddressInUse")


def test_bulk_ports_exhausting_the_pool_store_nothing(admin):
    net = admin.network()
    admin.subnet(net["id"], "10.74.0.0/29")  # .2 to .6 allocatable: five addresses
    items = [{"network_id": net["id"]} for _ in range(6)]
    _fails_and_stores_nothing(admin, "ports", items, 409, "IpAddressGenerationFailure")
    r = admin.post("/v2.0/ports", {"ports": items[:5]})
    assert r.status == 201 and len(r.json["ports"]) == 5


def test_bulk_ports_with_one_invalid_attribute_store_nothing(admin, port_net):
    net, _sub = port_net
    items = [{"network_id": net["id"], "name": "fine"},
             {"network_id": net["id"], "mac_address": "not-a-mac"}]
    r = _fails_and_stores_nothing(admin, "ports", items, 400)
    assert "mac_address" in r.error_message


def test_bulk_ports_with_one_unknown_attribute_store_nothing(admin, port_net):
    net, _sub = port_net
    items = [{"network_id": net["id"]}, {"network_id": net["id"], "colour": "red"}]
    r = _fails_and_stores_nothing(admin, "ports", items, 400)
    assert "colour" in r.error_message


def test_bulk_ports_with_one_item_on_an_unknown_network_store_nothing(admin, port_net):
    net, _sub = port_net
    items = [{"network_id": net["id"]}, {"network_id": str(uuid.uuid4())}]
    _fails_and_stores_nothing(admin, "ports", items, 404, "NetworkNotFound")


def test_bulk_ports_with_an_address_outside_the_network_store_nothing(admin, port_net):
    net, _sub = port_net
    items = [{"network_id": net["id"]},
             {"network_id": net["id"], "fixed_ips": [{"ip_address": "192.0.2.1"}]}]
    _fails_and_stores_nothing(admin, "ports", items, 400, "InvalidIpForNetwork")


def test_bulk_networks_with_one_invalid_attribute_store_nothing(admin):
    items = [{"name": "ok-1"}, {"name": "ok-2"}, {"mtu": "big"}]
    r = _fails_and_stores_nothing(admin, "networks", items, 400)
    assert "mtu" in r.error_message


def test_bulk_networks_with_a_segment_taken_twice_store_nothing(admin):
    seg = {"provider:network_type": "vxlan", "provider:segmentation_id": VNI_TAKEN_TWICE}
    _fails_and_stores_nothing(admin, "networks", [{"name": "first", **seg},
                                                  {"name": "second", **seg}],
                              409, "SegmentationIdInUse")
    # The first network's reservation was rolled back with it.
    assert admin.network(**seg)["provider:segmentation_id"] == VNI_TAKEN_TWICE


def test_bulk_networks_with_an_unknown_zone_store_nothing(admin):
    _fails_and_stores_nothing(admin, "networks", [
        {"name": "a"}, {"name": "b", "availability_zone_hints": ["no-such-zone"]}],
        404, "AvailabilityZoneNotFound")


def test_bulk_subnets_overlapping_each_other_store_nothing(admin):
    net = admin.network()
    items = [{"network_id": net["id"], "ip_version": 4, "cidr": "10.75.0.0/24"},
             {"network_id": net["id"], "ip_version": 4, "cidr": "10.75.0.128/25"}]
    _fails_and_stores_nothing(admin, "subnets", items, 400, "DuplicateSubnetCidr")


def test_member_bulk_with_a_foreign_project_stores_nothing(admin, member):
    items = [{"name": "mine"}, {"name": "theirs", "project_id": uuid.uuid4().hex}]
    before = admin.snapshot()
    r = member.post("/v2.0/networks", {"networks": items})
    assert r.status == 400 and "project_id" in r.error_message, r  # as Neutron
    assert admin.snapshot() == before


# ---- malformed bulk bodies ------------------------------------------------------------
@pytest.mark.parametrize("body", [
    {"networks": []},
    {"networks": {}},
    {"networks": None},
    {"networks": "net"},
    {"networks": [{"name": "a"}, "b"]},
    {"networks": [{"name": "a"}, None]},
    {"networks": [{"name": "a"}], "network": {"name": "b"}},
    {"networks": [{"name": "a"}], "extra": 1},
], ids=["empty-list", "object", "null", "string", "item-not-object", "item-null",
        "plural-and-singular", "extra-top-level-key"])
def test_malformed_bulk_body_is_400_and_stores_nothing(admin, body):
    before = admin.snapshot()
    r = admin.post("/v2.0/networks", body)
    assert r.status == 400 and r.error_type, r
    assert "network" in r.error_message
    assert admin.snapshot() == before
