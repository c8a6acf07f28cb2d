"""Subnets: cidr, gateway, allocation pools, routes, DNS servers, IPv6 modes,
service types, and what keeps a subnet from being deleted."""
import uuid

import pytest


@pytest.fixture
def net(admin):
    return admin.network()


def _post(admin, **attrs):
    return admin.post("/v2.0/subnets", {"subnet": attrs})


def _v4(net, **attrs):
    return {"network_id": net["id"], "ip_version": 4, "cidr": "10.0.0.0/24", **attrs}


def test_subnet_cidr_host_bits_are_cleared(admin, net):
    sub = admin.subnet(net["id"], "10.0.0.5/24")
    assert sub["cidr"] == "10.0.0.0/24"
    assert sub["gateway_ip"] == "10.0.0.1"


def test_subnet_ipv6_cidr_is_canonical(admin, net):
    sub = admin.subnet(net["id"], "2001:DB8:0:0::/64")
    assert sub["cidr"] == "2001:db8::/64"


def test_subnet_default_gateway_and_pool(admin, net):
    sub = admin.subnet(net["id"], "10.0.0.0/24")
    assert sub["gateway_ip"] == "10.0.0.1"
    assert sub["allocation_pools"] == [{"start": "10.0.0.2", "end": "10.0.0.254"}]
    assert sub["host_routes"] == [] and sub["dns_nameservers"] == []
    assert sub["enable_dhcp"] is True and sub["ipv6_ra_mode"] is None


def test_subnet_explicit_gateway_splits_default_pool(admin, net):
    sub = admin.subnet(net["id"], "10.0.0.0/24", gateway_ip="10.0.0.100")
    assert sub["allocation_pools"] == [{"start": "10.0.0.1", "end": "10.0.0.99"},
                                       {"start": "10.0.0.101", "end": "10.0.0.254"}]


def test_subnet_null_gateway_pool_covers_whole_range(admin, net):
    sub = admin.subnet(net["id"], "10.0.0.0/24", gateway_ip=None)
    assert sub["gateway_ip"] is None
    assert sub["allocation_pools"] == [{"start": "10.0.0.1", "end": "10.0.0.254"}]


def test_subnet_gateway_outside_cidr_is_400(admin, net):
    r = _post(admin, **_v4(net, gateway_ip="10.9.9.1"))
    assert r.status == 400 and r.error_type == "InvalidInput"


def test_subnet_ipv6_default_pool_ends_at_last_address(admin, net):
    sub = admin.subnet(net["id"], "2001:db8::/64")
    assert sub["allocation_pools"] == [{"start": "2001:db8::2",
                                        "end": "2001:db8::ffff:ffff:ffff:ffff"}]


def test_subnet_explicit_allocation_pools_kept(admin, net):
    pools = [{"start": "10.0.0.10", "end": "10.0.0.20"}, {"start": "10.0.0.50", "end": "10.0.0.60"}]
    sub = admin.subnet(net["id"], allocation_pools=pools)
    assert sub["allocation_pools"] == pools


def test_subnet_pool_outside_cidr_is_400(admin, net):
    r = _post(admin, **_v4(net, allocation_pools=[{"start": "10.0.0.200", "end": "10.0.1.5"}]))
    assert r.status == 400 and r.error_type == "OutOfBoundsAllocationPool"


def test_subnet_overlapping_pools_is_400(admin, net):
    r = _post(admin, **_v4(net, allocation_pools=[{"start": "10.0.0.10", "end": "10.0.0.20"},
                                                  {"start": "10.0.0.15", "end": "10.0.0.30"}]))
    assert r.status == 400 and r.error_type == "OverlappingAllocationPools"


def test_subnet_pool_containing_gateway_is_rejected(admin, net):
    r = _post(admin, **_v4(net, allocation_pools=[{"start": "10.0.0.1", "end": "10.0.0.20"}]))
    assert r.status == 400 and r.error_type == "GatewayConflictWithAllocationPools"


