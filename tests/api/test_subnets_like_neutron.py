"""Subnet behaviours where Neutron is more lenient or stricter than a first reading of
the API suggests: integer conversion, MTU limits per IP family, revisions, policy on
service_types, automatic IPv6 addresses, error messages that name what they refer to."""
import pytest


@pytest.fixture
def net(admin):
    return admin.network()


def test_ip_version_given_as_a_string_is_converted(admin, net):
    r = admin.post("/v2.0/subnets", {"subnet": {"network_id": net["id"], "ip_version": "4",
                                                "cidr": "10.1.0.0/24"}})
    assert r.status == 201, r
    assert r.json["subnet"]["ip_version"] == 4


@pytest.mark.parametrize("bad", ["four", "4.0", 4.0, True, "5"])
def test_ip_version_that_is_not_4_or_6_is_refused(admin, net, bad):
    r = admin.post("/v2.0/subnets", {"subnet": {"network_id": net["id"], "ip_version": bad,
                                                "cidr": "10.1.0.0/24"}})
    assert r.status == 400, r
    assert "ip_version" in r.error_message


def test_extra_dhcp_opt_ip_version_given_as_a_string_is_converted(admin, net):
    admin.subnet(net["id"], "10.1.0.0/24")
    port = admin.port(net["id"], extra_dhcp_opts=[
        {"opt_name": "tftp-server", "opt_value": "10.1.0.9", "ip_version": "4"}])
    assert port["extra_dhcp_opts"][0]["ip_version"] == 4


# ---- MTU and IP families ------------------------------------------------------------
@pytest.mark.parametrize("mtu", [67, 1279])
def test_network_with_an_mtu_below_an_ip_family_minimum_is_created(admin, mtu):
    net = admin.network(mtu=mtu)
    assert net["mtu"] == mtu
    assert admin.show("networks", net["id"])["mtu"] == mtu


@pytest.mark.parametrize("mtu, cidr, minimum", [(67, "10.0.0.0/24", 68),
                                                (1279, "2001:db8:0:1::/64", 1280)])
def test_subnet_of_a_family_the_network_mtu_is_too_small_for_is_a_conflict(admin, mtu, cidr,
                                                                          minimum):
    net = admin.network(mtu=mtu)
    r = admin.post("/v2.0/subnets", {"subnet": {"network_id": net["id"], "cidr": cidr,
                                                "ip_version": 6 if ":" in cidr else 4}})
    assert r.status == 409, r
    assert r.error_type == "NetworkMTUSubnetConflict"
    assert net["id"] in r.error_message and f"minimum of {minimum}" in r.error_message
    assert admin.get("/v2.0/subnets", params={"network_id": net["id"]}).json["subnets"] == []


def test_ipv4_subnet_fits_a_network_mtu_below_the_ipv6_minimum(admin):
    net = admin.network(mtu=1279)
    assert admin.subnet(net["id"], "10.0.0.0/24")["network_id"] == net["id"]


def test_network_mtu_can_be_lowered_below_the_ipv6_minimum_without_ipv6_subnets(admin):
    net = admin.network(mtu=1400)
    admin.subnet(net["id"], "10.0.0.0/24")
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {"mtu": 1000}})
    assert r.status == 200, r
    assert r.json["network"]["mtu"] == 1000


@pytest.mark.parametrize("cidr, mtu, minimum", [("10.0.0.0/24", 67, 68),
                                                ("2001:db8:0:1::/64", 1279, 1280)])
def test_lowering_network_mtu_below_what_its_subnets_need_is_a_conflict(admin, cidr, mtu,
                                                                       minimum):
    net = admin.network(mtu=1400)
    admin.subnet(net["id"], cidr)
    r = admin.put(f"/v2.0/networks/{net['id']}", {"network": {"mtu": mtu}})
    assert r.status == 409, r
    assert r.error_type == "NetworkMTUSubnetConflict" and f"minimum of {minimum}" in r.error_message
    assert admin.show("networks", net["id"])["mtu"] == 1400


# ---- revisions ------------------------------------------------------------------------
def _revision(admin, net):
    return admin.show("networks", net["id"])["revision_number"]


def test_creating_updating_and_deleting_a_subnet_bumps_its_network_revision(admin, net):
    before = _revision(admin, net)
    sub = admin.subnet(net["id"], "10.0.0.0/24")
    created = _revision(admin, net)
    assert created > before
    assert admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"name": "x"}}).status == 200
    renamed = _revision(admin, net)
    assert renamed > created
    r = admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"service_types": ["compute:nova"]}})
    assert r.status == 200 and r.json["subnet"]["revision_number"] > sub["revision_number"]
    typed = _revision(admin, net)
    assert typed > renamed
    assert admin.delete(f"/v2.0/subnets/{sub['id']}").status == 204
    assert _revision(admin, net) > typed


