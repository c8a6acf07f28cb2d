"""Trunks (alias ``trunk``, ``trunk-details``) over raw HTTP: the resource, its
member actions, every error Neutron answers (and that nothing changed then),
the subports' binding following the parent's, the status the agent reports, the
feed's ``trunks``, and ``mac`` subports (port behind port)."""
from __future__ import annotations

import uuid

import pytest

from tests.support.agents import new_host, register_ok, report
from tests.support.client import Client
from tests.support.databases import new_database
from tests.support.server import ServerProcess


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def server(request, tmp_path_factory):
    url = new_database(request, tmp_path_factory.mktemp("trunks"), "trunks")
    server = ServerProcess(database_url=url, extra_conf=(
        "[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:100:199\n")).start()
    yield server
    server.stop()


@pytest.fixture
def admin(server) -> Client:
    return Client(server.url)


@pytest.fixture
def member(server) -> Client:
    return Client(server.url, uuid.uuid4().hex, "member,reader")


def new_port(client: Client, net: dict | None = None, **attrs) -> dict:
    if net is None:
        net = client.network()
        client.subnet(net["id"], "10.20.0.0/24")
    return client.port(net["id"], **attrs)


def create_trunk(client: Client, parent: dict, sub_ports=(), **attrs) -> dict:
    r = client.post("/v2.0/trunks", {"trunk": {"port_id": parent["id"],
                                               "sub_ports": list(sub_ports), **attrs}})
    assert r.status == 201, r
    return r.json["trunk"]


def vlan(port: dict, seg_id: int) -> dict:
    return {"port_id": port["id"], "segmentation_type": "vlan", "segmentation_id": seg_id}


def mac(port: dict) -> dict:
    return {"port_id": port["id"], "segmentation_type": "mac", "segmentation_id": None}


def show_trunk(client: Client, trunk_id: str) -> dict:
    return client.show("trunks", trunk_id)


def snapshot(client: Client) -> dict:
    """Every network, subnet, port and trunk: equal before and after proves nothing
    changed."""
    out = client.snapshot()
    out["trunks"] = sorted(client.get("/v2.0/trunks").json["trunks"], key=lambda t: t["id"])
    return out


def refused(client: Client, before: dict, response, status: int, error: str) -> None:
    assert response.status == status, response
    assert response.error_type == error, response
    assert snapshot(client) == before


def bound_host(admin: Client) -> str:
    host = new_host()
    register_ok(admin, host)
    return host


# ---- the resource ------------------------------------------------------------------
def test_trunk_create_show_list_update_delete(admin):
    parent = new_port(admin)
    trunk = create_trunk(admin, parent, name="t1", description="d")
    assert trunk["status"] == "DOWN" and trunk["admin_state_up"] is True
    assert trunk["port_id"] == parent["id"] and trunk["sub_ports"] == []
    assert trunk["revision_number"] == 0 and trunk["tags"] == []
    assert trunk["created_at"] and trunk["project_id"] == trunk["tenant_id"]
    assert show_trunk(admin, trunk["id"]) == trunk
    listed = admin.get(f"/v2.0/trunks?port_id={parent['id']}").json["trunks"]
    assert listed == [trunk]
    r = admin.put(f"/v2.0/trunks/{trunk['id']}", {"trunk": {"name": "t2",
                                                             "admin_state_up": False}})
    assert r.status == 200, r
    assert r.json["trunk"]["name"] == "t2" and r.json["trunk"]["revision_number"] == 1
    assert admin.get("/v2.0/trunks?admin_state_up=false&name=t2").json["trunks"][0]["id"] \
        == trunk["id"]
    admin.put(f"/v2.0/trunks/{trunk['id']}", {"trunk": {"admin_state_up": True}})
    assert admin.put(f"/v2.0/trunks/{trunk['id']}/tags/blue").status == 201
    assert admin.get("/v2.0/trunks?tags=blue").json["trunks"][0]["id"] == trunk["id"]
    assert admin.delete(f"/v2.0/trunks/{trunk['id']}").status == 204
    assert admin.get(f"/v2.0/trunks/{trunk['id']}").error_type == "TrunkNotFound"
    assert admin.delete(f"/v2.0/ports/{parent['id']}").status == 204


