"""Floating IPs over HTTP (both backends): allocation from the external network,
association through a router with a gateway there, port_details, the floating
IP's own port, quotas and pools."""
from __future__ import annotations

import uuid

import pytest

from tests.support.client import Client


@pytest.fixture
def external(admin) -> dict:
    net = admin.network(**{"router:external": True})
    prefix = f"172.{uuid.uuid4().int % 200 + 20}.{uuid.uuid4().int % 250}"
    subnet = admin.subnet(net["id"], f"{prefix}.0/24")
    return {"network": net, "subnet": subnet, "prefix": prefix}


@pytest.fixture
def topology(member, external) -> dict:
    """A member's network behind a router with a gateway on the external network."""
    net = member.network()
    subnet = member.subnet(net["id"], "10.0.0.0/24")
    router = member.create("routers", "router",
                           external_gateway_info={"network_id": external["network"]["id"]})
    r = member.put(f"/v2.0/routers/{router['id']}/add_router_interface",
                   {"subnet_id": subnet["id"]})
    assert r.status == 200, r
    return {"network": net, "subnet": subnet, "router": router, **{"ext": external}}


def fip(client: Client, network_id: str, **attrs) -> dict:
    return client.create("floatingips", "floatingip", floating_network_id=network_id, **attrs)


def test_allocation_from_the_external_network(member, admin, external, project_id):
    f = fip(member, external["network"]["id"], description="mine")
    assert f["floating_ip_address"].startswith(external["prefix"] + ".")
    assert f["status"] == "DOWN" and f["port_id"] is None and f["router_id"] is None
    assert f["fixed_ip_address"] is None and f["port_details"] is None
    assert f["project_id"] == f["tenant_id"] == project_id and f["description"] == "mine"
    assert f["revision_number"] == 0 and f["tags"] == []
    [port] = admin.get(f"/v2.0/ports?device_id={f['id']}").json["ports"]
    assert port["device_owner"] == "network:floatingip"
    assert port["fixed_ips"][0]["ip_address"] == f["floating_ip_address"]
    d = admin.delete(f"/v2.0/ports/{port['id']}")
    assert d.status == 409 and d.error_type == "ServicePortInUse"
    assert member.show("floatingips", f["id"]) == f
    listed = member.get("/v2.0/floatingips",
                        params={"floating_ip_address": f["floating_ip_address"]}).json
    assert [x["id"] for x in listed["floatingips"]] == [f["id"]]
    assert member.delete(f"/v2.0/floatingips/{f['id']}").status == 204
    assert admin.get(f"/v2.0/ports/{port['id']}").status == 404
    assert member.get(f"/v2.0/floatingips/{f['id']}").error_type == "FloatingIPNotFound"


def test_specific_address_is_admin_only(member, admin, external, project_id):
    wanted = external["prefix"] + ".99"
    r = member.post("/v2.0/floatingips", {"floatingip": {
        "floating_network_id": external["network"]["id"], "floating_ip_address": wanted}})
    assert r.status == 403
    assert member.get("/v2.0/floatingips").json["floatingips"] == []
    f = fip(admin, external["network"]["id"], floating_ip_address=wanted, project_id=project_id)
    assert f["floating_ip_address"] == wanted
    again = admin.post("/v2.0/floatingips", {"floatingip": {
        "floating_network_id": external["network"]["id"], "floating_ip_address": wanted}})
    assert again.status == 409 and again.error_type == "IpAddressInUse"


def test_network_must_be_external(member):
    net = member.network()
    member.subnet(net["id"], "10.5.0.0/24")
    r = member.post("/v2.0/floatingips", {"floatingip": {"floating_network_id": net["id"]}})
    assert r.status == 400 and "external" in r.error_message
    missing = member.post("/v2.0/floatingips",
                          {"floatingip": {"floating_network_id": str(uuid.uuid4())}})
    assert missing.status == 404 and missing.error_type == "NetworkNotFound"
    assert member.get("/v2.0/floatingips").json["floatingips"] == []
    assert member.get(f"/v2.0/ports?network_id={net['id']}").json["ports"] == []


