"""A bound VM port changes policy and its allocation in a real Placement follows.

The tests play Nova: a compute node with VCPUs, allocation candidates for the
flavor and the port's resource_request, the allocation written for the instance
(consumer generation null, as for a new consumer), the port bound with
``binding:profile.allocation``; then the port's policy changes."""
from __future__ import annotations

import uuid

import pytest

from neutrino.services.qos.placement.client import PlacementClient
from tests.support.agents import new_host, ovs_configurations, register_ok
from tests.support.client import Client
from tests.support.server import ServerProcess
from tests.support.waiting import wait_for

GBIT = 1_000_000
EGR, IGR = "NET_BW_EGR_KILOBIT_PER_SEC", "NET_BW_IGR_KILOBIT_PER_SEC"
FLAVOR = {"VCPU": 1}


@pytest.fixture(scope="module")
def api(placement):
    server = ServerProcess(extra_conf=(
        "[ml2_type_vlan]\nnetwork_vlan_ranges = physnet1:100:199\n"
        "[placement]\nauth_type = admin_token\n"
        f"endpoint = {placement.url}\ntoken = {placement.token}\n"
        "sync_interval = 0.5\nsync_timeout = 5\n")).start()
    yield Client(server.url)
    server.stop()


def _policy(api: Client, **minimums: int) -> dict:
    """A policy with a minimum bandwidth rule per direction given (egress=, ingress=)."""
    policy = api.create("qos/policies", "policy", name="p-" + uuid.uuid4().hex[:6])
    for direction, kbps in minimums.items():
        r = api.post(f"/v2.0/qos/policies/{policy['id']}/minimum_bandwidth_rules",
                     {"minimum_bandwidth_rule": {"min_kbps": kbps, "direction": direction}})
        assert r.status == 201, r
    return policy


def _vm_port(api: Client, placement, policy: dict, on_network: bool = False) -> dict:
    """A port of an instance Nova scheduled, allocated and bound on a host whose
    bridge has 2 Gbit/s each way; the policy the port's own, or its network's."""
    host = new_host()
    compute = placement.create_compute_node(host, vcpus=8)
    agent = register_ok(api, host, configurations=ovs_configurations(
        bridge_mappings={"physnet1": "br-p1"},
        resource_provider_bandwidths={"br-p1": {"egress": 2 * GBIT, "ingress": 2 * GBIT}}))
    assert wait_for(lambda: api.show("agents", agent["id"])["resources_synced"] is True,
                    timeout=60)
    device = placement.provider(f"{host}:Open vSwitch agent:br-p1")["uuid"]
    net = api.network(**{"provider:network_type": "vlan", "provider:physical_network": "physnet1"},
                      **({"qos_policy_id": policy["id"]} if on_network else {}))
    api.subnet(net["id"], cidr="10.78.0.0/24")
    instance = str(uuid.uuid4())
    own = {} if on_network else {"qos_policy_id": policy["id"]}
    port = api.port(net["id"], device_owner="compute:nova", device_id=instance, **own)
    [group] = port["resource_request"]["request_groups"]
    found = placement.allocation_candidates([group], [group["id"]], flavor=FLAVOR)
    [request] = [r for r in found["allocation_requests"] if device in r["allocations"]]
    assert set(request["allocations"]) == {device, compute}
    placement.allocate(instance, request, uuid.uuid4().hex, uuid.uuid4().hex)
    r = api.put(f"/v2.0/ports/{port['id']}", {"port": {
        "binding:host_id": host, "binding:profile": {"allocation": {group["id"]: device}}}})
    assert r.status == 200 and r.json["port"]["binding:vif_type"] == "ovs", r
    return {"port": r.json["port"], "instance": instance, "device": device, "compute": compute,
            "network": net}


def _set_policy(api: Client, port_id: str, policy_id: str | None):
    return api.put(f"/v2.0/ports/{port_id}", {"port": {"qos_policy_id": policy_id}})


