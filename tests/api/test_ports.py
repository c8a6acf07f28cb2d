"""Ports: MAC addresses, fixed IPs, allowed address pairs, extra DHCP options,
port security, binding attributes and DNS names."""
import ipaddress
import uuid

import pytest


@pytest.fixture
def net(admin):
    return admin.network()


@pytest.fixture
def sub(admin, net):
    return admin.subnet(net["id"], "10.0.0.0/24")


def _post(admin, **attrs):
    return admin.post("/v2.0/ports", {"port": attrs})


def _put(admin, port, **attrs):
    return admin.put(f"/v2.0/ports/{port['id']}", {"port": attrs})


def _ips(port):
    return [ip["ip_address"] for ip in port["fixed_ips"]]


# ---- MAC addresses ---------------------------------------------------------------
def test_port_generated_mac_uses_base_prefix(admin, net):
    mac = admin.port(net["id"])["mac_address"]
    assert mac.startswith("fa:16:3e:") and len(mac) == 17 and mac == mac.lower()


def test_port_generated_macs_are_unique_on_a_network(admin, net):
    macs = [admin.port(net["id"])["mac_address"] for _ in range(10)]
    assert len(set(macs)) == 10


def test_port_explicit_mac_is_normalised(admin, net):
    assert admin.port(net["id"], mac_address="FA-16-3E-AB-CD-EF")["mac_address"] == \
        "fa:16:3e:ab:cd:ef"


def test_port_duplicate_mac_on_network_is_409(admin, net):
    admin.port(net["id"], mac_address="fa:16:3e:00:00:01")
    r = _post(admin, network_id=net["id"], mac_address="fa:16:3e:00:00:01")
    assert r.status == 409 and r.error_type == "MacAddressInUse"


def test_port_same_mac_on_other_network_is_allowed(admin, net):
    admin.port(net["id"], mac_address="fa:16:3e:00:00:02")
    other = admin.network()
    assert admin.port(other["id"], mac_address="fa:16:3e:00:00:02")["mac_address"] == \
        "fa:16:3e:00:00:02"


def test_port_multicast_mac_is_400(admin, net):
    r = _post(admin, network_id=net["id"], mac_address="01:00:5e:00:00:01")
    assert r.status == 400 and "mac_address" in r.error_message


def test_port_mac_update_to_null_regenerates(admin, net, sub):
    port = admin.port(net["id"], mac_address="fa:16:3e:00:00:03")
    r = _put(admin, port, mac_address=None)
    assert r.status == 200
    mac = r.json["port"]["mac_address"]
    assert mac.startswith("fa:16:3e:") and mac != "fa:16:3e:00:00:03"
    assert _ips(r.json["port"]) == _ips(port)


def test_port_mac_update_to_taken_mac_is_409(admin, net):
    admin.port(net["id"], mac_address="fa:16:3e:00:00:04")
    port = admin.port(net["id"])
    r = _put(admin, port, mac_address="fa:16:3e:00:00:04")
    assert r.status == 409 and r.error_type == "MacAddressInUse"


def test_port_mac_update_moves_slaac_address(admin, net):
    admin.subnet(net["id"], "2001:db8:9::/64", ipv6_address_mode="slaac")
    port = admin.port(net["id"], mac_address="fa:16:3e:00:00:05")
    r = _put(admin, port, mac_address="fa:16:3e:00:00:06")
    assert _ips(r.json["port"]) == ["2001:db8:9:0:f816:3eff:fe00:6"]


# ---- fixed IPs ----------------------------------------------------------------------
def test_port_gets_one_address_automatically(admin, net, sub):
    port = admin.port(net["id"])
    assert len(port["fixed_ips"]) == 1 and port["fixed_ips"][0]["subnet_id"] == sub["id"]
    assert ipaddress.ip_address(port["fixed_ips"][0]["ip_address"]) in ipaddress.ip_network(
        "10.0.0.0/24")
    assert port["ip_allocation"] == "immediate"


def test_port_on_network_without_subnets_has_no_address(admin, net):
    assert admin.port(net["id"])["fixed_ips"] == []


def test_port_automatic_address_never_the_gateway(admin, net):
    admin.subnet(net["id"], "10.0.0.0/29")
    ips = {ip for _ in range(5) for ip in _ips(admin.port(net["id"]))}
    assert ips == {f"10.0.0.{i}" for i in range(2, 7)}


