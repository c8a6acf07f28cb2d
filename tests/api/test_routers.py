"""Routers over HTTP (both backends): the gateway on an external network, interfaces
by subnet and by port with Neutron's refusals, extra routes, ha / distributed, and
the ports the router owns."""
from __future__ import annotations

import uuid

import pytest

from tests.support.client import Client


@pytest.fixture
def external(admin) -> dict:
    net = admin.network(**{"router:external": True})
    third = uuid.uuid4().int % 200 + 20
    subnet = admin.subnet(net["id"], f"172.{third}.4.0/24")
    return {"network": net, "subnet": subnet}


@pytest.fixture
def inside(member) -> dict:
    net = member.network()
    return {"network": net, "subnet": member.subnet(net["id"], "10.0.0.0/24")}


def router(client: Client, **attrs) -> dict:
    return client.create("routers", "router", **attrs)


def add(client: Client, router_id: str, **body):
    return client.put(f"/v2.0/routers/{router_id}/add_router_interface", body)


def remove(client: Client, router_id: str, **body):
    return client.put(f"/v2.0/routers/{router_id}/remove_router_interface", body)


def test_router_crud_shows_neutron_attributes(member, project_id):
    r = router(member, name="r1")
    assert r["status"] == "ACTIVE" and r["admin_state_up"] is True
    assert r["external_gateway_info"] is None and r["routes"] == []
    assert r["project_id"] == r["tenant_id"] == project_id
    assert r["availability_zone_hints"] == [] and r["revision_number"] == 0
    assert "ha" not in r and "distributed" not in r  # admin-only to read
    shown = member.show("routers", r["id"])
    assert shown == r
    up = member.put(f"/v2.0/routers/{r['id']}", {"router": {"name": "r2"}})
    assert up.status == 200 and up.json["router"]["name"] == "r2"
    assert up.json["router"]["revision_number"] == 1
    listed = member.get("/v2.0/routers?name=r2").json["routers"]
    assert [x["id"] for x in listed] == [r["id"]]
    assert member.delete(f"/v2.0/routers/{r['id']}").status == 204
    assert member.get(f"/v2.0/routers/{r['id']}").error_type == "RouterNotFound"


def test_gateway_takes_a_port_on_the_external_network(member, admin, external):
    net_id = external["network"]["id"]
    r = router(member, external_gateway_info={"network_id": net_id})
    info = r["external_gateway_info"]
    assert info["network_id"] == net_id and info["enable_snat"] is True
    [fixed] = info["external_fixed_ips"]
    assert fixed["subnet_id"] == external["subnet"]["id"]
    ports = admin.get(f"/v2.0/ports?device_id={r['id']}").json["ports"]
    assert [(p["device_owner"], p["network_id"]) for p in ports] == [
        ("network:router_gateway", net_id)]
    assert ports[0]["fixed_ips"] == info["external_fixed_ips"]
    # The gateway's port is the router's to delete: 409 through the port API.
    r2 = admin.delete(f"/v2.0/ports/{ports[0]['id']}")
    assert r2.status == 409 and r2.error_type == "ServicePortInUse"
    # Clearing the gateway removes the port.
    up = member.put(f"/v2.0/routers/{r['id']}", {"router": {"external_gateway_info": {}}})
    assert up.status == 200 and up.json["router"]["external_gateway_info"] is None
    assert admin.get(f"/v2.0/ports?device_id={r['id']}").json["ports"] == []
    # Deleting a router deletes its gateway port.
    r3 = router(member, external_gateway_info={"network_id": net_id})
    assert member.delete(f"/v2.0/routers/{r3['id']}").status == 204
    assert admin.get(f"/v2.0/ports?device_id={r3['id']}").json["ports"] == []


def test_gateway_on_a_network_that_is_not_external_is_400(member, inside):
    r = member.post("/v2.0/routers", {"router": {
        "external_gateway_info": {"network_id": inside["network"]["id"]}}})
    assert r.status == 400 and "not an external network" in r.error_message
    assert member.get("/v2.0/routers").json["routers"] == []


