"""Which QoS policy ports, networks and floating IPs use: qos_policy_id (attach,
change, detach, revision bumps, 404 for a policy the caller cannot see),
qos_network_policy_id, and a port's resource_request as Nova reads it."""
from __future__ import annotations

import uuid

import pytest

P = "qos/policies"
PHYSNET = "physnet1"


def _policy(admin, **attrs) -> dict:
    return admin.create(P, "policy", name=f"qp-{uuid.uuid4().hex[:6]}", **attrs)


def _rule(admin, policy_id: str, rule_type: str, **attrs) -> dict:
    r = admin.post(f"/v2.0/{P}/{policy_id}/{rule_type}_rules", {f"{rule_type}_rule": attrs})
    assert r.status == 201, r
    return r.json[f"{rule_type}_rule"]


def _vlan_net(admin, **attrs) -> dict:
    return admin.network(**{"provider:network_type": "vlan",
                            "provider:physical_network": PHYSNET}, **attrs)


@pytest.mark.parametrize("collection", ["ports", "networks"])
def test_policy_attach_change_detach_bumps_revision(admin, collection):
    a, b = _policy(admin), _policy(admin)
    net = admin.network()
    item = admin.port(net["id"]) if collection == "ports" else net
    assert item["qos_policy_id"] is None
    path = f"/v2.0/{collection}/{item['id']}"
    key = collection[:-1]
    revision = admin.show(collection, item["id"])["revision_number"]
    for policy_id in (a["id"], b["id"], None):
        r = admin.put(path, {key: {"qos_policy_id": policy_id}})
        assert r.status == 200, r
        assert r.json[key]["qos_policy_id"] == policy_id
        assert r.json[key]["revision_number"] == revision + 1
        revision += 1
        assert admin.show(collection, item["id"])["qos_policy_id"] == policy_id


@pytest.mark.parametrize("collection", ["ports", "networks"])
def test_unknown_or_hidden_policy_is_404_and_changes_nothing(admin, member, collection):
    hidden = _policy(admin, project_id=uuid.uuid4().hex)
    net = member.network()
    for policy_id in (str(uuid.uuid4()), hidden["id"]):
        if collection == "ports":
            r = member.post("/v2.0/ports", {"port": {"network_id": net["id"],
                                                     "qos_policy_id": policy_id}})
        else:
            r = member.post("/v2.0/networks", {"network": {"qos_policy_id": policy_id}})
        assert r.status == 404 and r.error_type == "QosPolicyNotFound", r
        r = member.put(f"/v2.0/networks/{net['id']}", {"network": {"qos_policy_id": policy_id}})
        assert r.status == 404, r
    assert member.show("networks", net["id"])["qos_policy_id"] is None
    assert member.get("/v2.0/ports", params={"network_id": net["id"]}).json["ports"] == []


def test_project_attaches_a_shared_policy(admin, member):
    shared = _policy(admin, project_id=uuid.uuid4().hex, shared=True)
    net = member.network(qos_policy_id=shared["id"])
    port = member.port(net["id"], qos_policy_id=shared["id"])
    assert net["qos_policy_id"] == port["qos_policy_id"] == shared["id"]


@pytest.mark.parametrize("value,word", [("not-a-uuid", "qos_policy_id"), (5, "qos_policy_id")])
def test_bad_policy_id_is_400(admin, value, word):
    r = admin.post("/v2.0/networks", {"network": {"qos_policy_id": value}})
    assert r.status == 400 and word in r.error_message, r


def test_port_shows_its_networks_policy(admin):
    p = _policy(admin)
    net = admin.network(qos_policy_id=p["id"])
    port = admin.port(net["id"])
    assert port["qos_policy_id"] is None and port["qos_network_policy_id"] == p["id"]
    r = admin.put(f"/v2.0/ports/{port['id']}", {"port": {"qos_network_policy_id": p["id"]}})
    assert r.status == 400, r


def test_floating_ip_policy(admin):
    ext = admin.network(**{"router:external": True})
    admin.subnet(ext["id"], cidr="198.51.100.0/24")
    p = _policy(admin)
    fip = admin.create("floatingips", "floatingip", floating_network_id=ext["id"],
                       qos_policy_id=p["id"])
    assert fip["qos_policy_id"] == p["id"]
    r = admin.delete(f"/v2.0/{P}/{p['id']}")
    assert r.status == 409 and "floatingip" in r.error_message
    r = admin.put(f"/v2.0/floatingips/{fip['id']}", {"floatingip": {"qos_policy_id": None}})
    assert r.status == 200 and r.json["floatingip"]["qos_policy_id"] is None
    assert admin.delete(f"/v2.0/{P}/{p['id']}").status == 204


def test_deleted_port_frees_its_policy(admin):
    p = _policy(admin)
    port = admin.port(admin.network()["id"], qos_policy_id=p["id"])
    assert admin.delete(f"/v2.0/ports/{port['id']}").status == 204
    assert admin.delete(f"/v2.0/{P}/{p['id']}").status == 204


