"""Segments (alias ``segment``, ``standard-attr-segment``), networks of several
segments (``multi-provider``) and subnets on segments, with routed networks: a
port's address comes from the segment its host reaches."""
from __future__ import annotations

import uuid

import pytest

from tests.support.agents import new_host, ovs_configurations, register_ok
from tests.support.client import Client
from tests.support.databases import new_database
from tests.support.server import ServerProcess

PHYSNETS = ("seg1", "seg2")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def routed(request, tmp_path_factory):
    url = new_database(request, tmp_path_factory.mktemp("segments"), "segments")
    server = ServerProcess(database_url=url, extra_conf=(
        "[ml2_type_vlan]\nnetwork_vlan_ranges = seg1:100:199,seg2:200:299\n"
        "[ml2_type_flat]\nflat_networks = *\n")).start()
    yield server
    server.stop()


@pytest.fixture
def admin(routed) -> Client:
    return Client(routed.url)


@pytest.fixture
def member(routed) -> Client:
    return Client(routed.url, uuid.uuid4().hex, "member,reader")


def vlan_network(admin: Client, physnet: str = "seg1", **more) -> dict:
    r = admin.post("/v2.0/networks", json={"network": {
        "name": "routed", "provider:network_type": "vlan",
        "provider:physical_network": physnet, **more}})
    assert r.status == 201, r
    return r.json["network"]


def segments_of(admin: Client, net_id: str) -> list[dict]:
    r = admin.get(f"/v2.0/segments?network_id={net_id}&sort_key=segmentation_id")
    assert r.status == 200, r
    return r.json["segments"]


def add_segment(admin: Client, net_id: str, **attrs) -> dict:
    r = admin.post("/v2.0/segments", json={"segment": {
        "network_id": net_id, "network_type": "vlan", "physical_network": "seg2", **attrs}})
    assert r.status == 201, r
    return r.json["segment"]


def subnet(admin: Client, net_id: str, cidr: str, **attrs) -> dict:
    r = admin.post("/v2.0/subnets", json={"subnet": {
        "network_id": net_id, "cidr": cidr, "ip_version": 4, **attrs}})
    assert r.status == 201, r
    return r.json["subnet"]


def host_on(admin: Client, physnet: str) -> str:
    host = new_host()
    register_ok(admin, host, configurations=ovs_configurations(
        tunnel_types=(), bridge_mappings={physnet: "br-" + physnet}))
    return host


def routed_network(admin: Client) -> tuple[dict, dict, dict, dict, dict]:
    """A network of two VLAN segments on two physical networks, a subnet on each."""
    net = vlan_network(admin)
    first = segments_of(admin, net["id"])[0]
    second = add_segment(admin, net["id"], name="second")
    sub1 = subnet(admin, net["id"], "10.51.1.0/24", segment_id=first["id"])
    sub2 = subnet(admin, net["id"], "10.51.2.0/24", segment_id=second["id"])
    return net, first, second, sub1, sub2


# ---- the resource ---------------------------------------------------------------
def test_network_has_one_segment_listed_with_its_provider_attributes(admin):
    net = vlan_network(admin, **{"provider:segmentation_id": 150})
    [seg] = segments_of(admin, net["id"])
    assert seg["network_id"] == net["id"] and seg["network_type"] == "vlan"
    assert seg["physical_network"] == "seg1" and seg["segmentation_id"] == 150
    assert seg["name"] is None and seg["revision_number"] == 0
    assert seg["created_at"].endswith("Z") and seg["tags"] == []
    assert "project_id" not in seg and "tenant_id" not in seg


def test_segment_create_shows_every_attribute_and_allocates_an_id(admin):
    net = vlan_network(admin)
    seg = add_segment(admin, net["id"], name="two", description="second segment")
    assert set(seg) == {"id", "network_id", "name", "description", "network_type",
                        "physical_network", "segmentation_id", "tags", "created_at",
                        "updated_at", "revision_number"}
    assert 200 <= seg["segmentation_id"] <= 299 and seg["name"] == "two"
    assert admin.get(f"/v2.0/segments/{seg['id']}").json["segment"] == seg


def test_network_with_two_segments_shows_segments_not_provider_attributes(admin):
    net = vlan_network(admin)
    add_segment(admin, net["id"], segmentation_id=250)
    shown = admin.get(f"/v2.0/networks/{net['id']}").json["network"]
    assert "provider:network_type" not in shown
    assert shown["segments"][1] == {"provider:network_type": "vlan",
                                    "provider:physical_network": "seg2",
                                    "provider:segmentation_id": 250}
    assert shown["revision_number"] > net["revision_number"]