def test_trunk_create_with_subports_and_member_actions(admin):
    parent, a, b = new_port(admin), new_port(admin), new_port(admin)
    trunk = create_trunk(admin, parent, [vlan(a, 10)])
    assert trunk["sub_ports"] == [vlan(a, 10)]
    r = admin.put(f"/v2.0/trunks/{trunk['id']}/add_subports", {"sub_ports": [vlan(b, 20)]})
    assert r.status == 200, r
    assert r.json["id"] == trunk["id"] and r.json["sub_ports"] == [vlan(a, 10), vlan(b, 20)]
    assert r.json["revision_number"] == trunk["revision_number"]  # as Neutron
    r = admin.get(f"/v2.0/trunks/{trunk['id']}/get_subports")
    assert r.status == 200 and r.json == {"sub_ports": [vlan(a, 10), vlan(b, 20)]}
    r = admin.put(f"/v2.0/trunks/{trunk['id']}/remove_subports",
                  {"sub_ports": [{"port_id": a["id"]}]})
    assert r.status == 200 and r.json["sub_ports"] == [vlan(b, 20)]
    assert show_trunk(admin, trunk["id"])["sub_ports"] == [vlan(b, 20)]
    # A removed subport is a free port again: deletable.
    assert admin.delete(f"/v2.0/ports/{a['id']}").status == 204
    assert admin.delete(f"/v2.0/trunks/{trunk['id']}").status == 204
    assert admin.delete(f"/v2.0/ports/{b['id']}").status == 204


def test_trunk_details_only_on_a_parent_port(admin):
    parent, sub, other = new_port(admin), new_port(admin), new_port(admin)
    trunk = create_trunk(admin, parent, [vlan(sub, 7)])
    details = admin.show("ports", parent["id"])["trunk_details"]
    assert details == {"trunk_id": trunk["id"], "sub_ports": [
        {**vlan(sub, 7), "mac_address": sub["mac_address"]}]}
    assert "trunk_details" not in admin.show("ports", other["id"])
    assert "trunk_details" not in admin.show("ports", sub["id"])
    listed = {p["id"]: p for p in admin.get("/v2.0/ports").json["ports"]}
    assert listed[parent["id"]]["trunk_details"] == details
    assert "trunk_details" not in listed[other["id"]]
    r = admin.get(f"/v2.0/ports/{parent['id']}?fields=trunk_details")
    assert r.json["port"] == {"trunk_details": details}


def vlan_network(admin: Client) -> dict:
    return admin.network(**{"provider:network_type": "vlan",
                            "provider:physical_network": "physnet1"})


def test_inherit_takes_the_vlan_of_the_subport_network(admin):
    parent = admin.port(vlan_network(admin)["id"])  # the subport's MTU may not exceed it
    net = vlan_network(admin)
    sub = admin.port(net["id"])
    trunk = create_trunk(admin, parent, [{"port_id": sub["id"],
                                          "segmentation_type": "inherit"}])
    assert trunk["sub_ports"] == [vlan(sub, net["provider:segmentation_id"])]


# ---- errors: the type Neutron answers, and nothing changed ---------------------------
def test_parent_already_a_trunk_parent_is_parent_port_in_use(admin):
    parent = new_port(admin)
    create_trunk(admin, parent)
    before = snapshot(admin)
    r = admin.post("/v2.0/trunks", {"trunk": {"port_id": parent["id"]}})
    refused(admin, before, r, 409, "ParentPortInUse")


def test_a_subport_as_parent_is_trunk_port_in_use(admin):
    sub = new_port(admin)
    create_trunk(admin, new_port(admin), [vlan(sub, 5)])
    before = snapshot(admin)
    r = admin.post("/v2.0/trunks", {"trunk": {"port_id": sub["id"]}})
    refused(admin, before, r, 409, "TrunkPortInUse")


