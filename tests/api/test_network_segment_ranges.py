"""Network segment ranges (alias ``network-segment-range``): the configured default
ranges, project and shared ranges, their validation, and tenant networks allocated
from them; through raw HTTP and the real openstacksdk."""
from __future__ import annotations

import uuid

import openstack
import pytest

from tests.support.client import Client
from tests.support.databases import new_database
from tests.support.server import ServerProcess

RANGES = "/v2.0/network_segment_ranges"
# Small ranges, so that a test can use up one.
CONF = ("[ml2]\ntenant_network_types = vxlan,vlan\n"
        "[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:100:109,physnet2\n"
        "[ml2_type_vxlan]\nvni_ranges = 1:20\n"
        "[ml2_type_geneve]\nvni_ranges = 1:5\n")


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def ranged(request, tmp_path_factory):
    url = new_database(request, tmp_path_factory.mktemp("ranges"), "ranges")
    server = ServerProcess(database_url=url, extra_conf=CONF).start()
    yield server
    server.stop()


@pytest.fixture
def admin(ranged) -> Client:
    return Client(ranged.url)


@pytest.fixture
def project() -> str:
    return uuid.uuid4().hex


def make_range(admin: Client, **attrs) -> dict:
    body = {"name": "r", "network_type": "vxlan", "minimum": 1000, "maximum": 1009, **attrs}
    r = admin.post(RANGES, json={"network_segment_range": body})
    assert r.status == 201, r
    return r.json["network_segment_range"]


def delete_range(admin: Client, range_id: str) -> None:
    assert admin.delete(f"{RANGES}/{range_id}").status == 204


def network(admin: Client, project: str, **attrs) -> dict:
    r = admin.post("/v2.0/networks", json={"network": {"project_id": project, **attrs}})
    assert r.status == 201, r
    return r.json["network"]


def delete_networks(admin: Client, nets: list[dict]) -> None:
    for net in nets:
        assert admin.delete(f"/v2.0/networks/{net['id']}").status == 204


def ranges(admin: Client, query: str = "") -> list[dict]:
    r = admin.get(f"{RANGES}{query}")
    assert r.status == 200, r
    return r.json["network_segment_ranges"]


def assert_error(r, status: int, kind: str) -> None:
    assert r.status == status, r
    assert r.json["NeutronError"]["type"] == kind, r.json


def test_default_ranges_are_the_configured_ones(admin):
    found = {(r["network_type"], r["physical_network"], r["minimum"], r["maximum"]): r
             for r in ranges(admin, "?default=true")}
    assert set(found) == {("vlan", "physnet1", 100, 109), ("vxlan", None, 1, 20),
                          ("geneve", None, 1, 5)}
    geneve = found[("geneve", None, 1, 5)]
    assert geneve["shared"] is True and geneve["project_id"] is None
    assert geneve["name"] == "" and geneve["used"] == {}
    assert geneve["available"] == [1, 2, 3, 4, 5]
    assert {"tags", "created_at", "updated_at", "revision_number", "description"} <= set(geneve)


def test_default_ranges_keep_their_ids_across_restarts(ranged, admin):
    before = {r["id"] for r in ranges(admin, "?default=true")}
    ranged.stop()
    ranged.start()
    assert {r["id"] for r in ranges(admin, "?default=true")} == before


def test_default_range_cannot_be_updated_or_deleted(admin):
    [default] = ranges(admin, "?default=true&network_type=geneve")
    path = f"{RANGES}/{default['id']}"
    assert_error(admin.put(path, json={"network_segment_range": {"name": "x"}}), 400,
                 "NetworkSegmentRangeDefaultReadOnly")
    assert_error(admin.delete(path), 400, "NetworkSegmentRangeDefaultReadOnly")
    assert admin.get(path).json["network_segment_range"] == default