def test_enable_snat_and_external_fixed_ips_are_admin_only(member, admin, external, project_id):
    net_id = external["network"]["id"]
    for extra in ({"enable_snat": False},
                  {"external_fixed_ips": [{"subnet_id": external["subnet"]["id"]}]}):
        r = member.post("/v2.0/routers", {"router": {
            "external_gateway_info": {"network_id": net_id, **extra}}})
        assert r.status == 403, r
    assert member.get("/v2.0/routers").json["routers"] == []
    cidr = external["subnet"]["cidr"]
    address = cidr.rsplit(".", 1)[0] + ".77"
    r = router(admin, project_id=project_id, external_gateway_info={
        "network_id": net_id, "enable_snat": False,
        "external_fixed_ips": [{"ip_address": address}]})
    info = r["external_gateway_info"]
    assert info["enable_snat"] is False and r["enable_snat"] is False
    assert [ip["ip_address"] for ip in info["external_fixed_ips"]] == [address]
    # A member may not switch SNAT back on either.
    up = member.put(f"/v2.0/routers/{r['id']}", {"router": {"external_gateway_info": {
        "network_id": net_id, "enable_snat": True}}})
    assert up.status == 403
    assert member.show("routers", r["id"])["external_gateway_info"]["enable_snat"] is False


def test_interface_by_subnet_takes_the_gateway_ip(member, inside, project_id):
    r = router(member)
    rep = add(member, r["id"], subnet_id=inside["subnet"]["id"])
    assert rep.status == 200, rep
    info = rep.json
    assert info["id"] == r["id"] and info["subnet_id"] == inside["subnet"]["id"]
    assert info["subnet_ids"] == [inside["subnet"]["id"]]
    assert info["network_id"] == inside["network"]["id"]
    assert info["project_id"] == project_id
    port = member.show("ports", info["port_id"])
    assert port["device_owner"] == "network:router_interface"
    assert port["device_id"] == r["id"]
    assert port["fixed_ips"] == [{"subnet_id": inside["subnet"]["id"], "ip_address": "10.0.0.1"}]
    assert member.show("routers", r["id"])["revision_number"] == r["revision_number"] + 1
    # The interface port, its subnet and network cannot be deleted while attached.
    d = member.delete(f"/v2.0/ports/{port['id']}")
    assert d.status == 409 and d.error_type == "ServicePortInUse"
    assert member.delete(f"/v2.0/subnets/{inside['subnet']['id']}").error_type == "SubnetInUse"
    assert member.delete(f"/v2.0/networks/{inside['network']['id']}").error_type == \
        "NetworkInUse"
    d = member.delete(f"/v2.0/routers/{r['id']}")
    assert d.status == 409 and d.error_type == "RouterInUse"
    # Same subnet again, or an overlapping one: 400.
    again = add(member, r["id"], subnet_id=inside["subnet"]["id"])
    assert again.status == 400 and "overlaps" in again.error_message
    net2 = member.network()
    overlapping = member.subnet(net2["id"], "10.0.0.0/16")
    o = add(member, r["id"], subnet_id=overlapping["id"])
    assert o.status == 400 and "overlaps" in o.error_message
    rm = remove(member, r["id"], subnet_id=inside["subnet"]["id"])
    assert rm.status == 200 and rm.json["port_id"] == port["id"]
    assert member.get(f"/v2.0/ports/{port['id']}").status == 404
    assert member.show("routers", r["id"])["revision_number"] == r["revision_number"] + 2
    again = remove(member, r["id"], subnet_id=inside["subnet"]["id"])
    assert again.status == 404 and again.error_type == "RouterInterfaceNotFoundForSubnet"
    assert member.delete(f"/v2.0/routers/{r['id']}").status == 204


