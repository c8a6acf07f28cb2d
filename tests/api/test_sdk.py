"""The real openstacksdk client drives networks, subnets and ports end to end."""
import uuid

import pytest
from openstack import exceptions as sdk_exc


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_sdk_network_create_show_update_delete(sdk):
    net = sdk.network.create_network(name=_name("sdk"), description="first")
    assert net.status == "ACTIVE" and net.is_admin_state_up is True
    assert sdk.network.get_network(net.id).description == "first"
    new_name = _name("renamed")  # unique: find_network by a name other tests use is ambiguous
    updated = sdk.network.update_network(net, name=new_name, is_admin_state_up=False)
    assert updated.name == new_name and updated.is_admin_state_up is False
    assert sdk.network.find_network(new_name, ignore_missing=False, project_id=net.project_id)
    sdk.network.delete_network(net, ignore_missing=False)
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.network.get_network(net.id)


def test_sdk_find_network_by_name_falls_back_from_id_lookup(sdk):
    name = _name("findme")
    net = sdk.network.create_network(name=name)
    assert sdk.network.find_network(name, ignore_missing=False).id == net.id
    assert sdk.network.find_network(_name("absent"), ignore_missing=True) is None


def test_sdk_ipv4_subnet_defaults(sdk):
    net = sdk.network.create_network(name=_name("v4"))
    sub = sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="192.168.7.0/24")
    assert sub.gateway_ip == "192.168.7.1"
    assert sub.allocation_pools == [{"start": "192.168.7.2", "end": "192.168.7.254"}]
    assert sub.is_dhcp_enabled is True
    assert sdk.network.get_network(net.id).subnet_ids == [sub.id]


@pytest.mark.parametrize("mode", ["slaac", "dhcpv6-stateful"])
def test_sdk_ipv6_subnet_with_address_mode(sdk, mode):
    net = sdk.network.create_network(name=_name("v6"))
    sub = sdk.network.create_subnet(network_id=net.id, ip_version=6, cidr="2001:db8:1::/64",
                                    ipv6_address_mode=mode, ipv6_ra_mode=mode)
    assert sub.ipv6_address_mode == mode and sub.ipv6_ra_mode == mode
    assert sub.gateway_ip == "2001:db8:1::1"
    port = sdk.network.create_port(network_id=net.id)
    assert [ip["subnet_id"] for ip in port.fixed_ips] == [sub.id]


def test_sdk_subnet_update_and_delete(sdk):
    net = sdk.network.create_network(name=_name("subupd"))
    sub = sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.9.0.0/24")
    sub = sdk.network.update_subnet(sub, dns_nameservers=["8.8.8.8", "1.1.1.1"], name="s2")
    assert sub.dns_nameservers == ["8.8.8.8", "1.1.1.1"] and sub.name == "s2"
    sdk.network.delete_subnet(sub, ignore_missing=False)
    assert sdk.network.get_network(net.id).subnet_ids == []


def test_sdk_port_create_list_show_update_delete(sdk):
    net = sdk.network.create_network(name=_name("ports"))
    sub = sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.8.0.0/24")
    port = sdk.network.create_port(network_id=net.id, name="p1",
                                   fixed_ips=[{"subnet_id": sub.id, "ip_address": "10.8.0.10"}])
    assert port.fixed_ips == [{"subnet_id": sub.id, "ip_address": "10.8.0.10"}]
    assert port.mac_address.startswith("fa:16:3e:")
    assert [p.id for p in sdk.network.ports(network_id=net.id)] == [port.id]
    assert sdk.network.get_port(port.id).name == "p1"
    port = sdk.network.update_port(port, device_id="vm-1", device_owner="compute:nova")
    assert port.device_id == "vm-1"
    sdk.network.delete_port(port, ignore_missing=False)
    assert list(sdk.network.ports(network_id=net.id)) == []


def test_sdk_update_port_adds_and_removes_fixed_ip(sdk):
    net = sdk.network.create_network(name=_name("addip"))
    sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.7.0.0/24")
    port = sdk.network.create_port(network_id=net.id)
    first = port.fixed_ips[0]
    port = sdk.network.update_port(port, fixed_ips=[first, {"ip_address": "10.7.0.50"}])
    assert [ip["ip_address"] for ip in port.fixed_ips] == [first["ip_address"], "10.7.0.50"]
    port = sdk.network.update_port(port, fixed_ips=[{"ip_address": "10.7.0.50"}])
    assert [ip["ip_address"] for ip in sdk.network.get_port(port.id).fixed_ips] == ["10.7.0.50"]


def test_sdk_tags_set_add_remove_check(sdk):
    net = sdk.network.create_network(name=_name("tags"))
    sdk.network.set_tags(net, ["b", "a"])
    assert sorted(sdk.network.get_tags(net)) == ["a", "b"]
    sdk.network.add_tag(net, "c")
    sdk.network.remove_tag(net, "a")
    assert sorted(sdk.network.get_network(net.id).tags) == ["b", "c"]
    sdk.network.check_tag(net, "b")
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.network.check_tag(net, "a")
    sdk.network.remove_all_tags(net)
    assert sdk.network.get_tags(net) == []


def test_sdk_tag_filters(sdk):
    tag = _name("t")
    both = sdk.network.create_network(name=_name("both"))
    only = sdk.network.create_network(name=_name("only"))
    sdk.network.set_tags(both, [tag, tag + "-x"])
    sdk.network.set_tags(only, [tag])
    ids = lambda **kw: {n.id for n in sdk.network.networks(**kw)}  # noqa: E731
    assert ids(tags=[tag, tag + "-x"]) == {both.id}
    assert ids(any_tags=[tag + "-x", tag]) == {both.id, only.id}
    assert only.id in ids(not_tags=[tag, tag + "-x"]) and both.id not in ids(
        not_tags=[tag, tag + "-x"])
    assert both.id not in ids(not_any_tags=[tag + "-x"]) and only.id in ids(
        not_any_tags=[tag + "-x"])


def test_sdk_port_filters_sorting_and_limit(sdk):
    net = sdk.network.create_network(name=_name("sorted"))
    sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.6.0.0/24")
    made = [sdk.network.create_port(network_id=net.id, name=n) for n in ("c", "a", "b")]
    names = [p.name for p in sdk.network.ports(network_id=net.id, sort_key="name",
                                                 sort_dir="desc")]
    assert names == ["c", "b", "a"]
    assert [p.name for p in sdk.network.ports(network_id=net.id, name="a")] == ["a"]
    by_ip = made[0].fixed_ips[0]["ip_address"]
    assert [p.id for p in sdk.network.ports(fixed_ips=f"ip_address={by_ip}",
                                            network_id=net.id)] == [made[0].id]


def test_sdk_paginated_iteration_returns_every_item_once(sdk):
    net = sdk.network.create_network(name=_name("pages"))
    ids = {sdk.network.create_port(network_id=net.id, name=f"p{i}").id for i in range(7)}
    seen = [p.id for p in sdk.network.ports(network_id=net.id, limit=2, sort_key="name",
                                            sort_dir="asc")]
    assert len(seen) == 7 and set(seen) == ids
    names = [p.name for p in sdk.network.ports(network_id=net.id, limit=3, sort_key="name")]
    assert names == [f"p{i}" for i in range(7)]


def test_sdk_conflict_surfaces_as_conflict_exception(sdk):
    net = sdk.network.create_network(name=_name("conf"))
    sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.5.0.0/24")
    sdk.network.create_port(network_id=net.id, device_owner="compute:nova")
    with pytest.raises(sdk_exc.ConflictException):
        sdk.network.delete_network(net)