def test_range_create_show_update_delete(admin, project):
    made = make_range(admin, name="mine", shared=False, project_id=project,
                      description="for one project")
    assert made["default"] is False and made["shared"] is False
    assert made["project_id"] == project and made["physical_network"] is None
    assert (made["minimum"], made["maximum"]) == (1000, 1009)
    assert made["available"] == list(range(1000, 1010)) and made["used"] == {}
    path = f"{RANGES}/{made['id']}"
    assert admin.get(path).json["network_segment_range"] == made
    r = admin.put(path, json={"network_segment_range": {"name": "wider", "minimum": 990,
                                                        "maximum": 1019}})
    assert r.status == 200, r
    updated = r.json["network_segment_range"]
    assert (updated["name"], updated["minimum"], updated["maximum"]) == ("wider", 990, 1019)
    assert updated["revision_number"] == made["revision_number"] + 1
    assert len(updated["available"]) == 30
    assert [r["id"] for r in ranges(admin, f"?project_id={project}")] == [made["id"]]
    delete_range(admin, made["id"])
    assert_error(admin.get(path), 404, "NetworkSegmentRangeNotFound")
    assert ranges(admin, "?id=33") == []  # any text is a filter value (as Neutron's)


def test_shared_range_has_no_project(admin, project):
    made = make_range(admin, shared=True, project_id=project, minimum=1100, maximum=1101)
    assert made["shared"] is True and made["project_id"] is None
    delete_range(admin, made["id"])


def test_private_range_without_project_is_the_callers(ranged):
    project = uuid.uuid4().hex
    caller = Client(ranged.url, project, "admin")
    made = make_range(caller, shared=False, minimum=1200, maximum=1201)
    assert made["project_id"] == project
    delete_range(caller, made["id"])


def test_vlan_range_is_of_a_physical_network(admin, project):
    made = make_range(admin, network_type="vlan", physical_network="physnet2",
                      shared=False, project_id=project, minimum=300, maximum=302)
    assert made["physical_network"] == "physnet2" and made["available"] == [300, 301, 302]
    delete_range(admin, made["id"])


@pytest.mark.parametrize("attrs, status, kind", [
    ({"minimum": 1009, "maximum": 1000}, 400, "NetworkTunnelRangeError"),
    ({"minimum": 1, "maximum": 2**24}, 400, "NetworkTunnelRangeError"),
    ({"network_type": "vlan", "physical_network": "physnet1", "minimum": 20,
      "maximum": 10}, 400, "NetworkVlanRangeError"),
    ({"network_type": "vlan", "physical_network": "physnet1", "minimum": 4000,
      "maximum": 4095}, 400, "NetworkVlanRangeError"),
    ({"network_type": "vlan"}, 400, "BadRequest"),
    ({"network_type": "gre"}, 400, "NetworkSegmentRangeNetTypeNotSupported"),
    ({"network_type": "flat"}, 400, "HTTPBadRequest"),
    ({"minimum": 0}, 400, "HTTPBadRequest"),
    ({"maximum": "many"}, 400, "HTTPBadRequest"),
    ({"minimum": None}, 400, "HTTPBadRequest"),
    ({"default": True}, 400, "HTTPBadRequest"),
    ({"available": [1]}, 400, "HTTPBadRequest"),
])
def test_range_create_rejects_bad_input(admin, attrs, status, kind):
    before = ranges(admin)
    body = {"name": "bad", "network_type": "vxlan", "minimum": 1000, "maximum": 1009, **attrs}
    assert_error(admin.post(RANGES, json={"network_segment_range": body}), status, kind)
    assert ranges(admin) == before


def test_range_create_requires_minimum_and_maximum(admin):
    before = ranges(admin)
    r = admin.post(RANGES, json={"network_segment_range": {"network_type": "vxlan",
                                                           "minimum": 5}})
    assert_error(r, 400, "HTTPBadRequest")
    assert ranges(admin) == before


def test_range_overlapping_another_is_refused(admin, project):
    first = make_range(admin, shared=False, project_id=project, minimum=1500, maximum=1509)
    before = ranges(admin)
    r = admin.post(RANGES, json={"network_segment_range": {
        "network_type": "vxlan", "minimum": 1509, "maximum": 1600}})
    assert_error(r, 409, "NetworkSegmentRangeOverlaps")
    assert first["id"] in r.json["NeutronError"]["message"]
    assert ranges(admin) == before
    # Default ranges and other types or physical networks do not count.
    others = [make_range(admin, minimum=5, maximum=6),
              make_range(admin, network_type="geneve", minimum=1500, maximum=1509)]
    for made in (first, *others):
        delete_range(admin, made["id"])