def test_network_created_with_segments_is_multi_provider(admin):
    r = admin.post("/v2.0/networks", json={"network": {"name": "mp", "segments": [
        {"provider:network_type": "vlan", "provider:physical_network": "seg1",
         "provider:segmentation_id": 160},
        {"provider:network_type": "vxlan"}]}})
    assert r.status == 201, r
    net = r.json["network"]
    assert [s["provider:network_type"] for s in net["segments"]] == ["vlan", "vxlan"]
    assert net["segments"][0]["provider:segmentation_id"] == 160
    assert "provider:physical_network" not in net
    assert [s["network_type"] for s in segments_of(admin, net["id"])] == ["vlan", "vxlan"]


def test_network_with_one_segment_in_segments_shows_provider_attributes(admin):
    r = admin.post("/v2.0/networks", json={"network": {"segments": [
        {"provider:network_type": "vlan", "provider:physical_network": "seg2"}]}})
    assert r.status == 201, r
    net = r.json["network"]
    assert "segments" not in net and net["provider:physical_network"] == "seg2"


@pytest.mark.parametrize("body, error", [
    ({"segments": [{"provider:network_type": "vxlan", "provider:segmentation_id": 77},
                   {"provider:network_type": "vxlan", "provider:segmentation_id": 77}]},
     "SegmentsContainDuplicateEntry"),
    ({"segments": [{"provider:network_type": "vxlan"}], "provider:network_type": "vxlan"},
     "InvalidInput"),
    ({"segments": [{"provider:network_type": "token-ring"}]}, "HTTPBadRequest"),
    ({"segments": [{"provider:network_type": "vxlan", "colour": "red"}]}, "HTTPBadRequest"),
    ({"segments": "vxlan"}, "HTTPBadRequest"),
    ({"segments": [{"provider:physical_network": "seg1"}]}, "InvalidInput"),
])
def test_bad_segments_on_network_create_are_refused(admin, body, error):
    before = len(admin.get("/v2.0/networks").json["networks"])
    r = admin.post("/v2.0/networks", json={"network": body})
    assert r.status == 400 and r.error_type == error, r
    assert len(admin.get("/v2.0/networks").json["networks"]) == before


def test_segment_update_changes_name_and_description_and_bumps_revision(admin):
    seg = add_segment(admin, vlan_network(admin)["id"])
    r = admin.put(f"/v2.0/segments/{seg['id']}", json={"segment": {
        "name": "renamed", "description": "d"}})
    assert r.status == 200, r
    assert r.json["segment"]["name"] == "renamed" and r.json["segment"]["description"] == "d"
    assert r.json["segment"]["revision_number"] == seg["revision_number"] + 1


@pytest.mark.parametrize("attrs", [{"network_type": "vxlan"}, {"segmentation_id": 5},
                                   {"physical_network": "x"}, {"network_id": str(uuid.uuid4())},
                                   {"colour": "red"}, {"name": 5}])
def test_segment_update_of_other_attributes_is_refused(admin, attrs):
    seg = add_segment(admin, vlan_network(admin)["id"])
    r = admin.put(f"/v2.0/segments/{seg['id']}", json={"segment": attrs})
    assert r.status == 400, r
    assert admin.get(f"/v2.0/segments/{seg['id']}").json["segment"] == seg


@pytest.mark.parametrize("attrs, status, error", [
    ({}, 400, "HTTPBadRequest"),  # network_id and network_type required
    ({"network_type": "vlan"}, 400, "HTTPBadRequest"),
    ({"network_id": "NET", "network_type": "token-ring"}, 400, "HTTPBadRequest"),
    ({"network_id": "NET", "network_type": "vlan", "physical_network": "nowhere"}, 400,
     "InvalidInput"),
    ({"network_id": "NET", "network_type": "vlan", "physical_network": "seg2",
      "segmentation_id": 5000}, 400, "InvalidInput"),
    ({"network_id": "NET", "network_type": "vxlan", "physical_network": "seg2"}, 400,
     "InvalidInput"),
    ({"network_id": str(uuid.uuid4()), "network_type": "vxlan"}, 404, "NetworkNotFound"),
    ({"network_id": "NET", "network_type": "vlan", "physical_network": "seg1",
      "segmentation_id": "USED"}, 409, "SegmentationIdInUse"),
    ({"network_id": "NET", "network_type": "vxlan", "id": str(uuid.uuid4())}, 400,
     "HTTPBadRequest"),
])
def test_bad_segment_create_is_refused_and_changes_nothing(admin, attrs, status, error):
    net = vlan_network(admin)
    used = segments_of(admin, net["id"])[0]["segmentation_id"]
    attrs = {k: (net["id"] if v == "NET" else used if v == "USED" else v)
             for k, v in attrs.items()}
    r = admin.post("/v2.0/segments", json={"segment": attrs})
    assert r.status == status and r.error_type == error, r
    assert len(segments_of(admin, net["id"])) == 1


