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
