"""Networks: provider segments, MTU, external and port-security flags, VLAN
transparency, availability zones, and what deleting a network takes with it."""
import uuid

import pytest

from tests.support.client import Client
from tests.support.server import ServerProcess

# Explicit segmentation ids: each test runs once per server and takes its own id,
# outside the tenant ranges the server allocates from at random.
VLAN_EXPLICIT, GENEVE_EXPLICIT, VXLAN_DUPLICATE = 3001, 20001, 20002


def _physnet() -> str:
    return "phys-" + uuid.uuid4().hex[:8]


def test_network_without_provider_attributes_gets_vxlan_id_from_range(admin):
    net = admin.network()
    assert net["provider:network_type"] == "vxlan"
    assert net["provider:physical_network"] is None
    assert 1 <= net["provider:segmentation_id"] <= 10000
    assert net["mtu"] == 1450


def test_network_tenant_vxlan_ids_are_unique(admin):
    ids = [admin.network()["provider:segmentation_id"] for _ in range(5)]
    assert len(set(ids)) == 5


def test_network_explicit_vlan_segment_is_kept(admin):
    vlan = VLAN_EXPLICIT
    net = admin.network(**{"provider:network_type": "vlan",
                           "provider:physical_network": "physnet1",
                           "provider:segmentation_id": vlan})
    assert (net["provider:network_type"], net["provider:physical_network"],
            net["provider:segmentation_id"]) == ("vlan", "physnet1", vlan)
    assert net["mtu"] == 1500


def test_network_explicit_geneve_segment_and_mtu(admin):
    vni = GENEVE_EXPLICIT
    net = admin.network(**{"provider:network_type": "geneve", "provider:segmentation_id": vni})
    assert net["provider:segmentation_id"] == vni and net["provider:physical_network"] is None
    assert net["mtu"] == 1442


def test_network_explicit_vxlan_duplicate_segmentation_id_is_409(admin):
    vni = VXLAN_DUPLICATE
    body = {"network": {"provider:network_type": "vxlan", "provider:segmentation_id": vni}}
    assert admin.post("/v2.0/networks", body).status == 201
    r = admin.post("/v2.0/networks", body)
    assert r.status == 409 and r.error_type == "SegmentationIdInUse"


def test_network_flat_segment_and_mtu(admin):
    physnet = _physnet()
    net = admin.network(**{"provider:network_type": "flat",
                           "provider:physical_network": physnet})
    assert net["provider:physical_network"] == physnet
    assert net["provider:segmentation_id"] is None
    assert net["mtu"] == 1500


def test_network_flat_physnet_in_use_is_409(admin):
    body = {"network": {"provider:network_type": "flat", "provider:physical_network": _physnet()}}
    assert admin.post("/v2.0/networks", body).status == 201
    r = admin.post("/v2.0/networks", body)
    assert r.status == 409 and r.error_type == "FlatNetworkInUse"


def test_network_segment_released_when_network_deleted(admin):
    body = {"network": {"provider:network_type": "flat", "provider:physical_network": _physnet()}}
    net = admin.post("/v2.0/networks", body).json["network"]
    assert admin.delete(f"/v2.0/networks/{net['id']}").status == 204
    assert admin.post("/v2.0/networks", body).status == 201


def test_network_flat_with_segmentation_id_is_400(admin):
    r = admin.post("/v2.0/networks", {"network": {
        "provider:network_type": "flat", "provider:physical_network": _physnet(),
        "provider:segmentation_id": 5}})
    assert r.status == 400 and r.error_type == "InvalidInput"


def test_network_vlan_id_out_of_range_is_400(admin):
    r = admin.post("/v2.0/networks", {"network": {
        "provider:network_type": "vlan", "provider:physical_network": "physnet1",
        "provider:segmentation_id": 4095}})
    assert r.status == 400


def test_network_unknown_network_type_is_400(admin):
    r = admin.post("/v2.0/networks", {"network": {"provider:network_type": "gre"}})
    assert r.status == 400 and "provider:network_type" in r.error_message


def test_network_provider_filters(admin):
    physnet = _physnet()
    net = admin.network(**{"provider:network_type": "flat", "provider:physical_network": physnet})
    r = admin.get("/v2.0/networks", params={"provider:physical_network": physnet})
    assert [n["id"] for n in r.json["networks"]] == [net["id"]]


def test_network_mtu_explicit_on_create_and_update(admin):
    net = admin.network(mtu=1400)
    assert net["mtu"] == 1400
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {"mtu": 1300}})
    assert r.status == 200 and r.json["network"]["mtu"] == 1300


def test_network_mtu_larger_than_type_allows_is_400(admin):
    r = admin.post("/v2.0/networks", {"network": {"mtu": 1451}})
    assert r.status == 400 and r.error_type == "InvalidInput" and "MTU" in r.error_message


def test_network_mtu_update_larger_than_type_allows_is_400(admin):
    net = admin.network()
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {"mtu": 9000}})
    assert r.status == 400
    assert admin.show("networks", net["id"])["mtu"] == 1450


