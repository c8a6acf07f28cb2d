"""Port forwarding on floating IPs over HTTP (both backends): the sub-resource, its
collisions and mutual exclusion with 1:1 NAT, ranges, and what the floating IP
shows."""
from __future__ import annotations

import uuid

import pytest

from tests.support.client import Client


@pytest.fixture
def setup(admin, member) -> dict:
    ext = admin.network(**{"router:external": True})
    admin.subnet(ext["id"], f"100.{uuid.uuid4().int % 60 + 64}.{uuid.uuid4().int % 250}.0/24")
    net = member.network()
    subnet = member.subnet(net["id"], "10.0.0.0/24")
    router = member.create("routers", "router", external_gateway_info={"network_id": ext["id"]})
    r = member.put(f"/v2.0/routers/{router['id']}/add_router_interface",
                   {"subnet_id": subnet["id"]})
    assert r.status == 200, r
    fip = member.create("floatingips", "floatingip", floating_network_id=ext["id"])
    port = member.port(net["id"])
    return {"ext": ext, "net": net, "router": router, "fip": fip, "port": port,
            "base": f"/v2.0/floatingips/{fip['id']}/port_forwardings"}


def pf_body(port: dict, **attrs) -> dict:
    body = {"protocol": "tcp", "internal_port_id": port["id"],
            "internal_ip_address": port["fixed_ips"][0]["ip_address"],
            "internal_port": 22, "external_port": 2222}
    body.update(attrs)
    return {"port_forwarding": body}


def test_create_list_show_update_delete(member, setup):
    base, port = setup["base"], setup["port"]
    r = member.post(base, pf_body(port, description="ssh"))
    assert r.status == 201, r
    pf = r.json["port_forwarding"]
    assert pf["protocol"] == "tcp" and pf["internal_port"] == 22 and pf["external_port"] == 2222
    assert pf["internal_port_id"] == port["id"] and pf["description"] == "ssh"
    assert pf["internal_ip_address"] == port["fixed_ips"][0]["ip_address"]
    assert "floatingip_id" not in pf and "project_id" not in pf
    assert member.get(f"{base}/{pf['id']}").json["port_forwarding"] == pf
    assert [x["id"] for x in member.get(base).json["port_forwardings"]] == [pf["id"]]
    assert member.get(f"{base}?external_port=2222").json["port_forwardings"][0]["id"] == pf["id"]
    assert member.get(f"{base}?external_port=80").json["port_forwardings"] == []
    fip = member.show("floatingips", setup["fip"]["id"])
    assert fip["router_id"] == setup["router"]["id"]
    [shown] = fip["port_forwardings"]
    assert shown == {"id": pf["id"], "protocol": "tcp", "internal_port": 22,
                     "external_port": 2222, "internal_port_id": port["id"],
                     "internal_ip_address": pf["internal_ip_address"]}
    up = member.put(f"{base}/{pf['id']}", {"port_forwarding": {"external_port": 2200}})
    assert up.status == 200 and up.json["port_forwarding"]["external_port"] == 2200
    assert up.json["port_forwarding"]["internal_port"] == 22
    assert member.delete(f"{base}/{pf['id']}").status == 204
    assert member.get(f"{base}/{pf['id']}").error_type == "PortForwardingNotFound"
    fip = member.show("floatingips", setup["fip"]["id"])
    assert fip["port_forwardings"] == [] and fip["router_id"] is None


def test_collisions_are_400_and_change_nothing(member, setup):
    base, port = setup["base"], setup["port"]
    assert member.post(base, pf_body(port)).status == 201
    same_external = member.post(base, pf_body(port, internal_port=23))
    assert same_external.status == 400 and "collision" in same_external.error_message
    same_socket = member.post(base, pf_body(port, external_port=3333))
    assert same_socket.status == 400 and "duplicate" in same_socket.error_message
    udp = member.post(base, pf_body(port, protocol="udp"))
    assert udp.status == 201
    overlapping = member.post(base, pf_body(port, internal_port=None, external_port=None,
                                            internal_port_range="100:200",
                                            external_port_range="2000:2300"))
    assert overlapping.status == 400
    assert len(member.get(base).json["port_forwardings"]) == 2


def test_ranges(member, setup):
    base, port = setup["base"], setup["port"]
    ranged = pf_body(port, internal_port=None, external_port=None,
                     internal_port_range="100:110", external_port_range="5100:5110")
    r = member.post(base, ranged)
    assert r.status == 201, r
    pf = r.json["port_forwarding"]
    assert pf["internal_port_range"] == "100:110" and pf["external_port_range"] == "5100:5110"
    both = member.post(base, pf_body(port, internal_port_range="1:2", external_port_range="3:4"))
    assert both.status == 400 and "not both" in both.error_message
    sizes = member.post(base, pf_body(port, internal_port=None, external_port=None,
                                      internal_port_range="300:310",
                                      external_port_range="6000:6002"))
    assert sizes.status == 400 and "same size" in sizes.error_message
    one_to_many = member.post(base, pf_body(port, internal_port=None, external_port=None,
                                            internal_port_range="400",
                                            external_port_range="7000:7005"))
    assert one_to_many.status == 201, one_to_many
    assert len(member.get(base).json["port_forwardings"]) == 2