def test_gateway_ip_held_by_a_router_interface_cannot_change(member):
    net = member.network()
    subnet = member.subnet(net["id"], "10.0.0.0/24",
                           allocation_pools=[{"start": "10.0.0.100", "end": "10.0.0.200"}])
    path = f"/v2.0/subnets/{subnet['id']}"
    # No router port yet: the gateway moves freely.
    assert member.put(path, {"subnet": {"gateway_ip": "10.0.0.2"}}).status == 200
    r = router(member)
    port_id = add(member, r["id"], subnet_id=subnet["id"]).json["port_id"]
    for gateway in ("10.0.0.3", None):
        rep = member.put(path, {"subnet": {"gateway_ip": gateway}})
        assert rep.status == 409 and rep.error_type == "GatewayIpInUse", rep
        assert "10.0.0.2" in rep.error_message and port_id in rep.error_message
    assert member.show("subnets", subnet["id"])["gateway_ip"] == "10.0.0.2"
    # The same gateway again, and other attributes, still update.
    assert member.put(path, {"subnet": {"gateway_ip": "10.0.0.2", "name": "kept"}}).status == 200


def test_interface_request_needs_exactly_one_of_subnet_and_port(member, inside):
    r = router(member)
    port = member.port(inside["network"]["id"])
    for body in ({}, {"subnet_id": inside["subnet"]["id"], "port_id": port["id"]}):
        rep = add(member, r["id"], **body)
        assert rep.status == 400, rep
    rep = add(member, r["id"], subnet_id="not-a-uuid")
    assert rep.status == 400 and "not-a-uuid" in rep.error_message
    assert member.show("routers", r["id"])["revision_number"] == 0


def test_subnet_without_gateway_is_refused(member):
    net = member.network()
    subnet = member.subnet(net["id"], "10.9.0.0/24", gateway_ip=None)
    r = router(member)
    rep = add(member, r["id"], subnet_id=subnet["id"])
    assert rep.status == 400 and "gateway" in rep.error_message
    assert member.get(f"/v2.0/ports?network_id={net['id']}").json["ports"] == []


def test_interface_by_port(member, inside):
    r = router(member)
    port = member.port(inside["network"]["id"])
    rep = add(member, r["id"], port_id=port["id"])
    assert rep.status == 200, rep
    assert rep.json["port_id"] == port["id"]
    assert rep.json["subnet_ids"] == [inside["subnet"]["id"]]
    shown = member.show("ports", port["id"])
    assert shown["device_owner"] == "network:router_interface" and shown["device_id"] == r["id"]
    assert shown["revision_number"] > port["revision_number"]
    # A port already in use is 409 PortInUse.
    other = router(member)
    busy = add(member, other["id"], port_id=port["id"])
    assert busy.status == 409 and busy.error_type == "PortInUse"
    bound = member.port(inside["network"]["id"], device_id="vm-1", device_owner="compute:nova")
    busy = add(member, other["id"], port_id=bound["id"])
    assert busy.status == 409 and busy.error_type == "PortInUse"
    no_ip = member.port(inside["network"]["id"], fixed_ips=[])
    rep = add(member, other["id"], port_id=no_ip["id"])
    assert rep.status == 400 and "fixed IP" in rep.error_message
    # Removing by port deletes the port.
    wrong = remove(member, other["id"], port_id=port["id"])
    assert wrong.status == 404 and wrong.error_type == "RouterInterfaceNotFound"
    rm = remove(member, r["id"], port_id=port["id"])
    assert rm.status == 200 and rm.json["subnet_id"] == inside["subnet"]["id"]
    assert member.get(f"/v2.0/ports/{port['id']}").status == 404