def test_subnet_pool_with_start_after_end_is_400(admin, net):
    r = _post(admin, **_v4(net, allocation_pools=[{"start": "10.0.0.20", "end": "10.0.0.10"}]))
    assert r.status == 400 and r.error_type == "InvalidAllocationPool"


def test_subnet_pool_of_other_ip_version_is_400(admin, net):
    r = _post(admin, **_v4(net, allocation_pools=[{"start": "2001:db8::2", "end": "2001:db8::9"}]))
    assert r.status == 400 and r.error_type == "InvalidAllocationPool"


def test_subnet_failed_create_leaves_network_without_subnets(admin, net):
    _post(admin, **_v4(net, allocation_pools=[{"start": "10.0.0.20", "end": "10.0.0.10"}]))
    assert admin.show("networks", net["id"])["subnets"] == []


def test_subnet_host_routes_kept_in_order(admin, net):
    routes = [{"destination": "192.168.0.0/16", "nexthop": "10.0.0.9"},
              {"destination": "172.16.0.0/12", "nexthop": "10.0.0.8"}]
    sub = admin.subnet(net["id"], host_routes=routes)
    assert sub["host_routes"] == routes


def test_subnet_host_route_of_other_ip_version_is_400(admin, net):
    r = _post(admin, **_v4(net, host_routes=[{"destination": "2001:db8::/64",
                                              "nexthop": "10.0.0.9"}]))
    assert r.status == 400


def test_subnet_host_route_without_nexthop_is_400(admin, net):
    r = _post(admin, **_v4(net, host_routes=[{"destination": "192.168.0.0/16"}]))
    assert r.status == 400 and "host_routes" in r.error_message


def test_subnet_dns_nameservers_keep_order(admin, net):
    servers = ["8.8.8.8", "1.1.1.1", "9.9.9.9"]
    assert admin.subnet(net["id"], dns_nameservers=servers)["dns_nameservers"] == servers


def test_subnet_duplicate_dns_nameservers_is_400(admin, net):
    r = _post(admin, **_v4(net, dns_nameservers=["8.8.8.8", "8.8.8.8"]))
    assert r.status == 400 and "dns_nameservers" in r.error_message


def test_subnet_more_than_five_dns_nameservers_is_400(admin, net):
    r = _post(admin, **_v4(net, dns_nameservers=[f"8.8.8.{i}" for i in range(1, 7)]))
    assert r.status == 400 and r.error_type == "InvalidInput"


def test_subnet_overlapping_cidr_on_same_network_is_400(admin, net):
    admin.subnet(net["id"], "10.0.0.0/24")
    r = _post(admin, **_v4(net, cidr="10.0.0.128/25"))
    assert r.status == 400 and "overlaps" in r.error_message


def test_subnet_same_cidr_on_different_networks_is_allowed(admin, net):
    admin.subnet(net["id"], "10.0.0.0/24")
    other = admin.network()
    assert admin.subnet(other["id"], "10.0.0.0/24")["cidr"] == "10.0.0.0/24"


def test_subnet_cidr_of_wrong_ip_version_is_400(admin, net):
    r = _post(admin, network_id=net["id"], ip_version=6, cidr="10.0.0.0/24")
    assert r.status == 400


def test_subnet_ipv6_modes_on_ipv4_subnet_is_400(admin, net):
    r = _post(admin, **_v4(net, ipv6_address_mode="slaac"))
    assert r.status == 400 and r.error_type == "InvalidInput"


def test_subnet_ipv6_different_ra_and_address_modes_is_400(admin, net):
    r = _post(admin, network_id=net["id"], ip_version=6, cidr="2001:db8::/64",
              ipv6_ra_mode="slaac", ipv6_address_mode="dhcpv6-stateful")
    assert r.status == 400 and r.error_type == "InvalidInput"


