"""qos-gateway-ip: the QoS policy of a router's gateway, as
``external_gateway_info.qos_policy_id`` (set on create or update, null clears,
kept when not given, gone with the gateway), 404 for a policy the caller cannot
see with nothing changed, and a policy in use by a gateway not deletable."""
from __future__ import annotations

import uuid

import pytest

P = "qos/policies"


@pytest.fixture
def ext(admin) -> dict:
    net = admin.network(**{"router:external": True})
    admin.subnet(net["id"], cidr=f"198.{uuid.uuid4().int % 200}.{uuid.uuid4().int % 250}.0/24")
    return net


def _policy(admin, **attrs) -> dict:
    return admin.create(P, "policy", name=f"gw-{uuid.uuid4().hex[:6]}", **attrs)


def _gateway(client, router_id: str) -> dict | None:
    return client.show("routers", router_id)["external_gateway_info"]


def test_gateway_policy_set_changed_kept_cleared(admin, ext):
    gold, silver = _policy(admin), _policy(admin)
    router = admin.create("routers", "router", name="r", external_gateway_info={
        "network_id": ext["id"], "qos_policy_id": gold["id"]})
    assert router["external_gateway_info"]["qos_policy_id"] == gold["id"]
    assert _gateway(admin, router["id"])["qos_policy_id"] == gold["id"]

    r = admin.put(f"/v2.0/routers/{router['id']}", {"router": {"external_gateway_info": {
        "network_id": ext["id"], "qos_policy_id": silver["id"]}}})
    assert r.status == 200, r
    assert r.json["router"]["external_gateway_info"]["qos_policy_id"] == silver["id"]
    assert r.json["router"]["revision_number"] > router["revision_number"]
    # Not given: kept.
    r = admin.put(f"/v2.0/routers/{router['id']}", {"router": {"external_gateway_info": {
        "network_id": ext["id"], "enable_snat": False}}})
    assert r.status == 200, r
    assert r.json["router"]["external_gateway_info"]["qos_policy_id"] == silver["id"]
    # null clears.
    r = admin.put(f"/v2.0/routers/{router['id']}", {"router": {"external_gateway_info": {
        "network_id": ext["id"], "qos_policy_id": None}}})
    assert r.status == 200, r
    assert _gateway(admin, router["id"])["qos_policy_id"] is None


def test_router_without_policy_shows_null_and_the_list_shows_it(admin, ext):
    plain = admin.create("routers", "router", name="r",
                         external_gateway_info={"network_id": ext["id"]})
    assert plain["external_gateway_info"]["qos_policy_id"] is None
    policy = _policy(admin)
    with_policy = admin.create("routers", "router", name="r", external_gateway_info={
        "network_id": ext["id"], "qos_policy_id": policy["id"]})
    listed = {r["id"]: r for r in admin.get("/v2.0/routers", params={
        "id": [plain["id"], with_policy["id"]]}).json["routers"]}
    assert listed[plain["id"]]["external_gateway_info"]["qos_policy_id"] is None
    assert listed[with_policy["id"]]["external_gateway_info"]["qos_policy_id"] == policy["id"]
    no_gateway = admin.create("routers", "router", name="r")
    assert no_gateway["external_gateway_info"] is None


def test_gateway_removed_takes_its_policy_and_frees_it(admin, ext):
    policy = _policy(admin)
    router = admin.create("routers", "router", name="r", external_gateway_info={
        "network_id": ext["id"], "qos_policy_id": policy["id"]})
    r = admin.delete(f"/v2.0/{P}/{policy['id']}")
    assert r.status == 409, r
    assert r.json["NeutronError"]["type"] == "QosPolicyInUse"
    assert router["id"] in r.json["NeutronError"]["message"]
    r = admin.put(f"/v2.0/routers/{router['id']}", {"router": {"external_gateway_info": {}}})
    assert r.status == 200 and r.json["router"]["external_gateway_info"] is None, r
    # A new gateway starts without a policy.
    r = admin.put(f"/v2.0/routers/{router['id']}", {"router": {"external_gateway_info": {
        "network_id": ext["id"]}}})
    assert r.json["router"]["external_gateway_info"]["qos_policy_id"] is None
    assert admin.delete(f"/v2.0/{P}/{policy['id']}").status == 204


def test_router_deleted_frees_its_gateway_policy(admin, ext):
    policy = _policy(admin)
    router = admin.create("routers", "router", name="r", external_gateway_info={
        "network_id": ext["id"], "qos_policy_id": policy["id"]})
    assert admin.delete(f"/v2.0/routers/{router['id']}").status == 204
    assert admin.delete(f"/v2.0/{P}/{policy['id']}").status == 204


def test_unknown_or_invisible_policy_is_404_and_nothing_changes(admin, member, ext):
    hidden, shared = _policy(admin), _policy(admin, shared=True)
    r = member.post("/v2.0/routers", {"router": {"name": "r", "external_gateway_info": {
        "network_id": ext["id"], "qos_policy_id": hidden["id"]}}})
    assert r.status == 404, r
    assert r.json["NeutronError"]["type"] == "QosPolicyNotFound"
    assert member.get("/v2.0/routers").json["routers"] == []
    router = member.create("routers", "router", name="r", external_gateway_info={
        "network_id": ext["id"], "qos_policy_id": shared["id"]})
    assert router["external_gateway_info"]["qos_policy_id"] == shared["id"]
    for bad in (hidden["id"], str(uuid.uuid4())):
        r = member.put(f"/v2.0/routers/{router['id']}", {"router": {"external_gateway_info": {
            "network_id": ext["id"], "qos_policy_id": bad}}})
        assert r.status == 404, r
        assert r.json["NeutronError"]["type"] == "QosPolicyNotFound"
    now = member.show("routers", router["id"])
    assert now["external_gateway_info"]["qos_policy_id"] == shared["id"]
    assert now["revision_number"] == router["revision_number"]


@pytest.mark.parametrize("bad", ["not-a-uuid", 42, ["x"]])
def test_malformed_policy_id_is_400(admin, ext, bad):
    r = admin.post("/v2.0/routers", {"router": {"name": "r", "external_gateway_info": {
        "network_id": ext["id"], "qos_policy_id": bad}}})
    assert r.status == 400, r
    assert r.json["NeutronError"]["type"] in ("InvalidInput", "HTTPBadRequest")


def test_policy_without_network_is_400(admin, ext):
    router = admin.create("routers", "router", name="r")
    r = admin.put(f"/v2.0/routers/{router['id']}", {"router": {"external_gateway_info": {
        "qos_policy_id": _policy(admin)["id"]}}})
    assert r.status == 400, r
    assert admin.show("routers", router["id"])["external_gateway_info"] is None


def test_sdk_sees_the_gateway_policy(sdk, admin, ext):
    policy = _policy(admin)
    router = sdk.network.create_router(name="r", external_gateway_info={
        "network_id": ext["id"], "qos_policy_id": policy["id"]})
    assert router.external_gateway_info["qos_policy_id"] == policy["id"]
    router = sdk.network.update_router(router, external_gateway_info={
        "network_id": ext["id"], "qos_policy_id": None})
    assert sdk.network.get_router(router.id).external_gateway_info["qos_policy_id"] is None