def test_segments_are_for_admins_only(admin, member):
    seg = segments_of(admin, vlan_network(admin)["id"])[0]
    assert member.get(f"/v2.0/segments/{seg['id']}").status == 404
    assert member.get("/v2.0/segments").json["segments"] == []
    net = member.post("/v2.0/networks", json={"network": {}}).json["network"]
    r = member.post("/v2.0/segments", json={"segment": {"network_id": net["id"],
                                                         "network_type": "vxlan"}})
    assert r.status == 403, r
    assert member.put(f"/v2.0/segments/{seg['id']}",
                      json={"segment": {"name": "x"}}).status == 404
    assert member.delete(f"/v2.0/segments/{seg['id']}").status == 404


def test_unknown_segment_is_404_segment_not_found(admin):
    r = admin.get(f"/v2.0/segments/{uuid.uuid4()}")
    assert r.status == 404 and r.error_type == "SegmentNotFound", r
    assert admin.delete(f"/v2.0/segments/{uuid.uuid4()}").status == 404


def test_segment_list_filters_by_type_and_physical_network(admin):
    net = vlan_network(admin)
    add_segment(admin, net["id"])
    r = admin.get(f"/v2.0/segments?network_id={net['id']}&physical_network=seg2")
    assert [s["physical_network"] for s in r.json["segments"]] == ["seg2"]
    assert admin.get("/v2.0/segments?colour=red").status == 400


def test_segment_tags(admin):
    seg = add_segment(admin, vlan_network(admin)["id"])
    assert admin.put(f"/v2.0/segments/{seg['id']}/tags/red").status == 201
    shown = admin.get(f"/v2.0/segments/{seg['id']}").json["segment"]
    assert shown["tags"] == ["red"] and shown["revision_number"] == seg["revision_number"] + 1
    assert [s["id"] for s in admin.get("/v2.0/segments?tags=red").json["segments"]] == [seg["id"]]


def test_segment_delete_frees_its_segmentation_id_and_updates_the_network(admin):
    net = vlan_network(admin)
    seg = add_segment(admin, net["id"], segmentation_id=222)
    assert admin.delete(f"/v2.0/segments/{seg['id']}").status == 204
    assert admin.get(f"/v2.0/segments/{seg['id']}").status == 404
    shown = admin.get(f"/v2.0/networks/{net['id']}").json["network"]
    assert "segments" not in shown and shown["provider:physical_network"] == "seg1"
    assert add_segment(admin, net["id"], segmentation_id=222)["segmentation_id"] == 222


def test_deleting_a_segment_with_subnets_is_409_segment_in_use(admin):
    net, first, _second, sub1, _sub2 = routed_network(admin)
    r = admin.delete(f"/v2.0/segments/{first['id']}")
    assert r.status == 409 and r.error_type == "SegmentInUse", r
    assert sub1["id"] in r.error_message
    assert admin.get(f"/v2.0/segments/{first['id']}").status == 200


def test_deleting_a_segment_a_port_is_bound_to_is_409_segment_in_use(admin):
    net = vlan_network(admin)
    seg = add_segment(admin, net["id"])
    host = host_on(admin, "seg2")
    r = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"],
                                                 "binding:host_id": host}})
    assert r.status == 201 and r.json["port"]["binding:vif_type"] == "ovs", r
    r = admin.delete(f"/v2.0/segments/{seg['id']}")
    assert r.status == 409 and r.error_type == "SegmentInUse", r


def test_deleting_a_networks_last_segment_is_409(admin):
    [seg] = segments_of(admin, vlan_network(admin)["id"])
    r = admin.delete(f"/v2.0/segments/{seg['id']}")
    assert r.status == 409 and r.error_type == "SegmentInUse", r