def test_parent_as_subport_is_parent_port_in_use(admin):
    parent, other_parent = new_port(admin), new_port(admin)
    trunk = create_trunk(admin, parent)
    create_trunk(admin, other_parent)
    before = snapshot(admin)
    for port in (parent, other_parent):
        r = admin.put(f"/v2.0/trunks/{trunk['id']}/add_subports", {"sub_ports": [vlan(port, 2)]})
        refused(admin, before, r, 409, "ParentPortInUse")


def test_subport_of_another_trunk_or_with_a_device_is_port_in_use(admin):
    sub = new_port(admin)
    create_trunk(admin, new_port(admin), [vlan(sub, 5)])
    trunk = create_trunk(admin, new_port(admin))
    vm_port = new_port(admin, device_id="vm-1", device_owner="compute:nova")
    before = snapshot(admin)
    for port in (sub, vm_port):
        r = admin.put(f"/v2.0/trunks/{trunk['id']}/add_subports", {"sub_ports": [vlan(port, 9)]})
        refused(admin, before, r, 409, "PortInUse")


def test_duplicate_subports_are_refused(admin):
    a, b = new_port(admin), new_port(admin)
    trunk = create_trunk(admin, new_port(admin), [vlan(a, 5)])
    before = snapshot(admin)
    path = f"/v2.0/trunks/{trunk['id']}/add_subports"
    refused(admin, before, admin.put(path, {"sub_ports": [vlan(b, 5)]}), 409, "DuplicateSubPort")
    refused(admin, before, admin.put(path, {"sub_ports": [vlan(a, 6)]}), 409, "DuplicateSubPort")
    # Within one request it is the body that is wrong (neutron-lib's validator): 400.
    c = new_port(admin)
    before = snapshot(admin)
    refused(admin, before, admin.put(path, {"sub_ports": [vlan(b, 8), vlan(c, 8)]}), 400,
            "HTTPBadRequest")
    refused(admin, before, admin.put(path, {"sub_ports": [vlan(b, 8), vlan(b, 9)]}), 400,
            "HTTPBadRequest")


@pytest.mark.parametrize("sub_ports", [
    [{"segmentation_type": "vlan", "segmentation_id": 3}],        # no port_id
    "PORT:vlan",                                                  # segmentation_id missing
    "PORT:3",                                                     # segmentation_type missing
    "PORT:vlan:0", "PORT:vlan:4095",                              # VLAN id out of range
    "PORT:mac:5",                                                 # mac takes no id
    "PORT:other:5",                                               # unknown type
    {"port_id": "x"},                                             # not a list
])
def test_bad_subports_are_400(admin, sub_ports):
    trunk = create_trunk(admin, new_port(admin))
    port = new_port(admin)
    if isinstance(sub_ports, str):
        parts = sub_ports.split(":")[1:]
        item = {"port_id": port["id"]}
        if parts[0].isdigit():
            item["segmentation_id"] = int(parts[0])
        else:
            item["segmentation_type"] = parts[0]
            if len(parts) > 1:
                item["segmentation_id"] = int(parts[1])
        sub_ports = [item]
    before = snapshot(admin)
    r = admin.put(f"/v2.0/trunks/{trunk['id']}/add_subports", {"sub_ports": sub_ports})
    assert r.status == 400, r
    assert snapshot(admin) == before
    r = admin.post("/v2.0/trunks", {"trunk": {"port_id": port["id"], "sub_ports": sub_ports}})
    assert r.status == 400, r
    assert snapshot(admin) == before


def test_inherit_on_a_network_without_a_vlan_is_400(admin):
    trunk = create_trunk(admin, new_port(admin))
    sub = new_port(admin)  # a VXLAN tenant network
    before = snapshot(admin)
    r = admin.put(f"/v2.0/trunks/{trunk['id']}/add_subports", {"sub_ports": [
        {"port_id": sub["id"], "segmentation_type": "inherit"}]})
    refused(admin, before, r, 400, "InvalidInput")


