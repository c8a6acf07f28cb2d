"""Neutrino's provider sync against a real Placement: the tree, traits and
inventories two agents' reports make, device removal, generation conflicts, a
Placement that is down, and Nova's view (allocation candidates filling a device)."""
from __future__ import annotations

import uuid

import os_resource_classes as orc
import os_traits

from neutrino.services.qos.placement import names
from neutrino.services.qos.placement.client import PlacementClient
from neutrino.services.qos.placement.sync import PlacementSync

OVS_NS = uuid.UUID("87ee7d5c-73bb-11e8-9008-c4d987b2a692")
SRIOV_NS = uuid.UUID("87f1895c-73bb-11e8-9008-c4d987b2a692")
GBIT = 1_000_000


def _client(placement, token: str | None = None) -> PlacementClient:
    from keystoneauth1 import session
    from keystoneauth1.adapter import Adapter
    from keystoneauth1.token_endpoint import Token

    sess = session.Session(auth=Token(placement.url, token or placement.token))
    return PlacementClient(Adapter(sess, service_type="placement"), timeout=3, retries=3)


def _host() -> str:
    return f"host-{uuid.uuid4().hex[:8]}"


def _ovs_agent(host: str, bandwidths: dict, mappings: dict, **conf) -> dict:
    return {"id": str(uuid.uuid4()), "host": host, "agent_type": "Open vSwitch agent",
            "configurations": {"bridge_mappings": mappings,
                               "resource_provider_bandwidths": bandwidths, **conf}}


def _sriov_agent(host: str, bandwidths: dict, mappings: dict) -> dict:
    return {"id": str(uuid.uuid4()), "host": host, "agent_type": "NIC Switch agent",
            "configurations": {"device_mappings": mappings,
                               "resource_provider_bandwidths": bandwidths}}


def test_names_are_the_standard_ones():
    assert names.NET_BW_EGR == orc.NET_BW_EGR_KILOBIT_PER_SEC
    assert names.NET_BW_IGR == orc.NET_BW_IGR_KILOBIT_PER_SEC
    assert names.NET_PACKET_RATE == orc.NET_PACKET_RATE_KILOPACKET_PER_SEC
    for raw in ("physnet0", "Physnet-0", "ph.ys net"):
        assert names.physnet_trait(raw) == os_traits.normalize_name(f"PHYSNET_{raw}")
    assert names.vnic_trait("direct-physical") == "CUSTOM_VNIC_TYPE_DIRECT_PHYSICAL"


def test_two_agents_make_the_tree_traits_and_inventories_of_the_spec(placement):
    host = _host()
    compute = placement.create_compute_node(host)
    sync = PlacementSync(_client(placement))
    ovs = _ovs_agent(host, {"br-physnet0": {"egress": 10 * GBIT, "ingress": 5 * GBIT}},
                     {"physnet0": "br-physnet0"},
                     resource_provider_inventory_defaults={"reserved": 1000,
                                                           "allocation_ratio": 1.5})
    sriov = _sriov_agent(host, {"ens5": {"egress": GBIT, "ingress": None}},
                         {"physnet1": ["ens5"]})
    assert sync.sync(ovs) and sync.sync(sriov)

    ovs_agent = placement.provider(f"{host}:Open vSwitch agent")
    assert ovs_agent["uuid"] == str(uuid.uuid5(OVS_NS, host))
    assert ovs_agent["parent_provider_uuid"] == compute
    assert placement.traits(ovs_agent["uuid"]) == {"CUSTOM_VNIC_TYPE_NORMAL"}
    bridge = placement.provider(f"{host}:Open vSwitch agent:br-physnet0")
    assert bridge["uuid"] == str(uuid.uuid5(OVS_NS, f"{host}:br-physnet0"))
    assert bridge["parent_provider_uuid"] == ovs_agent["uuid"]
    assert placement.traits(bridge["uuid"]) == {"CUSTOM_PHYSNET_PHYSNET0",
                                                 "CUSTOM_VNIC_TYPE_NORMAL"}
    common = {"min_unit": 1, "step_size": 1, "reserved": 1000, "allocation_ratio": 1.5}
    assert placement.inventories(bridge["uuid"]) == {
        "NET_BW_EGR_KILOBIT_PER_SEC": {"total": 10 * GBIT, "max_unit": 10 * GBIT, **common},
        "NET_BW_IGR_KILOBIT_PER_SEC": {"total": 5 * GBIT, "max_unit": 5 * GBIT, **common}}

    nic_agent = placement.provider(f"{host}:NIC Switch agent")
    assert nic_agent["uuid"] == str(uuid.uuid5(SRIOV_NS, host))
    assert placement.traits(nic_agent["uuid"]) == {
        "CUSTOM_VNIC_TYPE_DIRECT", "CUSTOM_VNIC_TYPE_MACVTAP", "CUSTOM_VNIC_TYPE_DIRECT_PHYSICAL"}
    pf = placement.provider(f"{host}:NIC Switch agent:ens5")
    assert pf["uuid"] == str(uuid.uuid5(SRIOV_NS, f"{host}:ens5"))
    assert placement.traits(pf["uuid"]) == {
        "CUSTOM_PHYSNET_PHYSNET1", "CUSTOM_VNIC_TYPE_DIRECT", "CUSTOM_VNIC_TYPE_MACVTAP",
        "CUSTOM_VNIC_TYPE_DIRECT_PHYSICAL"}
    # An empty direction is not reported.
    assert set(placement.inventories(pf["uuid"])) == {"NET_BW_EGR_KILOBIT_PER_SEC"}
    tree = placement.get("/resource_providers", params={"in_tree": compute})["resource_providers"]
    assert len(tree) == 5
    # Syncing again changes nothing.
    generation = placement.provider(bridge["name"])["generation"]
    assert sync.sync(ovs)
    assert placement.provider(bridge["name"])["generation"] == generation