def test_network_router_external_flag_and_filter(admin):
    net = admin.network(**{"router:external": True})
    assert net["router:external"] is True
    ids = [n["id"] for n in admin.get("/v2.0/networks", params={
        "router:external": "true", "id": net["id"]}).json["networks"]]
    assert ids == [net["id"]]
    assert admin.get("/v2.0/networks", params={"router:external": "false", "id": net["id"]}
                     ).json["networks"] == []


def test_network_external_is_visible_to_other_projects(admin, member):
    net = admin.network(**{"router:external": True}, project_id=uuid.uuid4().hex)
    private = admin.network(project_id=uuid.uuid4().hex)
    assert member.get(f"/v2.0/networks/{net['id']}").status == 200
    assert member.get(f"/v2.0/networks/{private['id']}").status == 404


def test_network_router_external_update(admin):
    net = admin.network()
    assert net["router:external"] is False
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {"router:external": True}})
    assert r.json["network"]["router:external"] is True


def test_network_port_security_enabled_defaults_true_and_is_writable(admin):
    net = admin.network()
    assert net["port_security_enabled"] is True
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {"port_security_enabled": False}})
    assert r.json["network"]["port_security_enabled"] is False


def test_network_vlan_transparent_accepted_with_openvswitch(admin):
    net = admin.network(vlan_transparent=True)
    assert net["vlan_transparent"] is True
    assert admin.network()["vlan_transparent"] is False


def test_network_vlan_transparent_is_create_only(admin):
    net = admin.network()
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {"vlan_transparent": True}})
    assert r.status == 400 and "vlan_transparent" in r.error_message


@pytest.fixture(scope="module")
def sriov_server():
    server = ServerProcess(extra_conf="[ml2]\nmechanism_drivers = sriovnicswitch").start()
    yield server
    server.stop()


def test_network_vlan_transparent_refused_when_no_driver_supports_it(sriov_server):
    client = Client(sriov_server.url)
    r = client.post("/v2.0/networks", {"network": {"name": "vt", "vlan_transparent": True}})
    assert r.status == 400 and r.error_type == "VlanTransparencyDriverError"
    assert client.get("/v2.0/networks", params={"name": "vt"}).json["networks"] == []
    assert client.post("/v2.0/networks", {"network": {"vlan_transparent": False}}).status == 201


def test_network_availability_zone_hints_known_zone(admin):
    net = admin.network(availability_zone_hints=["nova"])
    assert net["availability_zone_hints"] == ["nova"]
    assert net["availability_zones"] == ["nova"]


def test_network_availability_zone_hints_unknown_zone_is_404(admin):
    name = "az-" + uuid.uuid4().hex[:8]
    r = admin.post("/v2.0/networks", {"network": {"name": name,
                                                  "availability_zone_hints": ["mars"]}})
    assert r.status == 404 and r.error_type == "AvailabilityZoneNotFound"
    assert admin.get("/v2.0/networks", params={"name": name}).json["networks"] == []


def test_network_delete_with_user_port_is_409(admin):
    net = admin.network()
    admin.port(net["id"], device_owner="compute:nova")
    r = admin.delete(f"/v2.0/networks/{net['id']}")
    assert r.status == 409 and r.error_type == "NetworkInUse"
    assert admin.get(f"/v2.0/networks/{net['id']}").status == 200


def test_network_delete_removes_dhcp_ports_and_subnets(admin):
    net = admin.network()
    sub = admin.subnet(net["id"])
    dhcp = admin.port(net["id"], device_owner="network:dhcp")
    assert admin.delete(f"/v2.0/networks/{net['id']}").status == 204
    assert admin.get(f"/v2.0/networks/{net['id']}").status == 404
    assert admin.get(f"/v2.0/subnets/{sub['id']}").status == 404
    assert admin.get(f"/v2.0/ports/{dhcp['id']}").status == 404


def test_network_show_unknown_or_non_uuid_id_is_404(admin):
    assert admin.get(f"/v2.0/networks/{uuid.uuid4()}").error_type == "NetworkNotFound"
    r = admin.get("/v2.0/networks/not-a-uuid")
    assert r.status == 404


def test_network_shows_ids_of_its_subnets(admin):
    net = admin.network()
    a = admin.subnet(net["id"], "10.1.0.0/24")
    b = admin.subnet(net["id"], "10.2.0.0/24")
    assert sorted(admin.show("networks", net["id"])["subnets"]) == sorted([a["id"], b["id"]])


def test_network_member_cannot_see_other_projects_network(admin, member):
    other = admin.network(project_id=uuid.uuid4().hex)
    assert member.get(f"/v2.0/networks/{other['id']}").status == 404
    assert member.put(f"/v2.0/networks/{other['id']}", {"network": {"name": "x"}}).status == 404
    assert member.delete(f"/v2.0/networks/{other['id']}").status == 404


def test_network_created_by_member_belongs_to_its_project(member, project_id):
    net = member.network()
    assert net["project_id"] == project_id and net["tenant_id"] == project_id