def test_unknown_ports_and_trunks_are_404(admin):
    trunk = create_trunk(admin, new_port(admin))
    before = snapshot(admin)
    missing = str(uuid.uuid4())
    refused(admin, before, admin.post("/v2.0/trunks", {"trunk": {"port_id": missing}}), 404,
            "PortNotFound")
    refused(admin, before, admin.put(f"/v2.0/trunks/{trunk['id']}/add_subports", {
        "sub_ports": [{"port_id": missing, "segmentation_type": "vlan",
                       "segmentation_id": 2}]}), 404, "PortNotFound")
    refused(admin, before, admin.put(f"/v2.0/trunks/{missing}/add_subports", {
        "sub_ports": []}), 404, "TrunkNotFound")
    refused(admin, before, admin.get(f"/v2.0/trunks/{missing}/get_subports"), 404,
            "TrunkNotFound")


def test_removing_a_non_member_is_subport_not_found(admin):
    trunk = create_trunk(admin, new_port(admin), [vlan(new_port(admin), 2)])
    stranger = new_port(admin)
    before = snapshot(admin)
    r = admin.put(f"/v2.0/trunks/{trunk['id']}/remove_subports",
                  {"sub_ports": [{"port_id": stranger["id"]}]})
    refused(admin, before, r, 404, "SubPortNotFound")


def test_a_disabled_trunk_takes_no_subports_and_is_not_deleted(admin):
    sub = new_port(admin)
    trunk = create_trunk(admin, new_port(admin), [vlan(sub, 3)], admin_state_up=False)
    free = new_port(admin)
    before = snapshot(admin)
    refused(admin, before, admin.put(f"/v2.0/trunks/{trunk['id']}/add_subports", {
        "sub_ports": [vlan(free, 4)]}), 409, "TrunkDisabled")
    refused(admin, before, admin.put(f"/v2.0/trunks/{trunk['id']}/remove_subports", {
        "sub_ports": [{"port_id": sub["id"]}]}), 409, "TrunkDisabled")
    refused(admin, before, admin.delete(f"/v2.0/trunks/{trunk['id']}"), 409, "TrunkDisabled")


def test_a_trunk_in_error_takes_no_subports(admin):
    host = bound_host(admin)
    parent = new_port(admin, **{"binding:host_id": host})
    trunk = create_trunk(admin, parent)
    r = admin.post(f"/feed/v1/hosts/{host}/trunks", {"trunks": {trunk["id"]: "ERROR"}})
    assert r.status == 200 and r.json == {"trunks": {trunk["id"]: "ERROR"}}, r
    free = new_port(admin)
    before = snapshot(admin)
    refused(admin, before, admin.put(f"/v2.0/trunks/{trunk['id']}/add_subports", {
        "sub_ports": [vlan(free, 4)]}), 409, "TrunkInErrorState")


def test_a_trunk_whose_parent_is_bound_is_in_use(admin):
    parent = new_port(admin, **{"binding:host_id": bound_host(admin)})
    trunk = create_trunk(admin, parent)
    before = snapshot(admin)
    refused(admin, before, admin.delete(f"/v2.0/trunks/{trunk['id']}"), 409, "TrunkInUse")


def test_subport_mtu_above_the_parent_is_refused(admin):
    vxlan = admin.network()  # 1450 (VXLAN overhead)
    parent = admin.port(vxlan["id"])
    vlan_net = vlan_network(admin)  # 1500
    sub = admin.port(vlan_net["id"])
    before = snapshot(admin)
    r = admin.post("/v2.0/trunks", {"trunk": {"port_id": parent["id"],
                                              "sub_ports": [vlan(sub, 2)]}})
    refused(admin, before, r, 409, "SubPortMtuGreaterThanTrunkPortMtu")
    # The other way round is fine.
    create_trunk(admin, sub, [vlan(parent, 2)])