def test_range_update_is_checked_and_changes_nothing_on_error(admin, project):
    first = make_range(admin, shared=False, project_id=project, minimum=1700, maximum=1709)
    second = make_range(admin, minimum=1800, maximum=1809)
    path = f"{RANGES}/{second['id']}"
    for change, status, kind in (({"minimum": 1810}, 400, "NetworkTunnelRangeError"),
                                 ({"minimum": 1705}, 409, "NetworkSegmentRangeOverlaps"),
                                 ({"maximum": 2**24}, 400, "NetworkTunnelRangeError"),
                                 ({"network_type": "vlan"}, 400, "HTTPBadRequest"),
                                 ({"shared": False}, 400, "HTTPBadRequest")):
        r = admin.put(path, json={"network_segment_range": {"name": "changed", **change}})
        assert_error(r, status, kind)
    assert admin.get(path).json["network_segment_range"] == second
    for made in (first, second):
        delete_range(admin, made["id"])


def test_project_network_gets_an_id_of_its_range_first(admin, project):
    own = make_range(admin, shared=False, project_id=project, minimum=1000, maximum=1002)
    nets = [network(admin, project) for _ in range(3)]
    assert sorted(n["provider:segmentation_id"] for n in nets) == [1000, 1001, 1002]
    assert {n["provider:network_type"] for n in nets} == {"vxlan"}
    # Its range used up, the project's next network is of a shared range.
    nets.append(network(admin, project))
    assert 1 <= nets[-1]["provider:segmentation_id"] <= 20
    shown = admin.get(f"{RANGES}/{own['id']}").json["network_segment_range"]
    assert shown["available"] == []
    assert shown["used"] == {"1000": project, "1001": project, "1002": project}
    delete_networks(admin, nets)
    assert admin.get(f"{RANGES}/{own['id']}").json["network_segment_range"]["available"] == [
        1000, 1001, 1002]
    delete_range(admin, own["id"])


def test_other_projects_never_get_ids_of_a_projects_range(admin, project):
    # The project's range takes 1-17 of the default 1-20: three VNIs stay shared.
    own = make_range(admin, shared=False, project_id=project, minimum=1, maximum=17)
    other = uuid.uuid4().hex
    nets = [network(admin, other) for _ in range(3)]
    assert sorted(n["provider:segmentation_id"] for n in nets) == [18, 19, 20]
    # VXLAN used up for it, the other project's next network is a VLAN one.
    nets.append(network(admin, other))
    assert nets[-1]["provider:network_type"] == "vlan"
    assert 100 <= nets[-1]["provider:segmentation_id"] <= 109
    delete_networks(admin, nets)
    delete_range(admin, own["id"])


def test_shared_range_serves_every_project(admin, project):
    # Every shared VXLAN id outside 1-20 is of this range.
    shared = make_range(admin, shared=True, minimum=3000, maximum=3001)
    hog = make_range(admin, shared=False, project_id=uuid.uuid4().hex, minimum=1, maximum=20)
    nets = [network(admin, project) for _ in range(2)]
    assert sorted(n["provider:segmentation_id"] for n in nets) == [3000, 3001]
    delete_networks(admin, nets)
    for made in (shared, hog):
        delete_range(admin, made["id"])


def test_project_vlan_network_gets_a_vlan_of_its_range(admin, project):
    own = make_range(admin, network_type="vlan", physical_network="physnet2", shared=False,
                     project_id=project, minimum=300, maximum=300)
    net = network(admin, project, **{"provider:network_type": "vlan"})
    assert (net["provider:physical_network"], net["provider:segmentation_id"]) == (
        "physnet2", 300)
    # A network on a physical network the project's range is not of: a shared VLAN.
    other = network(admin, project, **{"provider:network_type": "vlan",
                                       "provider:physical_network": "physnet1"})
    assert 100 <= other["provider:segmentation_id"] <= 109
    shown = admin.get(f"{RANGES}/{own['id']}").json["network_segment_range"]
    assert shown["used"] == {"300": project} and shown["available"] == []
    delete_networks(admin, [net, other])
    delete_range(admin, own["id"])