def test_policy_change_changes_the_allocation_in_place(api, placement):
    gold = _policy(api, egress=GBIT, ingress=GBIT)
    vm = _vm_port(api, placement, gold)
    port, device, compute = vm["port"], vm["device"], vm["compute"]
    assert placement.allocations(vm["instance"]) == {
        device: {EGR: GBIT, IGR: GBIT}, compute: {"VCPU": 1}}

    silver = _policy(api, egress=GBIT // 2, ingress=GBIT // 5)
    r = _set_policy(api, port["id"], silver["id"])
    assert r.status == 200, r
    changed = r.json["port"]
    assert placement.allocations(vm["instance"]) == {
        device: {EGR: GBIT // 2, IGR: GBIT // 5}, compute: {"VCPU": 1}}
    # The profile's allocation is keyed by the new request group, and the port stays bound.
    [group] = changed["resource_request"]["request_groups"]
    assert changed["binding:profile"]["allocation"] == {group["id"]: device}
    assert changed["binding:vif_type"] == "ovs"

    # A direction the new policy lacks is given back.
    egress_only = _policy(api, egress=GBIT)
    r = _set_policy(api, port["id"], egress_only["id"])
    assert r.status == 200, r
    assert placement.allocations(vm["instance"]) == {device: {EGR: GBIT}, compute: {"VCPU": 1}}

    # No policy: the device's share goes, the flavor's stays.
    r = _set_policy(api, port["id"], None)
    assert r.status == 200, r
    assert placement.allocations(vm["instance"]) == {compute: {"VCPU": 1}}
    assert r.json["port"]["resource_request"] is None
    assert r.json["port"]["binding:profile"]["allocation"] == {}

    # Back to a minimum policy: nothing in Placement to change (Nova did not schedule
    # it), only the data plane; the port stays bound.
    r = _set_policy(api, port["id"], gold["id"])
    assert r.status == 200, r
    assert placement.allocations(vm["instance"]) == {compute: {"VCPU": 1}}
    assert r.json["port"]["binding:vif_type"] == "ovs"


def test_network_policy_change_moves_the_allocations_of_ports_that_follow_it(api, placement):
    gold = _policy(api, egress=GBIT, ingress=GBIT)
    vm = _vm_port(api, placement, gold, on_network=True)
    port, device = vm["port"], vm["device"]
    assert port["qos_policy_id"] is None and port["qos_network_policy_id"] == gold["id"]
    silver = _policy(api, egress=GBIT // 4, ingress=GBIT // 4)
    r = api.put(f"/v2.0/networks/{vm['network']['id']}", {"network": {
        "qos_policy_id": silver["id"]}})
    assert r.status == 200, r
    assert placement.allocations(vm["instance"])[device] == {EGR: GBIT // 4, IGR: GBIT // 4}
    now = api.show("ports", port["id"])
    [group] = now["resource_request"]["request_groups"]
    assert now["binding:profile"]["allocation"] == {group["id"]: device}
    assert now["binding:vif_type"] == "ovs"
    assert now["revision_number"] > port["revision_number"]
    # Beyond the device: 409, the network keeps its policy, Placement its allocation.
    r = api.put(f"/v2.0/networks/{vm['network']['id']}", {"network": {
        "qos_policy_id": _policy(api, egress=5 * GBIT)["id"]}})
    assert r.status == 409, r
    assert r.json["NeutronError"]["type"] == "QosPlacementAllocationUpdateConflict"
    assert api.show("networks", vm["network"]["id"])["qos_policy_id"] == silver["id"]
    assert placement.allocations(vm["instance"])[device] == {EGR: GBIT // 4, IGR: GBIT // 4}


def test_policy_beyond_the_device_is_409_and_nothing_changes(api, placement):
    gold = _policy(api, egress=GBIT, ingress=GBIT)
    vm = _vm_port(api, placement, gold)
    port = vm["port"]
    before = placement.allocations(vm["instance"])
    huge = _policy(api, egress=3 * GBIT)
    r = _set_policy(api, port["id"], huge["id"])
    assert r.status == 409, r
    assert r.json["NeutronError"]["type"] == "QosPlacementAllocationUpdateConflict"
    assert vm["instance"] in r.json["NeutronError"]["message"]
    assert placement.allocations(vm["instance"]) == before
    now = api.show("ports", port["id"])
    assert now["qos_policy_id"] == gold["id"]
    assert now["binding:profile"] == port["binding:profile"]
    assert now["revision_number"] == port["revision_number"]


def test_consumer_lost_its_allocation_is_409(api, placement):
    gold = _policy(api, egress=GBIT, ingress=GBIT)
    vm = _vm_port(api, placement, gold)
    r = placement.request("DELETE", f"/allocations/{vm['instance']}")
    assert r.status_code == 204, r.text
    r = _set_policy(api, vm["port"]["id"], _policy(api, egress=GBIT // 2)["id"])
    assert r.status == 409, r
    assert r.json["NeutronError"]["type"] == "QosPlacementAllocationUpdateConflict"
    assert api.show("ports", vm["port"]["id"])["qos_policy_id"] == gold["id"]


def test_rules_of_a_policy_a_vm_port_uses_stay_refused(api, placement):
    gold = _policy(api, egress=GBIT)
    vm = _vm_port(api, placement, gold)
    [rule] = api.show("qos/policies", gold["id"])["rules"]
    r = api.put(f"/v2.0/qos/policies/{gold['id']}/minimum_bandwidth_rules/{rule['id']}",
                {"minimum_bandwidth_rule": {"min_kbps": GBIT // 2}})
    assert r.status == 501, r
    assert placement.allocations(vm["instance"])[vm["device"]][EGR] == GBIT


def test_a_port_not_of_a_vm_leaves_placement_alone(api, placement):
    gold = _policy(api, egress=GBIT)
    vm = _vm_port(api, placement, gold)
    # The same port handed to something else than a VM: Neutron only follows VM ports.
    r = api.put(f"/v2.0/ports/{vm['port']['id']}", {"port": {"device_owner": "other"}})
    assert r.status == 200, r
    r = _set_policy(api, vm["port"]["id"], None)
    assert r.status == 200, r
    assert placement.allocations(vm["instance"])[vm["device"]] == {EGR: GBIT}


def test_change_allocation_retries_when_the_consumer_generation_moves_on(placement):
    from keystoneauth1 import session
    from keystoneauth1.adapter import Adapter
    from keystoneauth1.token_endpoint import Token

    compute = placement.create_compute_node(new_host(), vcpus=8)
    consumer, project, user = str(uuid.uuid4()), uuid.uuid4().hex, uuid.uuid4().hex
    placement.allocate(consumer, {"allocations": {compute: {"resources": {"VCPU": 2}}}},
                       project, user)
    client = PlacementClient(Adapter(session.Session(auth=Token(placement.url, placement.token)),
                                     service_type="placement"), timeout=5, retries=3)
    real_call, moved = client._call, []

    def call_then_move(method, path, *args, **kw):
        found = real_call(method, path, *args, **kw)
        if method == "GET" and path == f"/allocations/{consumer}" and not moved:
            # Nova (a resize, say) writes the consumer in between.
            moved.append(placement.request("PUT", path, json={
                "allocations": {compute: {"resources": {"VCPU": 3}}}, "project_id": project,
                "user_id": user, "consumer_generation": found["consumer_generation"],
                "consumer_type": "INSTANCE"}))
        return found

    client._call = call_then_move
    assert client.change_allocation(consumer, {compute: {"VCPU": -1}}) == (project, user)
    assert [r.status_code for r in moved] == [204], moved[0].text
    assert placement.allocations(consumer) == {compute: {"VCPU": 2}}


def test_a_transaction_rolled_back_after_the_change_undoes_it_in_placement(placement):
    import sqlalchemy as sa
    from keystoneauth1 import session
    from keystoneauth1.adapter import Adapter
    from keystoneauth1.token_endpoint import Token

    from neutrino.services.qos.placement.allocation import _write

    compute = placement.create_compute_node(new_host(), vcpus=8)
    consumer, project, user = str(uuid.uuid4()), uuid.uuid4().hex, uuid.uuid4().hex
    placement.allocate(consumer, {"allocations": {compute: {"resources": {"VCPU": 2}}}},
                       project, user)
    client = PlacementClient(Adapter(session.Session(auth=Token(placement.url, placement.token)),
                                     service_type="placement"), timeout=5, retries=3)
    engine = sa.create_engine("sqlite://")
    with pytest.raises(RuntimeError), engine.connect() as conn, conn.begin():
        _write(client, conn, consumer, {compute: {"VCPU": -2}})
        assert placement.allocations(consumer) == {}  # written at once...
        raise RuntimeError("a later step of the transaction fails")
    assert placement.allocations(consumer) == {compute: {"VCPU": 2}}  # ...and undone
    with engine.connect() as conn, conn.begin():  # committed: stays
        _write(client, conn, consumer, {compute: {"VCPU": 1}})
    assert placement.allocations(consumer) == {compute: {"VCPU": 3}}