@pytest.mark.parametrize("ra_mode", ["slaac", "dhcpv6-stateful", "dhcpv6-stateless"])
def test_subnet_ipv6_ra_mode_alone_is_accepted(admin, net, ra_mode):
    """Neutron accepts either mode alone; only two different given values clash."""
    sub = admin.subnet(net["id"], "2001:db8:1::/64", ipv6_ra_mode=ra_mode)
    assert (sub["ipv6_ra_mode"], sub["ipv6_address_mode"]) == (ra_mode, None)
    assert admin.show("subnets", sub["id"])["ipv6_ra_mode"] == ra_mode


def test_subnet_ipv6_address_mode_alone_is_accepted(admin, net):
    sub = admin.subnet(net["id"], "2001:db8:1::/64", ipv6_address_mode="dhcpv6-stateful")
    assert (sub["ipv6_ra_mode"], sub["ipv6_address_mode"]) == (None, "dhcpv6-stateful")


def test_subnet_ra_mode_dhcpv6_stateful_alone_allocates_from_pool(admin, net):
    sub = admin.subnet(net["id"], "2001:db8:9::/64", ipv6_ra_mode="dhcpv6-stateful")
    port = admin.port(net["id"], mac_address="fa:16:3e:11:22:35")
    assert [ip["subnet_id"] for ip in port["fixed_ips"]] == [sub["id"]]
    assert port["fixed_ips"][0]["ip_address"] != "2001:db8:9::f816:3eff:fe11:2235"
    # A stateful subnet takes explicit addresses, as any pool-allocated subnet does.
    fixed = admin.port(net["id"], fixed_ips=[{"subnet_id": sub["id"], "ip_address": "2001:db8:9::20"}])
    assert fixed["fixed_ips"][0]["ip_address"] == "2001:db8:9::20"


def test_subnet_ra_mode_slaac_alone_gives_eui64_addresses(admin, net):
    """Neutron: either mode being SLAAC/stateless makes the subnet auto-addressed."""
    sub = admin.subnet(net["id"], "2001:db8:a::/64", ipv6_ra_mode="slaac")
    port = admin.port(net["id"], mac_address="fa:16:3e:11:22:36")
    assert port["fixed_ips"] == [{"subnet_id": sub["id"],
                                  "ip_address": "2001:db8:a:0:f816:3eff:fe11:2236"}]


def test_subnet_ra_mode_slaac_alone_requires_a_64_prefix(admin, net):
    r = _post(admin, network_id=net["id"], ip_version=6, cidr="2001:db8::/80", ipv6_ra_mode="slaac")
    assert r.status == 400 and r.error_type == "InvalidInput" and "/64" in r.error_message
    assert admin.get("/v2.0/subnets", params={"network_id": net["id"]}).json["subnets"] == []


def test_subnet_ipv6_mode_with_dhcp_disabled_is_400(admin, net):
    r = _post(admin, network_id=net["id"], ip_version=6, cidr="2001:db8::/64",
              ipv6_ra_mode="dhcpv6-stateful", enable_dhcp=False)
    assert r.status == 400 and r.error_type == "InvalidInput" and "enable_dhcp" in r.error_message
    assert admin.get("/v2.0/subnets", params={"network_id": net["id"]}).json["subnets"] == []


def test_subnet_dhcp_cannot_be_disabled_while_an_ipv6_mode_is_set(admin, net):
    sub = admin.subnet(net["id"], "2001:db8::/64", ipv6_ra_mode="dhcpv6-stateful")
    r = admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"enable_dhcp": False}})
    assert r.status == 400 and r.error_type == "InvalidInput" and "enable_dhcp" in r.error_message
    assert admin.show("subnets", sub["id"])["enable_dhcp"] is True


def test_subnet_dhcp_can_be_disabled_without_ipv6_modes(admin, net):
    sub = admin.subnet(net["id"], "2001:db8::/64")
    r = admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"enable_dhcp": False}})
    assert r.status == 200 and r.json["subnet"]["enable_dhcp"] is False