def test_association_derives_the_router(member, topology):
    port = member.port(topology["network"]["id"], name="vm")
    f = fip(member, topology["ext"]["network"]["id"], port_id=port["id"])
    assert f["port_id"] == port["id"] and f["router_id"] == topology["router"]["id"]
    assert f["fixed_ip_address"] == port["fixed_ips"][0]["ip_address"]
    details = f["port_details"]
    assert details == {"name": "vm", "network_id": port["network_id"],
                       "mac_address": port["mac_address"], "admin_state_up": True,
                       "status": port["status"], "device_id": "", "device_owner": ""}
    listed = member.get("/v2.0/floatingips", params={"port_id": port["id"]}).json["floatingips"]
    assert [x["id"] for x in listed] == [f["id"]]
    # The same fixed IP cannot take a second floating IP.
    r = member.post("/v2.0/floatingips", {"floatingip": {
        "floating_network_id": topology["ext"]["network"]["id"], "port_id": port["id"]}})
    assert r.status == 409 and r.error_type == "FloatingIPPortAlreadyAssociated"
    assert len(member.get("/v2.0/floatingips").json["floatingips"]) == 1
    # The interface it goes through stays while it is associated, and so does the gateway.
    router_id = topology["router"]["id"]
    rm = member.put(f"/v2.0/routers/{router_id}/remove_router_interface",
                    {"subnet_id": topology["subnet"]["id"]})
    assert rm.status == 409 and rm.error_type == "RouterInterfaceInUseByFloatingIP"
    gw = member.put(f"/v2.0/routers/{router_id}", {"router": {"external_gateway_info": None}})
    assert gw.status == 409 and gw.error_type == "RouterExternalGatewayInUseByFloatingIp"
    # Disassociate, then re-associate to another port.
    off = member.put(f"/v2.0/floatingips/{f['id']}", {"floatingip": {"port_id": None}})
    assert off.status == 200
    body = off.json["floatingip"]
    assert body["port_id"] is None and body["router_id"] is None and body["port_details"] is None
    assert body["fixed_ip_address"] is None and body["revision_number"] == 1
    other = member.port(topology["network"]["id"])
    on = member.put(f"/v2.0/floatingips/{f['id']}", {"floatingip": {"port_id": other["id"]}})
    assert on.status == 200 and on.json["floatingip"]["port_id"] == other["id"]
    # Deleting the internal port leaves the floating IP unassociated.
    assert member.delete(f"/v2.0/ports/{other['id']}").status == 204
    shown = member.show("floatingips", f["id"])
    assert shown["port_id"] is None and shown["router_id"] is None


def test_unreachable_port_is_404(member, external):
    net = member.network()
    member.subnet(net["id"], "10.7.0.0/24")
    port = member.port(net["id"])
    r = member.post("/v2.0/floatingips", {"floatingip": {
        "floating_network_id": external["network"]["id"], "port_id": port["id"]}})
    assert r.status == 404 and r.error_type == "ExternalGatewayForFloatingIPNotFound"
    assert member.get("/v2.0/floatingips").json["floatingips"] == []
    f = fip(member, external["network"]["id"])
    r = member.put(f"/v2.0/floatingips/{f['id']}", {"floatingip": {"port_id": port["id"]}})
    assert r.status == 404 and r.error_type == "ExternalGatewayForFloatingIPNotFound"
    assert member.show("floatingips", f["id"]) == f


def test_fixed_ip_must_be_the_ports(member, topology):
    port = member.port(topology["network"]["id"])
    r = member.post("/v2.0/floatingips", {"floatingip": {
        "floating_network_id": topology["ext"]["network"]["id"], "port_id": port["id"],
        "fixed_ip_address": "10.0.0.250"}})
    assert r.status == 400 and "10.0.0.250" in r.error_message
    on_external = member.post("/v2.0/floatingips", {"floatingip": {
        "floating_network_id": topology["ext"]["network"]["id"], "port_id": str(uuid.uuid4())}})
    assert on_external.status == 404 and on_external.error_type == "PortNotFound"
    assert member.get("/v2.0/floatingips").json["floatingips"] == []


def test_router_with_floating_ips_cannot_be_deleted(member, topology):
    port = member.port(topology["network"]["id"])
    fip(member, topology["ext"]["network"]["id"], port_id=port["id"])
    router_id = topology["router"]["id"]
    d = member.delete(f"/v2.0/routers/{router_id}")
    assert d.status == 409 and d.error_type == "RouterInUse"


def test_floatingip_quota(admin, member, external, project_id):
    r = admin.put(f"/v2.0/quotas/{project_id}", {"quota": {"floatingip": 1, "router": 1}})
    assert r.status == 200, r
    fip(member, external["network"]["id"])
    over = member.post("/v2.0/floatingips",
                       {"floatingip": {"floating_network_id": external["network"]["id"]}})
    assert over.status == 409 and over.error_type == "OverQuota"
    member.create("routers", "router")
    over = member.post("/v2.0/routers", {"router": {}})
    assert over.status == 409 and over.error_type == "OverQuota"
    assert len(admin.get(f"/v2.0/ports?device_owner=network:floatingip&"
                         f"network_id={external['network']['id']}").json["ports"]) == 1