def test_bad_input_names_the_problem(member, setup):
    base, port = setup["base"], setup["port"]
    # An address of the subnet that is not the port's (IPAM picks the port's at random).
    stranger = "10.0.0.254" if port["fixed_ips"][0]["ip_address"] != "10.0.0.254" else "10.0.0.253"
    for body, word in ((pf_body(port, protocol="gre"), "gre"),
                       (pf_body(port, external_port=70000), "70000"),
                       (pf_body(port, internal_ip_address=stranger), stranger)):
        r = member.post(base, body)
        assert r.status == 400 and word in r.error_message, r
    missing = member.post(base, {"port_forwarding": {"protocol": "tcp",
                                                     "internal_port_id": port["id"]}})
    assert missing.status == 400
    assert member.get(base).json["port_forwardings"] == []
    ghost = member.post(f"/v2.0/floatingips/{uuid.uuid4()}/port_forwardings", pf_body(port))
    assert ghost.status == 404 and ghost.error_type == "FloatingIPNotFound"


def test_nat_and_port_forwarding_exclude_each_other(member, setup):
    base, port = setup["base"], setup["port"]
    assert member.post(base, pf_body(port)).status == 201
    fip_id = setup["fip"]["id"]
    other = member.port(setup["net"]["id"])
    r = member.put(f"/v2.0/floatingips/{fip_id}", {"floatingip": {"port_id": other["id"]}})
    assert r.status == 409 and r.error_type == "FipInUseByPortForwarding"
    r = member.delete(f"/v2.0/floatingips/{fip_id}")
    assert r.status == 409 and r.error_type == "FipInUseByPortForwarding"
    # A floating IP associated 1:1 takes no forwarding, nor does a port that has one.
    nat = member.create("floatingips", "floatingip", floating_network_id=setup["ext"]["id"],
                        port_id=other["id"])
    r = member.post(f"/v2.0/floatingips/{nat['id']}/port_forwardings", pf_body(port))
    assert r.status == 409 and r.error_type == "FloatingIPPortAlreadyAssociated"
    r = member.post(base, pf_body(other, external_port=4444))
    assert r.status == 409 and r.error_type == "PortHasBindingFloatingIP"


def test_unreachable_internal_port_is_400(member, setup):
    net = member.network()
    member.subnet(net["id"], "10.50.0.0/24")
    lonely = member.port(net["id"])
    r = member.post(setup["base"], pf_body(lonely))
    assert r.status == 400 and "not reachable" in r.error_message


def test_deleting_the_internal_port_deletes_its_forwardings(member, setup):
    base, port = setup["base"], setup["port"]
    assert member.post(base, pf_body(port)).status == 201
    assert member.delete(f"/v2.0/ports/{port['id']}").status == 204
    assert member.get(base).json["port_forwardings"] == []
    assert member.show("floatingips", setup["fip"]["id"])["router_id"] is None


def test_other_projects_cannot_see_or_add_forwardings(member, setup, server):
    base, port = setup["base"], setup["port"]
    assert member.post(base, pf_body(port)).status == 201
    stranger = Client(server.url, uuid.uuid4().hex, "member,reader")
    assert stranger.get(base).status == 404
    assert stranger.post(base, pf_body(port, external_port=1)).status == 404


def test_sdk_port_forwarding(sdk, setup):
    fip_id, port = setup["fip"]["id"], setup["port"]
    pf = sdk.network.create_port_forwarding(
        floatingip_id=fip_id, protocol="tcp", internal_port_id=port["id"],
        internal_ip_address=port["fixed_ips"][0]["ip_address"], internal_port=80,
        external_port=8080)
    assert pf.external_port == 8080
    assert [p.id for p in sdk.network.port_forwardings(fip_id)] == [pf.id]
    pf = sdk.network.update_port_forwarding(pf, fip_id, external_port=8081)
    assert pf.external_port == 8081
    assert sdk.network.get_port_forwarding(pf, fip_id).internal_port == 80
    sdk.network.delete_port_forwarding(pf, fip_id)
    assert list(sdk.network.port_forwardings(fip_id)) == []


def test_changing_the_internal_address_deletes_its_forwardings(member, setup):
    base, port = setup["base"], setup["port"]
    assert member.post(base, pf_body(port)).status == 201
    subnet_id = port["fixed_ips"][0]["subnet_id"]
    new_ip = "10.0.0.200" if port["fixed_ips"][0]["ip_address"] != "10.0.0.200" else "10.0.0.201"
    r = member.put(f"/v2.0/ports/{port['id']}", {"port": {"fixed_ips": [
        {"subnet_id": subnet_id, "ip_address": new_ip}]}})
    assert r.status == 200, r
    assert member.get(base).json["port_forwardings"] == []
    assert member.show("floatingips", setup["fip"]["id"])["router_id"] is None


def test_if_match_is_ignored_without_revisions(member, setup):
    base, port = setup["base"], setup["port"]
    pf = member.post(base, pf_body(port)).json["port_forwarding"]
    r = member.delete(f"{base}/{pf['id']}", headers={"If-Match": "revision_number=7"})
    assert r.status == 204