def test_trunk_ports_are_not_deleted(admin):
    parent, sub = new_port(admin), new_port(admin)
    create_trunk(admin, parent, [vlan(sub, 2)])
    before = snapshot(admin)
    refused(admin, before, admin.delete(f"/v2.0/ports/{parent['id']}"), 409,
            "PortInUseAsTrunkParent")
    refused(admin, before, admin.delete(f"/v2.0/ports/{sub['id']}"), 409, "PortInUseAsSubPort")


# ---- policy ------------------------------------------------------------------------
def test_projects_manage_their_own_trunks_only(admin, member, server):
    mine = new_port(member)
    trunk = create_trunk(member, mine, [vlan(new_port(member), 3)])
    other = Client(server.url, uuid.uuid4().hex, "member,reader")
    assert other.get(f"/v2.0/trunks/{trunk['id']}").status == 404
    assert other.get(f"/v2.0/trunks/{trunk['id']}/get_subports").status == 404
    assert other.get("/v2.0/trunks").json["trunks"] == []
    r = other.put(f"/v2.0/trunks/{trunk['id']}/add_subports",
                  {"sub_ports": [vlan(new_port(other), 4)]})
    assert r.status == 404, r
    assert other.delete(f"/v2.0/trunks/{trunk['id']}").status == 404
    # Someone else's port is no parent of mine (I do not see it).
    r = other.post("/v2.0/trunks", {"trunk": {"port_id": new_port(member)["id"]}})
    assert r.status == 404 and r.error_type == "PortNotFound", r
    reader = Client(server.url, member.session.headers["X-Project-Id"], "reader")
    assert reader.get(f"/v2.0/trunks/{trunk['id']}/get_subports").status == 200
    r = reader.put(f"/v2.0/trunks/{trunk['id']}", {"trunk": {"name": "x"}})
    assert r.status == 403, r


# ---- binding and status ------------------------------------------------------------
def test_subports_follow_the_parents_binding(admin):
    host = bound_host(admin)
    parent, sub = new_port(admin), new_port(admin)
    trunk = create_trunk(admin, parent, [vlan(sub, 11)])
    # Unbound parent: the subport is left alone (Neutron: device_owner empty until bound).
    assert admin.show("ports", sub["id"])["device_owner"] == ""
    admin.put(f"/v2.0/ports/{parent['id']}", {"port": {"binding:host_id": host}})
    bound = admin.show("ports", sub["id"])
    assert bound["binding:host_id"] == host and bound["binding:vif_type"] == "ovs"
    assert bound["device_owner"] == "trunk:subport" and bound["device_id"] == trunk["id"]
    late = new_port(admin)
    admin.put(f"/v2.0/trunks/{trunk['id']}/add_subports", {"sub_ports": [vlan(late, 12)]})
    assert admin.show("ports", late["id"])["binding:host_id"] == host
    admin.put(f"/v2.0/ports/{parent['id']}", {"port": {"binding:host_id": ""}})
    for port in (sub, late):
        unbound = admin.show("ports", port["id"])
        assert unbound["binding:host_id"] == "" and unbound["binding:vif_type"] == "unbound"
    admin.put(f"/v2.0/ports/{parent['id']}", {"port": {"binding:host_id": host}})
    admin.put(f"/v2.0/trunks/{trunk['id']}/remove_subports", {"sub_ports": [{"port_id": sub["id"]}]})
    removed = admin.show("ports", sub["id"])
    assert (removed["binding:host_id"], removed["device_owner"], removed["device_id"],
            removed["binding:vif_type"]) == ("", "", "", "unbound")