def test_subnet_slaac_requires_a_64_prefix(admin, net):
    r = _post(admin, network_id=net["id"], ip_version=6, cidr="2001:db8::/80",
              ipv6_address_mode="slaac")
    assert r.status == 400 and "/64" in r.error_message


def test_subnet_ipv6_mode_not_in_list_is_400(admin, net):
    r = _post(admin, network_id=net["id"], ip_version=6, cidr="2001:db8::/64",
              ipv6_address_mode="magic")
    assert r.status == 400 and "ipv6_address_mode" in r.error_message


def test_subnet_on_unknown_network_is_404(admin):
    r = _post(admin, network_id=str(uuid.uuid4()), ip_version=4, cidr="10.0.0.0/24")
    assert r.status == 404 and r.error_type == "NetworkNotFound"


def test_subnet_on_other_projects_network_is_404(admin, member):
    other = admin.network(project_id=uuid.uuid4().hex)
    r = member.post("/v2.0/subnets", {"subnet": _v4(other)})
    assert r.status == 404


def test_subnet_update_allocation_pools(admin, net):
    sub = admin.subnet(net["id"])
    pools = [{"start": "10.0.0.100", "end": "10.0.0.150"}]
    r = admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"allocation_pools": pools}})
    assert r.status == 200 and r.json["subnet"]["allocation_pools"] == pools
    port = admin.port(net["id"])
    assert 100 <= int(port["fixed_ips"][0]["ip_address"].rsplit(".", 1)[1]) <= 150


def test_subnet_update_invalid_pool_changes_nothing(admin, net):
    sub = admin.subnet(net["id"])
    r = admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"allocation_pools": [
        {"start": "10.0.0.100", "end": "10.0.1.150"}]}})
    assert r.status == 400
    assert admin.show("subnets", sub["id"])["allocation_pools"] == sub["allocation_pools"]


def test_subnet_update_gateway_outside_pools(admin, net):
    sub = admin.subnet(net["id"], allocation_pools=[{"start": "10.0.0.10", "end": "10.0.0.20"}])
    r = admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"gateway_ip": "10.0.0.254"}})
    assert r.status == 200 and r.json["subnet"]["gateway_ip"] == "10.0.0.254"


def test_subnet_update_gateway_into_pool_is_rejected(admin, net):
    sub = admin.subnet(net["id"])
    r = admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"gateway_ip": "10.0.0.50"}})
    assert r.status == 400 and r.error_type == "GatewayConflictWithAllocationPools"
    assert admin.show("subnets", sub["id"])["gateway_ip"] == "10.0.0.1"


def test_subnet_update_gateway_to_null(admin, net):
    sub = admin.subnet(net["id"])
    r = admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"gateway_ip": None}})
    assert r.status == 200 and r.json["subnet"]["gateway_ip"] is None


def test_subnet_update_gateway_held_by_a_port_is_409(admin, net):
    sub = admin.subnet(net["id"], gateway_ip=None)
    admin.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.40"}])
    r = admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"gateway_ip": "10.0.0.40",
                                                             "allocation_pools": [
                                                                 {"start": "10.0.0.41",
                                                                  "end": "10.0.0.60"}]}})
    assert r.status == 409 and r.error_type == "IpAddressInUse"


def test_subnet_update_routes_and_dns(admin, net):
    sub = admin.subnet(net["id"], dns_nameservers=["8.8.8.8"])
    routes = [{"destination": "192.168.0.0/16", "nexthop": "10.0.0.9"}]
    r = admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {
        "host_routes": routes, "dns_nameservers": ["1.1.1.1", "8.8.8.8"]}})
    assert r.status == 200
    assert r.json["subnet"]["host_routes"] == routes
    assert r.json["subnet"]["dns_nameservers"] == ["1.1.1.1", "8.8.8.8"]
    r = admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"host_routes": [],
                                                             "dns_nameservers": []}})
    assert r.json["subnet"]["host_routes"] == [] and r.json["subnet"]["dns_nameservers"] == []