def test_config_file_syntax_and_hypervisor_override(placement):
    host, hypervisor = _host(), _host()
    placement.create_compute_node(hypervisor)
    agent = _ovs_agent(host, "br-a:1000:2000,br-b::3000", "physA:br-a,physB:br-b",
                       resource_provider_hypervisors="br-a:" + hypervisor + ",br-b:" + hypervisor)
    assert PlacementSync(_client(placement)).sync(agent)
    a = placement.provider(f"{hypervisor}:Open vSwitch agent:br-a")
    b = placement.provider(f"{hypervisor}:Open vSwitch agent:br-b")
    assert placement.inventories(a["uuid"])["NET_BW_IGR_KILOBIT_PER_SEC"]["total"] == 2000
    assert set(placement.inventories(b["uuid"])) == {"NET_BW_IGR_KILOBIT_PER_SEC"}
    assert "CUSTOM_PHYSNET_PHYSB" in placement.traits(b["uuid"])


def test_device_removed_from_the_report_loses_its_provider(placement):
    host = _host()
    placement.create_compute_node(host)
    sync = PlacementSync(_client(placement))
    agent = _ovs_agent(host, {"br-a": {"egress": 1000, "ingress": 1000},
                              "br-b": {"egress": 1000, "ingress": 1000}},
                       {"pa": "br-a", "pb": "br-b"})
    assert sync.sync(agent)
    assert placement.provider(f"{host}:Open vSwitch agent:br-b") is not None
    agent["configurations"]["resource_provider_bandwidths"].pop("br-b")
    assert sync.sync(agent)
    assert placement.provider(f"{host}:Open vSwitch agent:br-b") is None
    assert placement.provider(f"{host}:Open vSwitch agent:br-a") is not None


def test_bandwidth_change_is_written_despite_a_concurrent_writer(placement):
    host = _host()
    placement.create_compute_node(host)
    client = _client(placement)
    sync = PlacementSync(client)
    agent = _ovs_agent(host, {"br-a": {"egress": 1000, "ingress": 1000}}, {"pa": "br-a"})
    assert sync.sync(agent)
    dev = placement.provider(f"{host}:Open vSwitch agent:br-a")
    real_call = client._call
    moved = []

    def move_then_call(method, path, *args, **kw):
        if method == "PUT" and path.endswith(f"{dev['uuid']}/inventories") and not moved:
            # Another writer (Nova, a second server) changes the provider in between.
            generation = placement.provider(dev["name"])["generation"]
            moved.append(placement.request("PUT", f"/resource_providers/{dev['uuid']}/aggregates", {
                "aggregates": [str(uuid.uuid4())],
                "resource_provider_generation": generation}).status_code)
        return real_call(method, path, *args, **kw)

    client._call = move_then_call
    agent["configurations"]["resource_provider_bandwidths"]["br-a"]["egress"] = 4000
    assert sync.sync(agent)
    assert moved == [200]
    assert placement.inventories(dev["uuid"])["NET_BW_EGR_KILOBIT_PER_SEC"]["total"] == 4000


def test_placement_down_or_unknown_host_fails_the_sync_without_raising(placement):
    host = _host()
    agent = _ovs_agent(host, {"br-a": {"egress": 1000, "ingress": 1000}}, {"pa": "br-a"})
    sync = PlacementSync(_client(placement))
    assert sync.sync(agent) is False  # Nova has not created the compute node yet
    placement.create_compute_node(host)
    placement.pause()
    try:
        assert sync.sync(agent) is False
    finally:
        placement.resume()
    assert sync.sync(agent) is True
    assert placement.provider(f"{host}:Open vSwitch agent:br-a") is not None