def test_network_delete_takes_its_segments(admin):
    net = vlan_network(admin)
    seg = add_segment(admin, net["id"])
    assert admin.delete(f"/v2.0/networks/{net['id']}").status == 204
    assert admin.get(f"/v2.0/segments/{seg['id']}").status == 404


# ---- subnets on segments -----------------------------------------------------------
def test_subnet_shows_its_segment(admin):
    net, first, second, sub1, sub2 = routed_network(admin)
    assert sub1["segment_id"] == first["id"] and sub2["segment_id"] == second["id"]
    r = admin.get(f"/v2.0/subnets?segment_id={second['id']}")
    assert [s["id"] for s in r.json["subnets"]] == [sub2["id"]]
    plain = subnet(admin, vlan_network(admin)["id"], "10.52.0.0/24")
    assert plain["segment_id"] is None


def test_subnets_are_all_on_segments_or_none_is(admin):
    net, *_ = routed_network(admin)
    r = admin.post("/v2.0/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "10.51.9.0/24", "ip_version": 4}})
    assert r.status == 400 and r.error_type == "SubnetsNotAllAssociatedWithSegments", r
    other = vlan_network(admin)
    subnet(admin, other["id"], "10.53.0.0/24")
    seg = segments_of(admin, other["id"])[0]
    r = admin.post("/v2.0/subnets", json={"subnet": {
        "network_id": other["id"], "cidr": "10.53.1.0/24", "ip_version": 4,
        "segment_id": seg["id"]}})
    assert r.status == 400 and r.error_type == "SubnetsNotAllAssociatedWithSegments", r
    assert len(admin.get(f"/v2.0/subnets?network_id={other['id']}").json["subnets"]) == 1


def test_subnet_on_another_networks_segment_or_an_unknown_one_is_refused(admin):
    seg = segments_of(admin, vlan_network(admin)["id"])[0]
    net = vlan_network(admin)
    r = admin.post("/v2.0/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "10.54.0.0/24", "ip_version": 4,
        "segment_id": seg["id"]}})
    assert r.status == 400 and r.error_type == "NetworkIdsDontMatch", r
    r = admin.post("/v2.0/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "10.54.0.0/24", "ip_version": 4,
        "segment_id": str(uuid.uuid4())}})
    assert r.status == 404 and r.error_type == "SegmentNotFound", r
    r = admin.post("/v2.0/subnets", json={"subnet": {
        "network_id": net["id"], "cidr": "10.54.0.0/24", "ip_version": 4,
        "segment_id": "not-a-uuid"}})
    assert r.status == 400, r
    assert admin.get(f"/v2.0/subnets?network_id={net['id']}").json["subnets"] == []


# ---- subnet-segmentid-writable ------------------------------------------------------
def put_subnet(admin: Client, sub: dict, **attrs):
    return admin.put(f"/v2.0/subnets/{sub['id']}", json={"subnet": attrs})


def test_subnet_update_puts_the_only_subnet_on_the_networks_one_segment(admin):
    net = vlan_network(admin)
    [seg] = segments_of(admin, net["id"])
    sub = subnet(admin, net["id"], "10.55.0.0/24")
    r = put_subnet(admin, sub, segment_id=seg["id"])
    assert r.status == 200, r
    assert r.json["subnet"]["segment_id"] == seg["id"]
    assert r.json["subnet"]["revision_number"] == sub["revision_number"] + 1
    assert admin.get(f"/v2.0/subnets/{sub['id']}").json["subnet"]["segment_id"] == seg["id"]
    # The same segment again: no change, no error.
    assert put_subnet(admin, sub, segment_id=seg["id"]).status == 200


def assert_subnet_update_refused(admin: Client, sub: dict, segment_id, status: int,
                                 error: str) -> None:
    r = put_subnet(admin, sub, segment_id=segment_id, name="changed")
    assert r.status == status and r.error_type == error, r
    shown = admin.get(f"/v2.0/subnets/{sub['id']}").json["subnet"]
    assert (shown["segment_id"], shown["name"]) == (sub["segment_id"], sub["name"])


def test_subnet_update_of_a_segment_association_is_refused(admin):
    net, first, second, sub1, _sub2 = routed_network(admin)
    # Two subnets on the network: Neutron refuses any change.
    assert_subnet_update_refused(admin, sub1, second["id"], 400,
                                 "SubnetsNotAllAssociatedWithSegments")
    net = vlan_network(admin)
    [seg] = segments_of(admin, net["id"])
    sub = subnet(admin, net["id"], "10.56.0.0/24", segment_id=seg["id"])
    assert_subnet_update_refused(admin, sub, None, 400,
                                 "SubnetSegmentAssociationChangeNotAllowed")