def test_subnet_cidr_is_not_updatable(admin, net):
    sub = admin.subnet(net["id"])
    r = admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"cidr": "10.1.0.0/24"}})
    assert r.status == 400 and "cidr" in r.error_message


def test_subnet_service_types_steer_addresses_by_device_owner(admin, net):
    dhcp_only = admin.subnet(net["id"], "10.0.0.0/24", service_types=["network:dhcp"])
    general = admin.subnet(net["id"], "10.1.0.0/24")
    assert dhcp_only["service_types"] == ["network:dhcp"]
    vm = admin.port(net["id"], device_owner="compute:nova")
    dhcp = admin.port(net["id"], device_owner="network:dhcp")
    assert [ip["subnet_id"] for ip in vm["fixed_ips"]] == [general["id"]]
    assert [ip["subnet_id"] for ip in dhcp["fixed_ips"]] == [dhcp_only["id"]]


def test_subnet_service_types_update(admin, net):
    sub = admin.subnet(net["id"])
    r = admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"service_types": ["compute:nova"]}})
    assert r.status == 200 and r.json["subnet"]["service_types"] == ["compute:nova"]


def test_subnet_delete_with_user_port_is_409(admin, net):
    sub = admin.subnet(net["id"])
    admin.port(net["id"], device_owner="compute:nova")
    r = admin.delete(f"/v2.0/subnets/{sub['id']}")
    assert r.status == 409 and r.error_type == "SubnetInUse"
    assert admin.get(f"/v2.0/subnets/{sub['id']}").status == 200


def test_subnet_delete_releases_dhcp_port_address(admin, net):
    sub = admin.subnet(net["id"])
    dhcp = admin.port(net["id"], device_owner="network:dhcp")
    assert admin.delete(f"/v2.0/subnets/{sub['id']}").status == 204
    assert admin.show("ports", dhcp["id"])["fixed_ips"] == []
    assert admin.show("networks", net["id"])["subnets"] == []


def test_subnet_slaac_address_is_eui64_of_port_mac(admin, net):
    sub = admin.subnet(net["id"], "2001:db8:5::/64", ipv6_address_mode="slaac",
                       ipv6_ra_mode="slaac")
    port = admin.port(net["id"], mac_address="fa:16:3e:11:22:33")
    assert port["fixed_ips"] == [{"subnet_id": sub["id"],
                                  "ip_address": "2001:db8:5:0:f816:3eff:fe11:2233"}]


def test_subnet_new_slaac_subnet_gives_existing_ports_an_address(admin, net):
    port = admin.port(net["id"], mac_address="fa:16:3e:aa:bb:cc")
    sub = admin.subnet(net["id"], "2001:db8:6::/64", ipv6_address_mode="slaac")
    shown = admin.show("ports", port["id"])
    assert shown["fixed_ips"] == [{"subnet_id": sub["id"],
                                   "ip_address": "2001:db8:6:0:f816:3eff:feaa:bbcc"}]
    assert shown["revision_number"] > port["revision_number"]


def test_subnet_slaac_subnet_deletable_with_ports(admin, net):
    sub = admin.subnet(net["id"], "2001:db8:7::/64", ipv6_address_mode="slaac")
    port = admin.port(net["id"], device_owner="compute:nova")
    assert admin.delete(f"/v2.0/subnets/{sub['id']}").status == 204
    assert admin.show("ports", port["id"])["fixed_ips"] == []


def test_subnet_dhcpv6_stateful_allocates_from_pool(admin, net):
    sub = admin.subnet(net["id"], "2001:db8:8::/64", ipv6_address_mode="dhcpv6-stateful",
                       ipv6_ra_mode="dhcpv6-stateful")
    port = admin.port(net["id"], mac_address="fa:16:3e:11:22:34")
    ip = port["fixed_ips"][0]
    assert ip["subnet_id"] == sub["id"] and ip["ip_address"] != "2001:db8:8::f816:3eff:fe11:2234"
