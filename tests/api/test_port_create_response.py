"""A created port is answered from the values the server stored: the POST response
(single and bulk) must be exactly what a later GET of the port shows."""
import pytest


@pytest.fixture
def net(admin):
    net = admin.network()
    admin.subnet(net["id"], "10.0.0.0/24")
    admin.subnet(net["id"], "2001:db8:1::/64", ipv6_address_mode="slaac", ipv6_ra_mode="slaac")
    admin.subnet(net["id"], "2001:db8:2::/64", ipv6_address_mode="dhcpv6-stateful")
    return net


RICH = {
    "name": "rich", "description": "every stored child", "admin_state_up": False,
    "device_id": "vm-1", "device_owner": "compute:nova", "dns_name": "web-1",
    "mac_address": "FA:16:3E:12:34:56",
    "allowed_address_pairs": [{"ip_address": "10.0.0.200"},
                              {"ip_address": "10.0.1.0/24", "mac_address": "fa:16:3e:aa:bb:cc"}],
    "extra_dhcp_opts": [{"opt_name": "bootfile-name", "opt_value": "pxelinux.0"},
                        {"opt_name": "dns-server", "opt_value": "::1", "ip_version": 6},
                        {"opt_name": "bootfile-name", "opt_value": "grub.efi"}],
    "binding:host_id": "compute-1", "binding:vnic_type": "direct",
    "binding:profile": {"pci_slot": "0000:05:00.1", "capabilities": ["switchdev"], "n": 2},
}


def test_port_create_response_equals_show_with_every_child(admin, net):
    port = admin.port(net["id"], **RICH)
    assert port == admin.show("ports", port["id"])
    assert [o["opt_value"] for o in port["extra_dhcp_opts"]] == ["grub.efi", "::1"]
    assert len(port["fixed_ips"]) == 3 and len(port["dns_assignment"]) == 3


def test_port_create_response_equals_show_with_requested_fixed_ips(admin, net):
    port = admin.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.9"},
                                            {"ip_address": "2001:db8:2::9"}])
    assert port == admin.show("ports", port["id"])
    # The SLAAC subnet's address comes too, unasked (as Neutron).
    assert [ip["ip_address"] for ip in port["fixed_ips"]][:2] == ["10.0.0.9", "2001:db8:2::9"]
    assert len(port["fixed_ips"]) == 3 and port["fixed_ips"][2]["ip_address"].startswith("2001:db8:1:")


def test_port_create_response_equals_show_without_addresses(admin, net):
    port = admin.port(net["id"], fixed_ips=[])
    assert port == admin.show("ports", port["id"])
    assert port["fixed_ips"] == [] and port["ip_allocation"] == "none"


def test_bulk_port_create_response_equals_show(admin, net):
    other = admin.network()
    admin.subnet(other["id"], "10.9.0.0/24")
    r = admin.post("/v2.0/ports", {"ports": [
        {"network_id": net["id"], **RICH},
        {"network_id": other["id"], "name": "plain"},
        {"network_id": net["id"], "fixed_ips": [{"ip_address": "10.0.0.10"}]},
    ]})
    assert r.status == 201, r
    created = r.json["ports"]
    assert [p["name"] for p in created] == ["rich", "plain", ""]
    assert created == [admin.show("ports", p["id"]) for p in created]