def test_explicit_segmentation_id_ignores_ranges(admin, project):
    own = make_range(admin, shared=False, project_id=uuid.uuid4().hex, minimum=1000,
                     maximum=1001)
    net = network(admin, project, **{"provider:network_type": "vxlan",
                                     "provider:segmentation_id": 1001})
    assert net["provider:segmentation_id"] == 1001
    delete_networks(admin, [net])
    delete_range(admin, own["id"])


def test_range_with_segments_cannot_be_deleted_or_shrunk_past_them(admin, project):
    own = make_range(admin, shared=False, project_id=project, minimum=1000, maximum=1000)
    net = network(admin, project, **{"provider:network_type": "vxlan"})
    assert net["provider:segmentation_id"] == 1000
    path = f"{RANGES}/{own['id']}"
    before = admin.get(path).json["network_segment_range"]
    assert_error(admin.delete(path), 409, "NetworkSegmentRangeReferencedByProject")
    r = admin.put(path, json={"network_segment_range": {"minimum": 1001, "maximum": 1010}})
    assert_error(r, 409, "NetworkSegmentRangeReferencedByProject")
    assert admin.get(path).json["network_segment_range"] == before
    # Still holding its segment, the range may change.
    r = admin.put(path, json={"network_segment_range": {"minimum": 1000, "maximum": 1005}})
    assert r.status == 200, r
    delete_networks(admin, [net])
    delete_range(admin, own["id"])


def test_ranges_are_for_admins_only(ranged, admin, project):
    made = make_range(admin, shared=False, project_id=project, minimum=1000, maximum=1001)
    member = Client(ranged.url, project, "member,reader")
    assert member.get(RANGES).json["network_segment_ranges"] == []
    assert_error(member.get(f"{RANGES}/{made['id']}"), 404, "NetworkSegmentRangeNotFound")
    assert_error(member.put(f"{RANGES}/{made['id']}", json={"network_segment_range": {
        "name": "mine"}}), 404, "NetworkSegmentRangeNotFound")
    assert_error(member.delete(f"{RANGES}/{made['id']}"), 404, "NetworkSegmentRangeNotFound")
    r = member.post(RANGES, json={"network_segment_range": {
        "network_type": "vxlan", "minimum": 1100, "maximum": 1101, "shared": False}})
    assert_error(r, 403, "PolicyNotAuthorized")
    assert admin.get(f"{RANGES}/{made['id']}").json["network_segment_range"] == made
    delete_range(admin, made["id"])


def test_sdk_network_segment_range_create_list_update_delete(ranged, project):
    sdk = openstack.connection.Connection(auth_type="none", auth={"endpoint": ranged.url},
                                          network_endpoint_override=ranged.url + "/")
    try:
        made = sdk.network.create_network_segment_range(
            name="sdk-range", shared=False, project_id=project, network_type="vlan",
            physical_network="physnet2", minimum=400, maximum=409)
        assert made.project_id == project and made.physical_network == "physnet2"
        assert made.default is False and made.shared is False
        listed = list(sdk.network.network_segment_ranges(network_type="vlan",
                                                         physical_network="physnet2"))
        assert [r.id for r in listed] == [made.id]
        updated = sdk.network.update_network_segment_range(made, name="renamed", maximum=419)
        assert (updated.name, updated.maximum) == ("renamed", 419)
        assert len(sdk.network.get_network_segment_range(made.id).available) == 20
        sdk.network.delete_network_segment_range(made)
        assert sdk.network.find_network_segment_range(made.id) is None
    finally:
        sdk.close()


def test_range_tags_sorting_and_fields(admin):
    made = [make_range(admin, name=f"sorted-{i}", minimum=5000 + 10 * i, maximum=5001 + 10 * i)
            for i in range(3)]
    r = admin.put(f"{RANGES}/{made[1]['id']}/tags", json={"tags": ["blue", "red"]})
    assert r.status == 200, r
    assert [x["id"] for x in ranges(admin, "?tags=blue")] == [made[1]["id"]]
    listed = ranges(admin, "?name=sorted-0&name=sorted-1&name=sorted-2"
                           "&sort_key=minimum&sort_dir=desc")
    assert [x["id"] for x in listed] == [m["id"] for m in reversed(made)]
    only = ranges(admin, f"?id={made[0]['id']}&fields=id&fields=used")
    assert only == [{"id": made[0]["id"], "used": {}}]
    for m in made:
        delete_range(admin, m["id"])