def test_port_fixed_ip_by_subnet_id(admin, net, sub):
    port = admin.port(net["id"], fixed_ips=[{"subnet_id": sub["id"]}])
    assert port["fixed_ips"][0]["subnet_id"] == sub["id"]


def test_port_fixed_ip_by_ip_address(admin, net, sub):
    port = admin.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.33"}])
    assert port["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": "10.0.0.33"}]


def test_port_fixed_ip_by_subnet_and_address(admin, net, sub):
    port = admin.port(net["id"], fixed_ips=[{"subnet_id": sub["id"], "ip_address": "10.0.0.34"}])
    assert port["fixed_ips"] == [{"subnet_id": sub["id"], "ip_address": "10.0.0.34"}]


def test_port_several_fixed_ips_kept_in_request_order(admin, net, sub):
    other = admin.subnet(net["id"], "10.1.0.0/24")
    port = admin.port(net["id"], fixed_ips=[{"ip_address": "10.1.0.5"}, {"ip_address": "10.0.0.5"},
                                            {"subnet_id": sub["id"], "ip_address": "10.0.0.6"}])
    assert port["fixed_ips"] == [{"subnet_id": other["id"], "ip_address": "10.1.0.5"},
                                 {"subnet_id": sub["id"], "ip_address": "10.0.0.5"},
                                 {"subnet_id": sub["id"], "ip_address": "10.0.0.6"}]


def test_port_empty_fixed_ips_means_no_address(admin, net, sub):
    port = admin.port(net["id"], fixed_ips=[])
    assert port["fixed_ips"] == [] and port["ip_allocation"] == "none"


def test_port_ip_in_use_is_409(admin, net, sub):
    admin.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.40"}])
    r = _post(admin, network_id=net["id"], fixed_ips=[{"ip_address": "10.0.0.40"}])
    assert r.status == 409 and r.error_type == "IpAddressInUse"


def test_port_ip_not_on_network_is_400(admin, net, sub):
    r = _post(admin, network_id=net["id"], fixed_ips=[{"ip_address": "192.168.1.5"}])
    assert r.status == 400 and r.error_type == "InvalidIpForNetwork"


def test_port_ip_not_in_given_subnet_is_400(admin, net, sub):
    r = _post(admin, network_id=net["id"],
              fixed_ips=[{"subnet_id": sub["id"], "ip_address": "10.5.0.5"}])
    assert r.status == 400 and r.error_type == "InvalidIpForSubnet"


def test_port_network_address_is_not_assignable(admin, net, sub):
    r = _post(admin, network_id=net["id"], fixed_ips=[{"ip_address": "10.0.0.0"}])
    assert r.status == 400 and r.error_type == "InvalidIpForSubnet"


def test_port_subnet_of_other_network_is_400(admin, net, sub):
    other_net = admin.network()
    foreign = admin.subnet(other_net["id"], "10.3.0.0/24")
    r = _post(admin, network_id=net["id"], fixed_ips=[{"subnet_id": foreign["id"]}])
    assert r.status == 400


def test_port_exhausted_subnet_is_409(admin, net):
    sub = admin.subnet(net["id"], "10.0.0.0/29")
    for _ in range(5):
        admin.port(net["id"])
    r = _post(admin, network_id=net["id"])
    assert r.status == 409 and r.error_type == "IpAddressGenerationFailure"
    r = _post(admin, network_id=net["id"], fixed_ips=[{"subnet_id": sub["id"]}])
    assert r.status == 409 and r.error_type == "IpAddressGenerationFailure"


def test_port_update_adds_an_address_and_keeps_the_old(admin, net, sub):
    port = admin.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.50"}])
    r = _put(admin, port, fixed_ips=[*port["fixed_ips"], {"ip_address": "10.0.0.51"}])
    assert r.status == 200 and _ips(r.json["port"]) == ["10.0.0.50", "10.0.0.51"]