def test_trunk_status_from_the_agent_and_down_when_unbound(admin):
    host, elsewhere = bound_host(admin), bound_host(admin)
    parent = new_port(admin, **{"binding:host_id": host})
    trunk = create_trunk(admin, parent)
    other = create_trunk(admin, new_port(admin, **{"binding:host_id": elsewhere}))
    r = admin.post(f"/feed/v1/hosts/{host}/trunks", {"trunks": {trunk["id"]: "ACTIVE",
                                                                other["id"]: "ACTIVE"}})
    assert r.status == 200 and r.json == {"trunks": {trunk["id"]: "ACTIVE"}}, r
    shown = show_trunk(admin, trunk["id"])
    assert shown["status"] == "ACTIVE" and shown["revision_number"] == 1
    assert show_trunk(admin, other["id"])["status"] == "DOWN"
    admin.put(f"/v2.0/ports/{parent['id']}", {"port": {"binding:host_id": ""}})
    assert show_trunk(admin, trunk["id"])["status"] == "DOWN"


@pytest.mark.parametrize("body", [
    {}, {"trunks": []}, {"trunks": {"not-a-uuid": "ACTIVE"}},
    {"trunks": {"9f0b0a6e-8a27-4c8e-9a1b-1e2e3f4a5b6c": "UP"}}, {"trunks": {}, "more": 1},
])
def test_trunk_report_rejects_bad_bodies(admin, body):
    r = admin.post(f"/feed/v1/hosts/{new_host()}/trunks", body)
    assert r.status == 400, r


# ---- port behind port ----------------------------------------------------------------
def test_mac_subports_are_told_apart_by_mac_and_follow_the_parents_status(admin):
    host = bound_host(admin)
    net = admin.network()
    admin.subnet(net["id"], "10.30.0.0/24")
    parent = admin.port(net["id"])
    child, second = admin.port(net["id"]), admin.port(net["id"])
    trunk = create_trunk(admin, parent, [mac(child)])
    assert trunk["sub_ports"] == [mac(child)]
    r = admin.put(f"/v2.0/trunks/{trunk['id']}/add_subports", {"sub_ports": [
        vlan(second, 5)]})
    assert r.status == 200, r
    details = admin.show("ports", parent["id"])["trunk_details"]["sub_ports"]
    assert details[0] == {**mac(child), "mac_address": child["mac_address"]}
    admin.put(f"/v2.0/ports/{parent['id']}", {"port": {"binding:host_id": host}})
    assert report(admin, host, up=[parent["id"]]).status == 200
    assert admin.show("ports", child["id"])["status"] == "ACTIVE"
    assert admin.show("ports", second["id"])["status"] == "DOWN"  # the agent reports VLAN ones
    assert report(admin, host, down=[parent["id"]]).status == 200
    assert admin.show("ports", child["id"])["status"] == "DOWN"
    before = snapshot(admin)
    refused(admin, before, admin.delete(f"/v2.0/ports/{child['id']}"), 409, "PortInUseAsSubPort")


def test_a_mac_subport_with_a_mac_already_behind_the_parent_is_duplicate(admin):
    net_a, net_b = admin.network(), admin.network()
    parent = admin.port(net_a["id"])
    child = admin.port(net_a["id"])
    twin = admin.port(net_b["id"], mac_address=child["mac_address"])
    parents_twin = admin.port(net_b["id"], mac_address=parent["mac_address"])
    trunk = create_trunk(admin, parent, [mac(child)])
    before = snapshot(admin)
    for port in (twin, parents_twin):
        r = admin.put(f"/v2.0/trunks/{trunk['id']}/add_subports", {"sub_ports": [mac(port)]})
        refused(admin, before, r, 409, "DuplicateSubPort")


