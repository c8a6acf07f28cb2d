"""openstacksdk drives QoS: policies, every rule type, rule types with details,
qos_policy_id on networks and ports, and a port's resource_request."""
from __future__ import annotations

import uuid

import pytest
from openstack import exceptions as sdk_exc


def _name(prefix: str = "qp") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"


def test_sdk_policy_create_update_find_list_delete(sdk):
    policy = sdk.network.create_qos_policy(name=_name(), description="gold", is_default=False)
    assert policy.description == "gold" and policy.is_shared is False and policy.rules == []
    policy = sdk.network.update_qos_policy(policy, is_shared=True, description="silver")
    assert policy.is_shared is True and policy.description == "silver"
    assert sdk.network.find_qos_policy(policy.name, ignore_missing=False).id == policy.id
    assert policy.id in [p.id for p in sdk.network.qos_policies(name=policy.name)]
    sdk.network.delete_qos_policy(policy, ignore_missing=False)
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.network.get_qos_policy(policy.id)


def test_sdk_every_rule_type(sdk):
    policy = sdk.network.create_qos_policy(name=_name())
    limit = sdk.network.create_qos_bandwidth_limit_rule(policy, max_kbps=10_000,
                                                        max_burst_kbps=1000, direction="ingress")
    dscp = sdk.network.create_qos_dscp_marking_rule(policy, dscp_mark=46)
    minimum = sdk.network.create_qos_minimum_bandwidth_rule(policy, min_kbps=1000,
                                                            direction="egress")
    pps = sdk.network.create_qos_minimum_packet_rate_rule(policy, min_kpps=100, direction="any")
    rate = sdk.network.create_qos_packet_rate_limit_rule(policy, max_kpps=1000)
    assert (limit.max_kbps, limit.max_burst_kbps, limit.direction) == (10_000, 1000, "ingress")
    assert dscp.dscp_mark == 46 and minimum.min_kbps == 1000 and pps.direction == "any"
    assert rate.max_kpps == 1000
    types = {r["type"] for r in sdk.network.get_qos_policy(policy.id).rules}
    assert types == {"bandwidth_limit", "dscp_marking", "minimum_bandwidth",
                     "minimum_packet_rate", "packet_rate_limit"}
    limit = sdk.network.update_qos_bandwidth_limit_rule(limit, policy, max_kbps=20_000)
    assert sdk.network.get_qos_bandwidth_limit_rule(limit, policy).max_kbps == 20_000
    assert [r.id for r in sdk.network.qos_minimum_bandwidth_rules(policy)] == [minimum.id]
    assert [r.id for r in sdk.network.qos_dscp_marking_rules(policy)] == [dscp.id]
    with pytest.raises(sdk_exc.ConflictException):
        sdk.network.create_qos_minimum_bandwidth_rule(policy, min_kbps=5, direction="egress")
    sdk.network.delete_qos_minimum_bandwidth_rule(minimum, policy, ignore_missing=False)
    with pytest.raises(sdk_exc.NotFoundException):
        sdk.network.get_qos_minimum_bandwidth_rule(minimum, policy)


def test_sdk_rule_types(sdk):
    names = {t.type for t in sdk.network.qos_rule_types()}
    assert {"bandwidth_limit", "dscp_marking", "minimum_bandwidth"} <= names
    assert {t.type for t in sdk.network.qos_rule_types(all_supported=True)} >= names
    assert {t.type for t in sdk.network.qos_rule_types(all_rules=True)} >= names
    details = sdk.network.get_qos_rule_type("minimum_bandwidth")
    assert details.type == "minimum_bandwidth"
    assert details.drivers[0]["name"] == "openvswitch"


def test_sdk_policy_on_network_and_port_and_resource_request(sdk):
    policy = sdk.network.create_qos_policy(name=_name())
    sdk.network.create_qos_minimum_bandwidth_rule(policy, min_kbps=1_000_000)
    net = sdk.network.create_network(name=_name("net"), qos_policy_id=policy.id,
                                     provider_network_type="vlan",
                                     provider_physical_network="physnet1")
    assert net.qos_policy_id == policy.id
    port = sdk.network.create_port(network_id=net.id)
    assert port.qos_network_policy_id == policy.id and port.qos_policy_id is None
    [group] = port.resource_request["request_groups"]
    assert group["resources"] == {"NET_BW_EGR_KILOBIT_PER_SEC": 1_000_000}
    assert "CUSTOM_PHYSNET_PHYSNET1" in group["required"]
    port = sdk.network.update_port(port, qos_policy_id=None)
    other = sdk.network.create_qos_policy(name=_name())
    port = sdk.network.update_port(port, qos_policy_id=other.id)
    assert port.qos_policy_id == other.id and port.resource_request is None
    with pytest.raises(sdk_exc.ConflictException):
        sdk.network.delete_qos_policy(policy)