def test_port_update_removes_an_address_and_frees_it(admin, net, sub):
    port = admin.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.52"},
                                            {"ip_address": "10.0.0.53"}])
    r = _put(admin, port, fixed_ips=[{"ip_address": "10.0.0.53"}])
    assert _ips(r.json["port"]) == ["10.0.0.53"]
    assert _ips(admin.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.52"}])) == ["10.0.0.52"]


def test_port_update_to_address_in_use_is_409_and_keeps_old(admin, net, sub):
    admin.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.54"}])
    port = admin.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.55"}])
    r = _put(admin, port, fixed_ips=[{"ip_address": "10.0.0.54"}])
    assert r.status == 409 and r.error_type == "IpAddressInUse"
    assert _ips(admin.show("ports", port["id"])) == ["10.0.0.55"]


def test_port_delete_frees_its_address(admin, net, sub):
    port = admin.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.56"}])
    assert admin.delete(f"/v2.0/ports/{port['id']}").status == 204
    assert admin.get(f"/v2.0/ports/{port['id']}").error_type == "PortNotFound"
    assert _ips(admin.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.56"}])) == ["10.0.0.56"]


def test_port_on_unknown_network_is_404(admin):
    r = _post(admin, network_id=str(uuid.uuid4()))
    assert r.status == 404 and r.error_type == "NetworkNotFound"


def test_port_defaults(admin, net):
    port = admin.port(net["id"])
    assert port["status"] == "DOWN" and port["admin_state_up"] is True
    assert port["device_id"] == "" and port["device_owner"] == ""
    assert port["allowed_address_pairs"] == [] and port["extra_dhcp_opts"] == []


# ---- allowed address pairs and port security ----------------------------------------
def test_port_address_pair_defaults_to_port_mac(admin, net):
    port = admin.port(net["id"], allowed_address_pairs=[{"ip_address": "10.0.0.200"},
                                                        {"ip_address": "192.168.0.0/24",
                                                         "mac_address": "fa:16:3e:99:99:99"}])
    assert port["allowed_address_pairs"] == [
        {"ip_address": "10.0.0.200", "mac_address": port["mac_address"]},
        {"ip_address": "192.168.0.0/24", "mac_address": "fa:16:3e:99:99:99"}]


def test_port_address_pairs_need_port_security(admin, net):
    r = _post(admin, network_id=net["id"], port_security_enabled=False,
              allowed_address_pairs=[{"ip_address": "10.0.0.200"}])
    assert r.status == 409 and r.error_type == "AddressPairAndPortSecurityRequired"


def test_port_disabling_security_with_address_pairs_is_409(admin, net):
    port = admin.port(net["id"], allowed_address_pairs=[{"ip_address": "10.0.0.200"}])
    r = _put(admin, port, port_security_enabled=False)
    assert r.status == 409 and r.error_type == "AddressPairAndPortSecurityRequired"
    # Its security groups (the default one) must go too, as in Neutron.
    r = _put(admin, port, port_security_enabled=False, allowed_address_pairs=[],
             security_groups=[])
    assert r.status == 200 and r.json["port"]["port_security_enabled"] is False


def test_port_too_many_address_pairs_is_400(admin, net):
    pairs = [{"ip_address": f"10.0.1.{i}"} for i in range(11)]
    r = _post(admin, network_id=net["id"], allowed_address_pairs=pairs)
    assert r.status == 400


def test_port_address_pairs_update_replaces_list(admin, net):
    port = admin.port(net["id"], allowed_address_pairs=[{"ip_address": "10.0.0.200"}])
    r = _put(admin, port, allowed_address_pairs=[{"ip_address": "10.0.0.201"}])
    assert [p["ip_address"] for p in r.json["port"]["allowed_address_pairs"]] == ["10.0.0.201"]


def test_port_security_defaults_from_network(admin):
    closed = admin.network(port_security_enabled=False)
    assert admin.port(closed["id"])["port_security_enabled"] is False
    assert admin.port(admin.network()["id"])["port_security_enabled"] is True
    assert admin.port(closed["id"], port_security_enabled=True)["port_security_enabled"] is True


# ---- extra DHCP options -----------------------------------------------------------
def test_port_extra_dhcp_opts_add_replace_remove(admin, net):
    port = admin.port(net["id"], extra_dhcp_opts=[
        {"opt_name": "bootfile-name", "opt_value": "pxelinux.0"},
        {"opt_name": "tftp-server", "opt_value": "10.0.0.9"}])
    assert {o["opt_name"]: o["opt_value"] for o in port["extra_dhcp_opts"]} == {
        "bootfile-name": "pxelinux.0", "tftp-server": "10.0.0.9"}
    r = _put(admin, port, extra_dhcp_opts=[{"opt_name": "bootfile-name", "opt_value": "grub"},
                                           {"opt_name": "tftp-server", "opt_value": None}])
    assert r.status == 200
    assert [(o["opt_name"], o["opt_value"]) for o in r.json["port"]["extra_dhcp_opts"]] == [
        ("bootfile-name", "grub")]


def test_port_extra_dhcp_opt_ip_version_is_shown(admin, net):
    port = admin.port(net["id"], extra_dhcp_opts=[{"opt_name": "dns-server", "opt_value": "::1",
                                                   "ip_version": 6}])
    assert port["extra_dhcp_opts"] == [{"opt_name": "dns-server", "opt_value": "::1",
                                        "ip_version": 6}]


def test_port_extra_dhcp_opt_without_name_is_400(admin, net):
    r = _post(admin, network_id=net["id"], extra_dhcp_opts=[{"opt_value": "x"}])
    assert r.status == 400 and "extra_dhcp_opts" in r.error_message


# ---- binding, device, DNS -----------------------------------------------------------
def test_port_binding_attributes_stored_and_shown_and_binding_fails_without_agent(admin, net):
    port = admin.port(net["id"], **{"binding:host_id": "compute-1", "binding:vnic_type": "direct",
                                    "binding:profile": {"pci_slot": "0000:05:00.1"}})
    shown = admin.show("ports", port["id"])
    assert shown["binding:host_id"] == "compute-1"
    assert shown["binding:vnic_type"] == "direct"
    assert shown["binding:profile"] == {"pci_slot": "0000:05:00.1"}
    # No agent on compute-1 (tests/api/test_port_binding.py binds with one).
    assert shown["binding:vif_type"] == "binding_failed" and shown["binding:vif_details"] == {}


def test_port_binding_defaults(admin, net):
    port = admin.port(net["id"])
    assert port["binding:host_id"] == "" and port["binding:vnic_type"] == "normal"
    assert port["binding:profile"] == {}


def test_port_binding_host_update_and_filter(admin, net):
    port = admin.port(net["id"])
    host = "host-" + uuid.uuid4().hex[:6]
    assert _put(admin, port, **{"binding:host_id": host}).json["port"]["binding:host_id"] == host
    found = admin.get("/v2.0/ports", params={"binding:host_id": host}).json["ports"]
    assert [p["id"] for p in found] == [port["id"]]


def test_port_binding_vif_type_is_read_only(admin, net):
    r = _post(admin, network_id=net["id"], **{"binding:vif_type": "ovs"})
    assert r.status == 400 and "binding:vif_type" in r.error_message


def test_port_dns_name_gives_dns_assignment(admin, net, sub):
    port = admin.port(net["id"], dns_name="web-1", fixed_ips=[{"ip_address": "10.0.0.77"}])
    assert port["dns_name"] == "web-1"
    assert port["dns_assignment"] == [{"hostname": "web-1", "ip_address": "10.0.0.77",
                                       "fqdn": "web-1.openstacklocal."}]


def test_port_without_dns_name_gets_host_named_after_ip(admin, net, sub):
    port = admin.port(net["id"], fixed_ips=[{"ip_address": "10.0.0.78"}])
    assert port["dns_assignment"] == [{"hostname": "host-10-0-0-78", "ip_address": "10.0.0.78",
                                       "fqdn": "host-10-0-0-78.openstacklocal."}]


def test_port_invalid_dns_name_is_400(admin, net):
    r = _post(admin, network_id=net["id"], dns_name="bad_name!")
    assert r.status == 400 and "dns_name" in r.error_message


def test_port_update_device_fields(admin, net):
    port = admin.port(net["id"])
    r = _put(admin, port, device_id="vm-9", device_owner="compute:nova", admin_state_up=False,
             name="renamed")
    p = r.json["port"]
    assert (p["device_id"], p["device_owner"], p["admin_state_up"], p["name"]) == (
        "vm-9", "compute:nova", False, "renamed")


def test_port_network_id_is_not_updatable(admin, net):
    port = admin.port(net["id"])
    r = _put(admin, port, network_id=admin.network()["id"])
    assert r.status == 400 and "network_id" in r.error_message


def test_port_member_cannot_use_other_projects_network(admin, member):
    other = admin.network(project_id=uuid.uuid4().hex)
    r = member.post("/v2.0/ports", {"port": {"network_id": other["id"]}})
    assert r.status == 404