def test_routes_need_a_connected_nexthop_and_respect_max_routes(member, inside):
    r = router(member)
    url = f"/v2.0/routers/{r['id']}"
    route = {"destination": "192.168.50.0/24", "nexthop": "10.0.0.50"}
    bad = member.put(url, {"router": {"routes": [route]}})
    assert bad.status == 400 and bad.error_type == "InvalidRoutes"
    add(member, r["id"], subnet_id=inside["subnet"]["id"])
    own = member.put(url, {"router": {"routes": [{"destination": "192.168.50.0/24",
                                                   "nexthop": "10.0.0.1"}]}})
    assert own.status == 400 and own.error_type == "InvalidRoutes"
    ok = member.put(url, {"router": {"routes": [route]}})
    assert ok.status == 200 and ok.json["router"]["routes"] == [route]
    many = [{"destination": f"192.168.{i}.0/24", "nexthop": "10.0.0.50"} for i in range(31)]
    too_many = member.put(url, {"router": {"routes": many}})
    assert too_many.status == 400 and too_many.error_type == "RoutesExhausted"
    assert member.show("routers", r["id"])["routes"] == [route]
    bad_cidr = member.put(url, {"router": {"routes": [{"destination": "x", "nexthop": "10.0.0.5"}]}})
    assert bad_cidr.status == 400 and "routes" in bad_cidr.error_message
    # The interface whose subnet holds a nexthop stays while the route does.
    rm = remove(member, r["id"], subnet_id=inside["subnet"]["id"])
    assert rm.status == 409 and rm.error_type == "RouterInterfaceInUseByRoute"
    cleared = member.put(url, {"router": {"routes": None}})
    assert cleared.status == 200 and cleared.json["router"]["routes"] == []
    assert remove(member, r["id"], subnet_id=inside["subnet"]["id"]).status == 200


def test_add_and_remove_extraroutes_atomically(member, inside):
    r = router(member)
    add(member, r["id"], subnet_id=inside["subnet"]["id"])
    a = {"destination": "192.168.1.0/24", "nexthop": "10.0.0.11"}
    b = {"destination": "192.168.2.0/24", "nexthop": "10.0.0.12"}
    url = f"/v2.0/routers/{r['id']}"
    rep = member.put(f"{url}/add_extraroutes", {"router": {"routes": [a, b]}})
    assert rep.status == 200 and rep.json["router"]["routes"] == [a, b]
    rep = member.put(f"{url}/add_extraroutes", {"router": {"routes": [a]}})
    assert rep.json["router"]["routes"] == [a, b]
    rep = member.put(f"{url}/remove_extraroutes", {"router": {"routes": [a]}})
    assert rep.status == 200 and rep.json["router"]["routes"] == [b]
    bad = member.put(f"{url}/add_extraroutes", {"router": {"routes": [
        {"destination": "192.168.3.0/24", "nexthop": "10.9.9.9"}]}})
    assert bad.status == 400 and bad.error_type == "InvalidRoutes"
    assert member.show("routers", r["id"])["routes"] == [b]


def test_ha_and_distributed_are_admin_and_change_only_when_admin_down(admin, member):
    denied = member.post("/v2.0/routers", {"router": {"ha": True}})
    assert denied.status == 403
    r = router(admin, ha=True, distributed=False)
    assert r["ha"] is True and r["distributed"] is False
    url = f"/v2.0/routers/{r['id']}"
    up = admin.put(url, {"router": {"distributed": True}})
    assert up.status == 400 and "admin_state_up" in up.error_message
    assert admin.put(url, {"router": {"admin_state_up": False}}).status == 200
    up = admin.put(url, {"router": {"distributed": True, "ha": False}})
    assert up.status == 200 and up.json["router"]["distributed"] is True
    assert up.json["router"]["ha"] is False
    # Back to centralized is allowed too (as Neutron 29 does).
    back = admin.put(url, {"router": {"distributed": False}})
    assert back.status == 200 and back.json["router"]["distributed"] is False


def test_availability_zone_hints(member):
    r = router(member, availability_zone_hints=["nova"])
    assert r["availability_zone_hints"] == ["nova"] and r["availability_zones"] == ["nova"]
    bad = member.post("/v2.0/routers", {"router": {"availability_zone_hints": ["nowhere"]}})
    assert bad.status == 400 and "nowhere" in bad.error_message


def test_routers_of_other_projects_are_invisible(member, server, inside):
    r = router(member)
    stranger = Client(server.url, uuid.uuid4().hex, "member,reader")
    assert stranger.get(f"/v2.0/routers/{r['id']}").status == 404
    assert stranger.get("/v2.0/routers").json["routers"] == []
    assert stranger.put(f"/v2.0/routers/{r['id']}", {"router": {"name": "x"}}).status == 404
    assert add(stranger, r["id"], subnet_id=inside["subnet"]["id"]).status == 404
    # Someone else's subnet cannot be attached to one's router.
    mine = router(stranger)
    rep = add(stranger, mine["id"], subnet_id=inside["subnet"]["id"])
    assert rep.status == 404 and rep.error_type == "SubnetNotFound"