def test_exhausted_external_subnet_is_409(admin, member):
    net = admin.network(**{"router:external": True})
    admin.subnet(net["id"], "192.0.2.0/30")  # two addresses, one is the gateway
    fip(member, net["id"])
    r = member.post("/v2.0/floatingips", {"floatingip": {"floating_network_id": net["id"]}})
    assert r.status == 409 and r.error_type == "IpAddressGenerationFailure"
    assert len(member.get("/v2.0/floatingips").json["floatingips"]) == 1


def test_pools_list_external_subnets(member, external):
    pools = member.get("/v2.0/floatingip_pools").json["floatingip_pools"]
    mine = [p for p in pools if p["network_id"] == external["network"]["id"]]
    assert mine == [{"subnet_id": external["subnet"]["id"],
                     "subnet_name": external["subnet"]["name"],
                     "network_id": external["network"]["id"], "cidr": external["subnet"]["cidr"],
                     "project_id": external["subnet"]["project_id"],
                     "tenant_id": external["subnet"]["project_id"]}]


def test_floating_ips_of_other_projects_are_invisible(member, server, external):
    f = fip(member, external["network"]["id"])
    stranger = Client(server.url, uuid.uuid4().hex, "member,reader")
    assert stranger.get(f"/v2.0/floatingips/{f['id']}").status == 404
    assert stranger.delete(f"/v2.0/floatingips/{f['id']}").status == 404
    assert f["id"] not in {x["id"] for x in stranger.get("/v2.0/floatingips").json["floatingips"]}


def test_a_pool_is_shown_by_its_subnet_or_not_found(member, external):
    shown = member.get(f"/v2.0/floatingip_pools/{external['subnet']['id']}")
    assert shown.status == 200
    assert shown.json["floatingip_pool"]["network_id"] == external["network"]["id"]
    missing = member.get(f"/v2.0/floatingip_pools/{uuid.uuid4()}")
    assert missing.status == 404 and missing.error_type == "FloatingIPPoolNotFound"


def test_dns_name_and_domain_are_stored(member, external):
    f = fip(member, external["network"]["id"], dns_name="web", dns_domain="example.org.")
    assert (f["dns_name"], f["dns_domain"]) == ("web", "example.org.")
    bad = member.post("/v2.0/floatingips", {"floatingip": {
        "floating_network_id": external["network"]["id"], "dns_name": "-bad-"}})
    assert bad.status == 400 and "dns_name" in bad.error_message


def test_blank_update_disassociates_and_other_updates_keep_it(member, topology):
    port = member.port(topology["network"]["id"])
    f = fip(member, topology["ext"]["network"]["id"], port_id=port["id"])
    kept = member.put(f"/v2.0/floatingips/{f['id']}", {"floatingip": {"description": "d"}})
    assert kept.status == 200 and kept.json["floatingip"]["port_id"] == port["id"]
    blank = member.put(f"/v2.0/floatingips/{f['id']}", {"floatingip": {}})
    assert blank.status == 200 and blank.json["floatingip"]["port_id"] is None


def test_port_of_another_project_is_400(admin, member, topology, project_id):
    f = fip(member, topology["ext"]["network"]["id"])
    other = admin.port(topology["network"]["id"], project_id=uuid.uuid4().hex)
    r = admin.put(f"/v2.0/floatingips/{f['id']}", {"floatingip": {"port_id": other["id"]}})
    assert r.status == 400 and "different project" in r.error_message
    assert member.show("floatingips", f["id"])["port_id"] is None


def test_deleting_an_external_network_deletes_its_floating_ips(admin, member, external):
    f = fip(member, external["network"]["id"])
    assert admin.delete(f"/v2.0/networks/{external['network']['id']}").status == 204
    assert member.get(f"/v2.0/floatingips/{f['id']}").status == 404


def test_pools_are_found_with_dashes_too(member, external):
    # As Neutron: Tempest's client asks for /v2.0/floatingip-pools.
    pools = member.get("/v2.0/floatingip-pools").json["floatingip_pools"]
    assert external["subnet"]["id"] in {p["subnet_id"] for p in pools}