# ---- the agent feed ----------------------------------------------------------------
def test_feed_state_and_watch_carry_the_hosts_trunks(admin):
    host = bound_host(admin)
    parent, sub = new_port(admin), new_port(admin)
    trunk = create_trunk(admin, parent, [vlan(sub, 21)])
    r = admin.get(f"/feed/v1/hosts/{host}/state")
    assert r.status == 200 and r.json["state"]["trunks"] == []
    cursor = r.json["cursor"]
    admin.put(f"/v2.0/ports/{parent['id']}", {"port": {"binding:host_id": host}})
    r = admin.get(f"/feed/v1/hosts/{host}/watch", params={"cursor": cursor, "timeout": 5})
    assert r.status == 200, r
    changes = [c for c in r.json["changes"] if c["resource_type"] == "trunk"]
    assert [(c["operation"], c["resource_id"]) for c in changes] == [("create", trunk["id"])]
    state = admin.get(f"/feed/v1/hosts/{host}/state").json["state"]
    assert [t["id"] for t in state["trunks"]] == [trunk["id"]]
    assert state["trunks"][0]["sub_ports"] == [vlan(sub, 21)]
    ports = {p["id"]: p for p in state["ports"]}
    assert ports[sub["id"]]["binding:host_id"] == host  # the subport's own body is there
    cursor = r.json["cursor"]
    admin.post(f"/feed/v1/hosts/{host}/trunks", {"trunks": {trunk["id"]: "ACTIVE"}})
    r = admin.get(f"/feed/v1/hosts/{host}/watch", params={"cursor": cursor, "timeout": 5})
    changes = [c for c in r.json["changes"] if c["resource_type"] == "trunk"]
    assert [(c["operation"], c["body"]["status"]) for c in changes] == [("update", "ACTIVE")]
    cursor = r.json["cursor"]
    admin.put(f"/v2.0/ports/{parent['id']}", {"port": {"binding:host_id": ""}})
    r = admin.get(f"/feed/v1/hosts/{host}/watch", params={"cursor": cursor, "timeout": 5})
    changes = [c for c in r.json["changes"] if c["resource_type"] == "trunk"]
    assert [(c["operation"], c["resource_id"]) for c in changes] == [("delete", trunk["id"])]


def test_a_trunk_on_a_bound_parent_binds_its_subports_at_once(admin):
    host = bound_host(admin)
    parent, sub = new_port(admin, **{"binding:host_id": host}), new_port(admin)
    trunk = create_trunk(admin, parent, [vlan(sub, 3)])
    bound = admin.show("ports", sub["id"])
    assert (bound["binding:host_id"], bound["binding:vif_type"], bound["device_owner"],
            bound["device_id"]) == (host, "ovs", "trunk:subport", trunk["id"])


def test_a_parent_moving_host_takes_its_subports_and_the_trunk_goes_down(admin):
    first, second = bound_host(admin), bound_host(admin)
    parent, sub = new_port(admin, **{"binding:host_id": first}), new_port(admin)
    trunk = create_trunk(admin, parent, [vlan(sub, 3)])
    admin.post(f"/feed/v1/hosts/{first}/trunks", {"trunks": {trunk["id"]: "ACTIVE"}})
    admin.put(f"/v2.0/ports/{parent['id']}", {"port": {"binding:host_id": second}})
    assert admin.show("ports", sub["id"])["binding:host_id"] == second
    assert show_trunk(admin, trunk["id"])["status"] == "DOWN"
    # The old host's report no longer counts.
    r = admin.post(f"/feed/v1/hosts/{first}/trunks", {"trunks": {trunk["id"]: "ACTIVE"}})
    assert r.json == {"trunks": {}} and show_trunk(admin, trunk["id"])["status"] == "DOWN"


def test_a_subports_new_mac_shows_in_its_parents_trunk_details(admin):
    parent, sub = new_port(admin), new_port(admin)
    create_trunk(admin, parent, [mac(sub)])
    before = admin.show("ports", parent["id"])
    r = admin.put(f"/v2.0/ports/{sub['id']}", {"port": {"mac_address": "fa:16:3e:00:11:22"}})
    assert r.status == 200, r
    after = admin.show("ports", parent["id"])
    assert after["trunk_details"]["sub_ports"][0]["mac_address"] == "fa:16:3e:00:11:22"
    assert after["revision_number"] == before["revision_number"] + 1