# ---- resource_request --------------------------------------------------------------
def _expected_group_id(port_id: str, rule_ids: list[str]) -> str:
    return str(uuid.uuid5(uuid.UUID(port_id), ",".join(rule_ids)))


def test_resource_request_of_a_minimum_bandwidth_port(admin):
    p = _policy(admin)
    egress = _rule(admin, p["id"], "minimum_bandwidth", min_kbps=1_000_000)
    ingress = _rule(admin, p["id"], "minimum_bandwidth", min_kbps=500_000, direction="ingress")
    net = _vlan_net(admin)
    port = admin.port(net["id"], qos_policy_id=p["id"])
    rule_ids = [r["id"] for r in sorted([egress, ingress], key=lambda r: r["id"])]
    group = _expected_group_id(port["id"], rule_ids)
    expected = {"request_groups": [{
        "id": group, "required": ["CUSTOM_PHYSNET_PHYSNET1", "CUSTOM_VNIC_TYPE_NORMAL"],
        "resources": {"NET_BW_EGR_KILOBIT_PER_SEC": 1_000_000,
                      "NET_BW_IGR_KILOBIT_PER_SEC": 500_000}}], "same_subtree": [group]}
    assert port["resource_request"] == expected
    assert admin.show("ports", port["id"])["resource_request"] == expected


def test_resource_request_follows_the_network_policy_and_packet_rate(admin):
    p = _policy(admin)
    bw = _rule(admin, p["id"], "minimum_bandwidth", min_kbps=1000)
    pps = _rule(admin, p["id"], "minimum_packet_rate", min_kpps=100, direction="any")
    net = admin.network(qos_policy_id=p["id"])  # vxlan: a tunnelled network
    port = admin.port(net["id"], **{"binding:vnic_type": "direct"})
    groups = port["resource_request"]["request_groups"]
    assert groups == [
        {"id": _expected_group_id(port["id"], [bw["id"]]),
         "required": ["CUSTOM_NETWORK_TUNNEL_PROVIDER", "CUSTOM_VNIC_TYPE_DIRECT"],
         "resources": {"NET_BW_EGR_KILOBIT_PER_SEC": 1000}},
        {"id": _expected_group_id(port["id"], [pps["id"]]),
         "required": ["CUSTOM_VNIC_TYPE_DIRECT"],
         "resources": {"NET_PACKET_RATE_KILOPACKET_PER_SEC": 100}}]
    assert port["resource_request"]["same_subtree"] == [g["id"] for g in groups]
    # The network's own ports do not take the network's policy.
    dhcp = admin.port(net["id"], device_owner="network:dhcp")
    assert dhcp["resource_request"] is None and dhcp["qos_network_policy_id"] == p["id"]


def test_no_resource_request_without_minimum_rules(admin):
    p = _policy(admin)
    _rule(admin, p["id"], "bandwidth_limit", max_kbps=1000)
    plain = admin.port(admin.network()["id"])
    limited = admin.port(_vlan_net(admin)["id"], qos_policy_id=p["id"])
    assert plain["resource_request"] is None and limited["resource_request"] is None


def test_resource_request_is_for_admins(admin, member, project_id):
    p = _policy(admin, shared=True)
    _rule(admin, p["id"], "minimum_bandwidth", min_kbps=1000)
    net = member.network()
    port = member.port(net["id"], qos_policy_id=p["id"])
    assert "resource_request" not in port
    assert admin.show("ports", port["id"])["resource_request"] is not None


def test_minimum_rules_of_a_policy_a_vm_port_uses_are_501(admin):
    p = _policy(admin)
    rule = _rule(admin, p["id"], "minimum_bandwidth", min_kbps=1000)
    admin.port(_vlan_net(admin)["id"], qos_policy_id=p["id"], device_owner="compute:nova")
    path = f"/v2.0/{P}/{p['id']}/minimum_bandwidth_rules/{rule['id']}"
    r = admin.put(path, {"minimum_bandwidth_rule": {"min_kbps": 2000}})
    assert r.status == 501, r
    assert admin.delete(path).status == 501
    assert admin.get(path).json["minimum_bandwidth_rule"]["min_kbps"] == 1000
    # Rules Placement does not back still change.
    _rule(admin, p["id"], "bandwidth_limit", max_kbps=5000)


def test_policy_with_rules_on_a_port_of_an_unsupported_vnic_type_is_409(admin):
    p = _policy(admin)
    _rule(admin, p["id"], "bandwidth_limit", max_kbps=1000)
    port = admin.port(admin.network()["id"], **{"binding:vnic_type": "macvtap"})
    r = admin.put(f"/v2.0/ports/{port['id']}", {"port": {"qos_policy_id": p["id"]}})
    assert r.status == 409 and r.error_type == "QosRuleNotSupported", r
    assert admin.show("ports", port["id"])["qos_policy_id"] is None