def test_extensions_are_advertised(member):
    aliases = {e["alias"] for e in member.get("/v2.0/extensions").json["extensions"]}
    assert {"router", "ext-gw-mode", "extraroute", "extraroute-atomic", "l3-ha", "dvr",
            "router_availability_zone", "router-admin-state-down-before-update",
            "router-enable-snat", "fip-port-details", "floatingip-pools",
            "l3-port-ip-change-not-allowed"} <= aliases


# ---- l3-port-ip-change-not-allowed ----------------------------------------------------------
def test_an_interface_ports_ipv4_address_cannot_be_changed(admin, member, inside):
    r = router(member)
    port_id = add(member, r["id"], subnet_id=inside["subnet"]["id"]).json["port_id"]
    before = admin.show("ports", port_id)
    for client in (member, admin):  # a rule of the port, not of who asks
        for fixed_ips in ([{"subnet_id": inside["subnet"]["id"], "ip_address": "10.0.0.77"}],
                          [], [{"subnet_id": inside["subnet"]["id"]}, {"ip_address": "10.0.0.78"}]):
            resp = client.put(f"/v2.0/ports/{port_id}", {"port": {"fixed_ips": fixed_ips}})
            assert resp.status == 400 and resp.error_type == "IPAddressChangeNotAllowed", resp
            assert port_id in resp.error_message
    assert admin.show("ports", port_id) == before
    # Other changes of the port, and a fixed_ips list that keeps its address, go through.
    same = admin.put(f"/v2.0/ports/{port_id}", {"port": {"fixed_ips": before["fixed_ips"]}})
    assert same.status == 200 and same.json["port"]["fixed_ips"] == before["fixed_ips"]
    assert admin.put(f"/v2.0/ports/{port_id}", {"port": {"name": "renamed"}}).status == 200


def test_an_interface_ports_ipv6_addresses_and_non_router_ports_may_change(admin, member):
    net = member.network()
    v6 = member.subnet(net["id"], "2001:db8:42::/64")
    r = router(member)
    port_id = add(member, r["id"], subnet_id=v6["id"]).json["port_id"]
    resp = member.put(f"/v2.0/ports/{port_id}", {"port": {"fixed_ips": [
        {"subnet_id": v6["id"], "ip_address": "2001:db8:42::77"}]}})
    assert resp.status == 200, resp
    assert resp.json["port"]["fixed_ips"][0]["ip_address"] == "2001:db8:42::77"
    # A port that only claims the device owner, with no router behind its device_id.
    v4 = member.subnet(net["id"], "10.9.0.0/24")
    plain = admin.port(net["id"], device_owner="network:router_interface",
                       device_id=str(uuid.uuid4()),
                       fixed_ips=[{"subnet_id": v4["id"], "ip_address": "10.9.0.5"}])
    resp = admin.put(f"/v2.0/ports/{plain['id']}", {"port": {"fixed_ips": [
        {"subnet_id": v4["id"], "ip_address": "10.9.0.6"}]}})
    assert resp.status == 200, resp


def test_router_ports_are_listed_by_device_id_and_owner(member, inside):
    # Neutron offers no router_id filter on ports: clients (Tempest, the CLI) ask for
    # device_id, and device_owner for the kind.
    r = router(member)
    port_id = add(member, r["id"], subnet_id=inside["subnet"]["id"]).json["port_id"]
    member.port(inside["network"]["id"])
    listed = member.get("/v2.0/ports", params={"device_id": r["id"]}).json["ports"]
    assert [p["id"] for p in listed] == [port_id]
    listed = member.get("/v2.0/ports", params={"device_id": r["id"],
                                               "device_owner": "network:router_interface"})
    assert [p["id"] for p in listed.json["ports"]] == [port_id]
    assert member.get("/v2.0/ports", params={"router_id": r["id"]}).status == 400
