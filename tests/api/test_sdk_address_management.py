"""openstacksdk drives address scopes, subnet pools, subnets from pools and onboarding."""
import ipaddress
import uuid

import pytest
from openstack import exceptions as sdk_exc


def _name(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_sdk_address_scope_create_update_find_delete(sdk):
    scope = sdk.network.create_address_scope(name=_name("as"), ip_version=6)
    assert scope.ip_version == 6 and scope.is_shared is False
    scope = sdk.network.update_address_scope(scope, is_shared=True)
    assert scope.is_shared is True
    assert sdk.network.find_address_scope(scope.name, ignore_missing=False).id == scope.id
    assert scope.id in [s.id for s in sdk.network.address_scopes(ip_version=6)]
    sdk.network.delete_address_scope(scope, ignore_missing=False)
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.network.get_address_scope(scope.id)


def test_sdk_subnet_pool_in_an_address_scope(sdk):
    scope = sdk.network.create_address_scope(name=_name("as"), ip_version=4)
    pool = sdk.network.create_subnet_pool(
        name=_name("pool"), prefixes=["10.150.0.0/16", "10.151.0.0/16"],
        address_scope_id=scope.id, default_prefix_length=24, minimum_prefix_length=16,
        maximum_prefix_length=28, default_quota=4096)
    assert pool.prefixes == ["10.150.0.0/15"]
    assert (pool.default_prefix_length, pool.minimum_prefix_length,
            pool.maximum_prefix_length, pool.default_quota) == (24, 16, 28, 4096)
    assert pool.address_scope_id == scope.id and pool.ip_version == 4
    with pytest.raises(sdk_exc.ConflictException):
        sdk.network.create_subnet_pool(name=_name("pool"), prefixes=["10.150.3.0/24"],
                                       address_scope_id=scope.id)
    with pytest.raises(sdk_exc.ConflictException):
        sdk.network.delete_address_scope(scope)
    pool = sdk.network.update_subnet_pool(pool, prefixes=["10.150.0.0/15", "10.152.0.0/16"])
    assert pool.prefixes == ["10.150.0.0/15", "10.152.0.0/16"]


def test_sdk_subnet_from_pool_with_prefix_length(sdk):
    pool = sdk.network.create_subnet_pool(name=_name("pool"), prefixes=["10.153.0.0/16"],
                                          default_prefix_length=24)
    net = sdk.network.create_network(name=_name("net"))
    sub = sdk.network.create_subnet(network_id=net.id, ip_version=4,
                                    subnet_pool_id=pool.id, prefix_length=27)
    assert sub.subnet_pool_id == pool.id
    cidr = ipaddress.ip_network(sub.cidr)
    assert cidr.prefixlen == 27 and cidr.subnet_of(ipaddress.ip_network("10.153.0.0/16"))
    default = sdk.network.create_subnet(network_id=net.id, ip_version=4, subnet_pool_id=pool.id)
    assert ipaddress.ip_network(default.cidr).prefixlen == 24
    assert not cidr.overlaps(ipaddress.ip_network(default.cidr))
    with pytest.raises(sdk_exc.BadRequestException):
        sdk.network.delete_subnet_pool(pool, ignore_missing=False)


def test_sdk_onboard_network_subnets(sdk):
    scope = sdk.network.create_address_scope(name=_name("as"), ip_version=4)
    pool = sdk.network.create_subnet_pool(name=_name("pool"), prefixes=["10.154.0.0/16"],
                                          address_scope_id=scope.id)
    net = sdk.network.create_network(name=_name("net"))
    sub = sdk.network.create_subnet(network_id=net.id, ip_version=4, cidr="192.168.154.0/24")
    moved = sdk.network.onboard_network_subnets(pool, net)
    assert moved == [{"id": sub.id, "cidr": "192.168.154.0/24"}]
    assert sdk.network.get_subnet(sub.id).subnet_pool_id == pool.id
    assert sdk.network.get_network(net.id).ipv4_address_scope_id == scope.id
    assert "192.168.154.0/24" in sdk.network.get_subnet_pool(pool.id).prefixes