def test_empty_subnet_update_leaves_the_network_revision_alone(admin, net):
    sub = admin.subnet(net["id"], "10.0.0.0/24")
    before = _revision(admin, net)
    assert admin.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {}}).status == 200
    assert _revision(admin, net) == before


# ---- service_types policy -------------------------------------------------------------
def test_project_member_sets_service_types_of_its_own_subnets(member):
    net = member.network()
    sub = member.subnet(net["id"], "10.0.0.0/24", service_types=["test:type_1"])
    assert sub["service_types"] == ["test:type_1"]
    r = member.put(f"/v2.0/subnets/{sub['id']}", {"subnet": {"service_types": ["compute:nova"]}})
    assert r.status == 200, r
    assert r.json["subnet"]["service_types"] == ["compute:nova"]
    port = member.port(net["id"], device_owner="compute:nova")
    assert port["fixed_ips"][0]["subnet_id"] == sub["id"]


def test_service_types_stay_closed_to_projects_that_do_not_own_the_network(admin, member):
    net = admin.network(shared=True)
    r = member.post("/v2.0/subnets", {"subnet": {"network_id": net["id"], "ip_version": 4,
                                                 "cidr": "10.0.0.0/24",
                                                 "service_types": ["compute:"]}})
    assert r.status == 403, r


# ---- subnets of external networks ---------------------------------------------------------
def test_subnet_external_network_extension_is_announced(admin):
    r = admin.get("/v2.0/extensions/subnet-external-network")
    assert r.status == 200, r
    assert r.json["extension"]["alias"] == "subnet-external-network"


def test_subnets_of_an_external_network_are_visible_to_every_project_and_say_so(admin, member):
    public = admin.network(**{"router:external": True})
    sub = admin.subnet(public["id"], "172.24.4.0/24", enable_dhcp=False)
    assert sub["router:external"] is True
    seen = member.get("/v2.0/subnets", params={"network_id": public["id"]}).json["subnets"]
    assert [s["id"] for s in seen] == [sub["id"]] and seen[0]["router:external"] is True
    assert member.show("networks", public["id"])["subnets"] == [sub["id"]]


def test_subnets_filter_on_router_external(admin, member):
    public = admin.network(**{"router:external": True})
    outside = admin.subnet(public["id"], "172.24.4.0/24")
    own_net = member.network()
    inside = member.subnet(own_net["id"], "10.0.0.0/24")
    assert inside["router:external"] is False

    def ids(value):
        r = member.get("/v2.0/subnets", params={"router:external": value})
        assert r.status == 200, r
        return {s["id"] for s in r.json["subnets"]}
    assert inside["id"] in ids("False") and outside["id"] not in ids("False")
    assert outside["id"] in ids("True") and inside["id"] not in ids("True")


def test_subnet_router_external_follows_its_network(admin):
    net = admin.network()
    sub = admin.subnet(net["id"], "10.0.0.0/24")
    assert sub["router:external"] is False
    assert admin.put(f"/v2.0/networks/{net['id']}",
                     {"network": {"router:external": True}}).status == 200
    assert admin.show("subnets", sub["id"])["router:external"] is True


# ---- IPv6 auto-address subnets --------------------------------------------------------------
@pytest.fixture(params=["slaac", "dhcpv6-stateless"])
def dual(admin, request):
    net = admin.network()
    v4 = admin.subnet(net["id"], "10.0.0.0/24")
    v6 = admin.subnet(net["id"], "2001:db8:5::/64", ipv6_address_mode=request.param,
                      ipv6_ra_mode=request.param)
    return net, v4, v6


def test_fixed_ip_on_an_auto_address_subnet_is_refused(admin, dual):
    net, _v4, v6 = dual
    r = admin.post("/v2.0/ports", {"port": {"network_id": net["id"], "fixed_ips": [
        {"subnet_id": v6["id"], "ip_address": "2001:db8:5::10"}]}})
    assert r.status == 400, r
    assert r.error_type == "AllocationOnAutoAddressSubnet"
    assert "2001:db8:5::10" in r.error_message and v6["id"] in r.error_message
    assert admin.get("/v2.0/ports", params={"network_id": net["id"]}).json["ports"] == []


