"""Agents, Placement and binding together: a server configured with a real
Placement syncs the providers of the agents that register (resources_synced) —
at once, from the registration's event, not waiting for the periodic pass —,
keeps answering heartbeats while Placement is down and catches up at the next
heartbeat; a port with a minimum-bandwidth policy binds only with the
allocation Nova made for it."""
from __future__ import annotations

import uuid

import pytest

from tests.support.agents import new_host, ovs_configurations, register_ok
from tests.support.client import Client
from tests.support.server import ServerProcess
from tests.support.waiting import wait_for

GBIT = 1_000_000


def _server(placement, sync_interval: float) -> ServerProcess:
    return ServerProcess(extra_conf=(
        "[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:100:199\n"
        "[placement]\nauth_type = admin_token\n"
        f"endpoint = {placement.url}\ntoken = {placement.token}\n"
        f"sync_interval = {sync_interval}\nsync_timeout = 2\n")).start()


@pytest.fixture(scope="module")
def api(placement):
    server = _server(placement, 0.5)
    yield Client(server.url)
    server.stop()


@pytest.fixture(scope="module")
def events_only(placement):
    """A server whose periodic pass never comes: only the agents' events sync."""
    server = _server(placement, 3600)
    yield Client(server.url)
    server.stop()


def _agent(api: Client, host: str, egress: int = 10 * GBIT) -> dict:
    return register_ok(api, host, configurations=ovs_configurations(
        bridge_mappings={"physnet1": "br-p1"},
        resource_provider_bandwidths={"br-p1": {"egress": egress, "ingress": egress}}))


def _heartbeat(api: Client, host: str, egress: int = 10 * GBIT) -> bool:
    """A heartbeat (the same report again); True once answered."""
    _agent(api, host, egress)
    return True


def _synced(api: Client, agent_id: str):
    return api.get(f"/v2.0/agents/{agent_id}").json["agent"]["resources_synced"]


def test_registered_agent_is_synced_and_shows_resources_synced(api, placement):
    host = new_host()
    agent = _agent(api, host)
    assert agent.get("resources_synced", "absent") in (None, "absent")
    # No compute node yet: the sync fails, and is tried again at the next heartbeat.
    assert wait_for(lambda: _synced(api, agent["id"]) is False, timeout=30)
    placement.create_compute_node(host)
    assert wait_for(lambda: _heartbeat(api, host) and _synced(api, agent["id"]) is True,
                    timeout=60)
    device = placement.provider(f"{host}:Open vSwitch agent:br-p1")
    assert placement.traits(device["uuid"]) == {"CUSTOM_PHYSNET_PHYSNET1", "CUSTOM_VNIC_TYPE_NORMAL"}


def test_heartbeats_answer_while_placement_is_down_and_the_sync_catches_up(api, placement):
    host = new_host()
    placement.create_compute_node(host)
    agent = _agent(api, host)
    assert wait_for(lambda: _synced(api, agent["id"]) is True, timeout=30)
    placement.pause()
    try:
        again = _agent(api, host, egress=5 * GBIT)  # a changed report, answered at once
        assert again["id"] == agent["id"]
        assert wait_for(lambda: _synced(api, agent["id"]) is False, timeout=30)
        assert _heartbeat(api, host, egress=5 * GBIT)  # still answered
    finally:
        placement.resume()
    assert wait_for(lambda: _heartbeat(api, host, egress=5 * GBIT)
                    and _synced(api, agent["id"]) is True, timeout=60)
    device = placement.provider(f"{host}:Open vSwitch agent:br-p1")
    assert placement.inventories(device["uuid"])["NET_BW_EGR_KILOBIT_PER_SEC"]["total"] == 5 * GBIT


def test_port_binds_with_its_allocation_and_fails_without(api, placement):
    host = new_host()
    placement.create_compute_node(host)
    agent = _agent(api, host, egress=GBIT + GBIT // 2)
    assert wait_for(lambda: _synced(api, agent["id"]) is True, timeout=30)
    policy = api.create("qos/policies", "policy", name="gold")
    r = api.post(f"/v2.0/qos/policies/{policy['id']}/minimum_bandwidth_rules",
                 {"minimum_bandwidth_rule": {"min_kbps": GBIT}})
    assert r.status == 201, r
    net = api.network(**{"provider:network_type": "vlan", "provider:physical_network": "physnet1"})
    api.subnet(net["id"], cidr="10.77.0.0/24")
    port = api.port(net["id"], qos_policy_id=policy["id"], device_owner="compute:nova")
    [group] = port["resource_request"]["request_groups"]
    device = placement.provider(f"{host}:Open vSwitch agent:br-p1")["uuid"]
    found = placement.allocation_candidates([group], [group["id"]])
    [request] = [r for r in found["allocation_requests"] if device in r["allocations"]]
    instance = str(uuid.uuid4())
    placement.allocate(instance, request, uuid.uuid4().hex, uuid.uuid4().hex)
    # The device has 0.5 Gbit/s left: no candidate there for a second such port.
    again = placement.allocation_candidates([group], [group["id"]])
    assert device not in {rp for r in again["allocation_requests"] for rp in r["allocations"]}

    without = api.put(f"/v2.0/ports/{port['id']}", {"port": {"binding:host_id": host}})
    assert without.status == 200 and without.json["port"]["binding:vif_type"] == "binding_failed"
    wrong = api.put(f"/v2.0/ports/{port['id']}", {"port": {
        "binding:profile": {"allocation": {group["id"]: str(uuid.uuid4())}}}})
    assert wrong.json["port"]["binding:vif_type"] == "binding_failed"
    bound = api.put(f"/v2.0/ports/{port['id']}", {"port": {
        "binding:profile": {"allocation": {group["id"]: device}}}})
    assert bound.status == 200, bound
    assert bound.json["port"]["binding:vif_type"] == "ovs"
    # A port without a resource_request binds as before.
    plain = api.port(net["id"], **{"binding:host_id": host})
    assert plain["binding:vif_type"] == "ovs"


def test_registration_and_changed_reports_sync_without_waiting_for_the_pass(events_only,
                                                                              placement):
    host = new_host()
    placement.create_compute_node(host)
    agent = _agent(events_only, host)
    assert wait_for(lambda: _synced(events_only, agent["id"]) is True, timeout=60)
    device = placement.provider(f"{host}:Open vSwitch agent:br-p1")["uuid"]
    assert placement.inventories(device)["NET_BW_EGR_KILOBIT_PER_SEC"]["total"] == 10 * GBIT
    _agent(events_only, host, egress=3 * GBIT)  # a changed report: its event syncs it
    assert wait_for(lambda: placement.inventories(device)["NET_BW_EGR_KILOBIT_PER_SEC"][
        "total"] == 3 * GBIT, timeout=60)
    assert _synced(events_only, agent["id"]) is True