def test_subnet_update_on_a_network_of_several_segments_is_refused(admin):
    net = vlan_network(admin)
    second = add_segment(admin, net["id"])
    sub = subnet(admin, net["id"], "10.57.0.0/24")
    assert_subnet_update_refused(admin, sub, second["id"], 400,
                                 "NoUpdateSubnetWhenMultipleSegmentsOnNetwork")


def test_subnet_update_to_another_networks_or_an_unknown_segment_is_refused(admin):
    [foreign] = segments_of(admin, vlan_network(admin)["id"])
    sub = subnet(admin, vlan_network(admin)["id"], "10.58.0.0/24")
    assert_subnet_update_refused(admin, sub, foreign["id"], 400, "NetworkIdsDontMatch")
    assert_subnet_update_refused(admin, sub, str(uuid.uuid4()), 404, "SegmentNotFound")
    assert_subnet_update_refused(admin, sub, "not-a-uuid", 400, "HTTPBadRequest")


# ---- routed networks: ports ---------------------------------------------------------
def test_port_gets_its_address_from_the_segment_its_host_reaches(admin):
    net, _first, _second, sub1, sub2 = routed_network(admin)
    for physnet, sub in (("seg1", sub1), ("seg2", sub2)):
        r = admin.post("/v2.0/ports", json={"port": {
            "network_id": net["id"], "binding:host_id": host_on(admin, physnet)}})
        assert r.status == 201, r
        port = r.json["port"]
        assert [ip["subnet_id"] for ip in port["fixed_ips"]] == [sub["id"]]
        assert port["binding:vif_type"] == "ovs" and port["ip_allocation"] == "immediate"


def test_port_without_a_host_on_a_routed_network_is_deferred(admin):
    net, _first, second, _sub1, sub2 = routed_network(admin)
    r = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"]}})
    assert r.status == 201, r
    port = r.json["port"]
    assert port["fixed_ips"] == [] and port["ip_allocation"] == "deferred"
    r = admin.put(f"/v2.0/ports/{port['id']}", json={"port": {
        "binding:host_id": host_on(admin, "seg2")}})
    assert r.status == 200, r
    assert [ip["subnet_id"] for ip in r.json["port"]["fixed_ips"]] == [sub2["id"]]
    assert r.json["port"]["ip_allocation"] == "immediate"


def test_port_on_a_host_reaching_no_segment_of_a_routed_network_is_409(admin):
    net, *_ = routed_network(admin)
    host = host_on(admin, "elsewhere")
    r = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"],
                                                 "binding:host_id": host}})
    assert r.status == 409 and r.error_type == "HostNotConnectedToAnySegment", r
    assert admin.get(f"/v2.0/ports?network_id={net['id']}").json["ports"] == []


def test_port_on_a_host_reaching_two_segments_is_409(admin):
    net, *_ = routed_network(admin)
    host = new_host()
    register_ok(admin, host, configurations=ovs_configurations(
        tunnel_types=(), bridge_mappings={"seg1": "br-1", "seg2": "br-2"}))
    r = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"],
                                                 "binding:host_id": host}})
    assert r.status == 409 and r.error_type == "HostConnectedToMultipleSegments", r


def test_port_with_explicit_fixed_ips_on_a_routed_network_keeps_them(admin):
    net, _first, _second, _sub1, sub2 = routed_network(admin)
    r = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"],
                                                 "fixed_ips": [{"subnet_id": sub2["id"]}]}})
    assert r.status == 201, r
    assert [ip["subnet_id"] for ip in r.json["port"]["fixed_ips"]] == [sub2["id"]]
    assert r.json["port"]["ip_allocation"] == "immediate"


def test_ports_on_networks_without_segment_subnets_are_unchanged(admin):
    net = vlan_network(admin)
    sub = subnet(admin, net["id"], "10.55.0.0/24")
    r = admin.post("/v2.0/ports", json={"port": {"network_id": net["id"]}})
    assert r.status == 201 and r.json["port"]["ip_allocation"] == "immediate", r
    assert r.json["port"]["fixed_ips"][0]["subnet_id"] == sub["id"]


def test_extensions_are_advertised(admin):
    aliases = {e["alias"] for e in admin.get("/v2.0/extensions").json["extensions"]}
    assert {"segment", "multi-provider", "standard-attr-segment", "binding-extended",
            "subnet-segmentid-writable"} <= aliases