def test_sync_through_keystone_tokens(placement_keystone, keystone):
    host = _host()
    placement_keystone.create_compute_node(host)
    from keystoneauth1.adapter import Adapter
    sess = keystone.session(keystone.service_user)
    client = PlacementClient(Adapter(sess, service_type="placement",
                                     endpoint_override=placement_keystone.url))
    agent = _ovs_agent(host, {"br-a": {"egress": 1000, "ingress": 1000}}, {"pa": "br-a"})
    assert PlacementSync(client).sync(agent)
    assert placement_keystone.provider(f"{host}:Open vSwitch agent:br-a") is not None
    # Without a token Placement refuses.
    r = placement_keystone.request("GET", "/resource_providers", headers={"X-Auth-Token": "x"})
    assert r.status_code == 401


def test_allocation_candidates_only_on_devices_with_room_on_the_physnet(placement):
    # Physnets of this test alone: the Placement is shared by the session, and other
    # tests' devices on a "physnet0" would be candidates too.
    suffix = uuid.uuid4().hex[:8]
    physnet, other = f"pn{suffix}", f"po{suffix}"
    hosts = [_host(), _host()]
    sync = PlacementSync(_client(placement))
    for i, host in enumerate(hosts):
        placement.create_compute_node(host)
        # host 0: 2.5 Gbit/s on the right physnet; host 1: 10 Gbit/s on another one and
        # 0.5 Gbit/s on the right one.
        bw = ({"br-p": {"egress": 2_500_000, "ingress": 2_500_000}} if i == 0 else
              {"br-p": {"egress": 500_000, "ingress": 500_000},
               "br-q": {"egress": 10 * GBIT, "ingress": 10 * GBIT}})
        assert sync.sync(_ovs_agent(host, bw, {physnet: "br-p", other: "br-q"}))
    group = {"id": str(uuid.uuid4()),
             "required": [names.physnet_trait(physnet), "CUSTOM_VNIC_TYPE_NORMAL"],
             "resources": {"NET_BW_EGR_KILOBIT_PER_SEC": GBIT, "NET_BW_IGR_KILOBIT_PER_SEC": GBIT}}
    right = placement.provider(f"{hosts[0]}:Open vSwitch agent:br-p")["uuid"]

    def candidate_devices() -> set[str]:
        found = placement.allocation_candidates([group], [group["id"]])
        return {rp for req in found["allocation_requests"] for rp in req["allocations"]}

    assert candidate_devices() == {right}
    project, user = uuid.uuid4().hex, uuid.uuid4().hex
    for _ in range(2):  # two 1 Gbit/s ports fill 2.5 Gbit/s but for 0.5
        found = placement.allocation_candidates([group], [group["id"]])
        placement.allocate(str(uuid.uuid4()), found["allocation_requests"][0], project, user)
    assert candidate_devices() == set()


def test_port_create_answers_while_placement_is_down_and_the_sync_catches_up(placement,
                                                                              sqlite_server):
    from neutrino.services.qos.placement.reporter import Reporter
    from tests.support.client import Client

    api = Client(sqlite_server.url)
    policy = api.create("qos/policies", "policy", name="gold")
    r = api.post(f"/v2.0/qos/policies/{policy['id']}/minimum_bandwidth_rules",
                 {"minimum_bandwidth_rule": {"min_kbps": GBIT}})
    assert r.status == 201, r
    net = api.network(**{"provider:network_type": "vlan", "provider:physical_network": "physnet1"})
    host = _host()
    placement.create_compute_node(host)
    agent = _ovs_agent(host, {"br-p1": {"egress": 10 * GBIT, "ingress": 10 * GBIT}},
                       {"physnet1": "br-p1"})
    outcomes = []
    reporter = Reporter(PlacementSync(_client(placement)),
                        lambda agent, ok: outcomes.append(ok))
    placement.pause()
    try:
        port = api.port(net["id"], qos_policy_id=policy["id"])  # the API does not wait on it
        assert reporter.submit(agent).result(timeout=60) is False
    finally:
        placement.resume()
    assert reporter.submit(agent).result(timeout=60) is True
    assert outcomes == [False, True]
    [group] = port["resource_request"]["request_groups"]
    found = placement.allocation_candidates([group], [group["id"]])
    device = placement.provider(f"{host}:Open vSwitch agent:br-p1")["uuid"]
    assert device in {rp for req in found["allocation_requests"] for rp in req["allocations"]}


def _counting(client: PlacementClient) -> list[str]:
    """The calls the client makes from now on, as "METHOD path"."""
    calls, real_call = [], client._call

    def call(method, path, *args, **kw):
        calls.append(f"{method} {path}")
        return real_call(method, path, *args, **kw)

    client._call = call
    return calls