def test_fixed_ip_on_an_auto_address_subnet_is_refused_in_an_update(admin, dual):
    net, _v4, v6 = dual
    port = admin.port(net["id"])
    r = admin.put(f"/v2.0/ports/{port['id']}", {"port": {"fixed_ips": [
        {"subnet_id": v6["id"], "ip_address": "2001:db8:5::10"}]}})
    assert r.status == 400 and r.error_type == "AllocationOnAutoAddressSubnet", r
    assert admin.show("ports", port["id"])["fixed_ips"] == port["fixed_ips"]


def test_port_asking_for_an_ipv4_address_also_gets_its_auto_address(admin, dual):
    net, v4, v6 = dual
    port = admin.port(net["id"], fixed_ips=[{"subnet_id": v4["id"], "ip_address": "10.0.0.20"}])
    by_subnet = {ip["subnet_id"]: ip["ip_address"] for ip in port["fixed_ips"]}
    assert by_subnet[v4["id"]] == "10.0.0.20"
    assert set(by_subnet) == {v4["id"], v6["id"]}
    assert by_subnet[v6["id"]].startswith("2001:db8:5:")
    assert admin.show("ports", port["id"])["fixed_ips"] == port["fixed_ips"]


def test_port_naming_its_eui64_address_gets_it(admin, dual):
    net, _v4, v6 = dual
    first = admin.port(net["id"], mac_address="fa:16:3e:00:00:01")
    eui = next(ip["ip_address"] for ip in first["fixed_ips"] if ip["subnet_id"] == v6["id"])
    admin.delete(f"/v2.0/ports/{first['id']}")
    port = admin.port(net["id"], mac_address="fa:16:3e:00:00:01",
                      fixed_ips=[{"subnet_id": v6["id"], "ip_address": eui}])
    assert [ip["ip_address"] for ip in port["fixed_ips"]] == [eui]


def test_router_interface_may_take_any_address_of_an_auto_address_subnet(admin, dual):
    net, _v4, v6 = dual
    port = admin.port(net["id"], device_owner="network:router_interface",
                      fixed_ips=[{"subnet_id": v6["id"], "ip_address": "2001:db8:5::1"}])
    assert [ip["ip_address"] for ip in port["fixed_ips"]] == ["2001:db8:5::1"]


def test_router_interface_with_an_ipv4_address_gets_no_auto_address(admin, dual):
    net, v4, _v6 = dual
    port = admin.port(net["id"], device_owner="network:router_interface",
                      fixed_ips=[{"subnet_id": v4["id"]}])
    assert [ip["subnet_id"] for ip in port["fixed_ips"]] == [v4["id"]]


def test_port_asking_for_no_address_gets_none_even_with_an_auto_address_subnet(admin, dual):
    net, _v4, _v6 = dual
    port = admin.port(net["id"], fixed_ips=[])
    assert port["fixed_ips"] == [] and port["ip_allocation"] == "none"


# ---- error messages that name what they refer to ------------------------------------------
def test_overlapping_cidr_error_names_the_other_subnet_and_its_cidr(admin, net):
    first = admin.subnet(net["id"], "10.0.0.0/24")
    r = admin.post("/v2.0/subnets", {"subnet": {"network_id": net["id"], "ip_version": 4,
                                                "cidr": "10.0.0.128/25"}})
    assert r.status == 400 and r.error_type == "DuplicateSubnetCidr", r
    assert first["id"] in r.error_message and "10.0.0.0/24" in r.error_message
    assert "10.0.0.128/25" in r.error_message and net["id"] in r.error_message


def test_network_in_use_error_names_the_ports(admin, net):
    admin.subnet(net["id"], "10.0.0.0/24")
    ports = sorted(admin.port(net["id"])["id"] for _ in range(2))
    dhcp = admin.port(net["id"], device_owner="network:dhcp")
    r = admin.delete(f"/v2.0/networks/{net['id']}")
    assert r.status == 409 and r.error_type == "NetworkInUse", r
    assert net["id"] in r.error_message
    assert f"id for these ports is: {ports[0]},{ports[1]}" in r.error_message
    assert dhcp["id"] not in r.error_message


def test_port_update_sending_back_its_auto_address_keeps_it_once(admin, dual):
    net, v4, v6 = dual
    port = admin.port(net["id"])
    fixed = [*port["fixed_ips"], {"subnet_id": v4["id"], "ip_address": "10.0.0.30"}]
    r = admin.put(f"/v2.0/ports/{port['id']}", {"port": {"fixed_ips": fixed}})
    assert r.status == 200, r
    got = sorted((ip["subnet_id"], ip["ip_address"]) for ip in r.json["port"]["fixed_ips"])
    assert got == sorted((ip["subnet_id"], ip["ip_address"]) for ip in fixed)
    assert sum(1 for s, _ip in got if s == v6["id"]) == 1
