"""Routers and floating IPs in the change journal: each write leaves one row per
resource it changed (the router, the ports it made or took, the floating IP), with
the body a GET shows afterwards."""
from __future__ import annotations

from tests.integration.test_journal_api import PATHS, Journal, j, setup  # noqa: F401

PATHS.update({"router": "routers", "floatingip": "floatingips"})


def test_router_gateway_interface_and_delete(j):  # noqa: F811
    c = j.client
    ext = c.network(**{"router:external": True})
    c.subnet(ext["id"], "172.30.0.0/24")
    net = c.network()
    sub = c.subnet(net["id"], "10.3.0.0/24")
    j.changes()
    router = c.create("routers", "router", external_gateway_info={"network_id": ext["id"]})
    [gw] = c.get(f"/v2.0/ports?device_id={router['id']}").json["ports"]
    j.expect(("router", router["id"], "create"), ("port", gw["id"], "create"))
    r = c.put(f"/v2.0/routers/{router['id']}/add_router_interface", {"subnet_id": sub["id"]})
    assert r.status == 200
    port_id = r.json["port_id"]
    j.expect(("router", router["id"], "update"), ("port", port_id, "create"))
    own = c.port(net["id"])
    j.changes()
    r = c.put(f"/v2.0/routers/{router['id']}/remove_router_interface", {"port_id": port_id})
    assert r.status == 200
    j.expect(("router", router["id"], "update"), ("port", port_id, "delete"))
    net2 = c.network()
    c.subnet(net2["id"], "10.4.0.0/24")
    taken = c.port(net2["id"])
    j.changes()
    r = c.put(f"/v2.0/routers/{router['id']}/add_router_interface", {"port_id": taken["id"]})
    assert r.status == 200
    j.expect(("router", router["id"], "update"), ("port", taken["id"], "update"))
    r = c.put(f"/v2.0/routers/{router['id']}/remove_router_interface", {"port_id": taken["id"]})
    j.expect(("router", router["id"], "update"), ("port", taken["id"], "delete"))

    fip = c.create("floatingips", "floatingip", floating_network_id=ext["id"])
    [fport] = c.get(f"/v2.0/ports?device_id={fip['id']}").json["ports"]
    j.expect(("floatingip", fip["id"], "create"), ("port", fport["id"], "create"))
    assert c.put(f"/v2.0/routers/{router['id']}/add_router_interface",
                 {"subnet_id": sub["id"]}).status == 200
    j.changes()
    r = c.put(f"/v2.0/floatingips/{fip['id']}", {"floatingip": {"port_id": own["id"]}})
    assert r.status == 200 and r.json["floatingip"]["router_id"] == router["id"]
    j.expect(("floatingip", fip["id"], "update"))
    assert c.delete(f"/v2.0/ports/{own['id']}").status == 204
    j.expect(("port", own["id"], "delete"), ("floatingip", fip["id"], "update"))
    assert c.delete(f"/v2.0/floatingips/{fip['id']}").status == 204
    j.expect(("floatingip", fip["id"], "delete"), ("port", fport["id"], "delete"))
    r = c.put(f"/v2.0/routers/{router['id']}/remove_router_interface", {"subnet_id": sub["id"]})
    j.changes()
    assert c.delete(f"/v2.0/routers/{router['id']}").status == 204
    j.expect(("router", router["id"], "delete"), ("port", gw["id"], "delete"))


def test_flavor_profile_association_is_a_change_of_the_flavor(j):  # noqa: F811
    c = j.client
    PATHS["flavor"] = "flavors"
    sp = c.create("service_profiles", "service_profile",
                  driver="neutron.services.l3_router.service_providers.single_node.SingleNodeDriver")
    flavor = c.create("flavors", "flavor", service_type="L3_ROUTER_NAT")
    j.changes()
    assert c.post(f"/v2.0/flavors/{flavor['id']}/service_profiles",
                  {"service_profile": {"id": sp["id"]}}).status == 201
    [row] = j.expect(("flavor", flavor["id"], "update"))
    assert row["body"]["service_profiles"] == [sp["id"]]
    assert c.delete(f"/v2.0/flavors/{flavor['id']}/service_profiles/{sp['id']}").status == 204
    [row] = j.expect(("flavor", flavor["id"], "update"))
    assert row["body"]["service_profiles"] == []
    # A refused association changes nothing.
    assert c.delete(f"/v2.0/flavors/{flavor['id']}/service_profiles/{sp['id']}").status == 404
    j.expect()