def test_unchanged_report_costs_no_call_and_a_verify_pass_repairs_drift(placement):
    host = _host()
    placement.create_compute_node(host)
    client = _client(placement)
    sync = PlacementSync(client)
    agent = _ovs_agent(host, {"br-a": {"egress": 1000, "ingress": 1000},
                              "br-b": {"egress": 2000, "ingress": 2000}},
                       {"pa": "br-a", "pb": "br-b"})
    assert sync.sync(agent)
    bridge = placement.provider(f"{host}:Open vSwitch agent:br-a")
    calls = _counting(client)
    # The same report again (a heartbeat, a periodic pass): nothing asked of Placement.
    assert sync.sync({**agent, "configurations": dict(agent["configurations"])})
    assert calls == []
    # A verifying pass: one listing of the agent's providers, nothing changed.
    assert sync.sync(agent, verify=True)
    assert [c.split("?")[0] for c in calls] == ["GET /resource_providers"]
    # Someone else strips a device's traits: a verifying pass puts them back.
    r = placement.request("PUT", f"/resource_providers/{bridge['uuid']}/traits", {
        "traits": [], "resource_provider_generation": placement.provider(bridge["name"])[
            "generation"]})
    assert r.status_code == 200, r.text
    assert sync.sync(agent) and placement.traits(bridge["uuid"]) == set()  # trusted cache
    assert sync.sync(agent, verify=True)
    assert placement.traits(bridge["uuid"]) == {"CUSTOM_PHYSNET_PA", "CUSTOM_VNIC_TYPE_NORMAL"}


def test_changed_report_writes_only_what_changed_and_reads_nothing(placement):
    host = _host()
    placement.create_compute_node(host)
    client = _client(placement)
    sync = PlacementSync(client)
    agent = _ovs_agent(host, {"br-a": {"egress": 1000, "ingress": 1000},
                              "br-b": {"egress": 2000, "ingress": 2000}},
                       {"pa": "br-a", "pb": "br-b"})
    assert sync.sync(agent)
    b = placement.provider(f"{host}:Open vSwitch agent:br-b")
    calls = _counting(client)
    changed = {**agent, "configurations": {**agent["configurations"],
                                           "resource_provider_bandwidths": {
                                               "br-a": {"egress": 1000, "ingress": 1000},
                                               "br-b": {"egress": 2000, "ingress": 500}}}}
    assert sync.sync(changed)
    assert calls == [f"PUT /resource_providers/{b['uuid']}/inventories"]
    assert placement.inventories(b["uuid"])["NET_BW_IGR_KILOBIT_PER_SEC"]["total"] == 500
    # A device gone: its provider deleted, nothing else asked.
    del calls[:]
    gone = {**agent, "configurations": {**agent["configurations"],
                                        "resource_provider_bandwidths": {
                                            "br-a": {"egress": 1000, "ingress": 1000}}}}
    assert sync.sync(gone)
    assert calls == [f"DELETE /resource_providers/{b['uuid']}"]
    assert placement.provider(b["name"]) is None


def test_a_fresh_process_reads_and_writes_nothing_when_placement_already_holds_it(placement):
    host = _host()
    compute = placement.create_compute_node(host)
    agent = _ovs_agent(host, {"br-a": {"egress": 1000, "ingress": 1000}}, {"pa": "br-a"})
    assert PlacementSync(_client(placement)).sync(agent)
    tree = placement.get("/resource_providers", params={"in_tree": compute})["resource_providers"]
    client = _client(placement)
    calls = _counting(client)
    assert PlacementSync(client).sync(agent)  # another server process, or after a restart
    # Only reads (and, once per process, the idempotent PUT /traits/CUSTOM_... that makes
    # sure the custom traits exist).
    assert calls and not [c for c in calls if not c.startswith(("GET ", "PUT /traits/"))]
    assert placement.get("/resource_providers", params={"in_tree": compute})[
        "resource_providers"] == tree


def test_first_sync_writes_each_new_provider_without_reading_it(placement):
    host = _host()
    placement.create_compute_node(host)
    client = _client(placement)
    client.ensure_custom_traits({"CUSTOM_PHYSNET_PA", "CUSTOM_PHYSNET_PB",
                                 "CUSTOM_VNIC_TYPE_NORMAL"})
    calls = _counting(client)
    agent = _ovs_agent(host, {"br-a": {"egress": 1000, "ingress": 1000},
                              "br-b": {"egress": 1000, "ingress": 1000}},
                       {"pa": "br-a", "pb": "br-b"})
    assert PlacementSync(client).sync(agent)
    # The compute node by name, its tree; per provider a POST and its traits (and
    # inventories): 2 + 2 + 2 * 3.
    assert len(calls) == 10, calls
    assert not [c for c in calls if c.startswith("GET /resource_providers/")]
