"""GET /v2.0/service-providers (service-type): the router providers, as Neutron lists
them, over HTTP and through openstacksdk."""
from __future__ import annotations


def test_router_providers_are_listed(member):
    r = member.get("/v2.0/service-providers")
    assert r.status == 200
    assert sorted(p["name"] for p in r.json["service_providers"]) == [
        "dvr", "dvrha", "ha", "single_node"]
    assert {(p["service_type"], p["default"]) for p in r.json["service_providers"]} == {
        ("L3_ROUTER_NAT", False)}
    ha = member.get("/v2.0/service-providers?name=ha").json["service_providers"]
    assert ha == [{"service_type": "L3_ROUTER_NAT", "name": "ha", "default": False}]
    assert member.post("/v2.0/service-providers", {"service_provider": {}}).status in (404, 405)


def test_sdk_service_providers(sdk):
    assert {p.name for p in sdk.network.service_providers()} == {
        "single_node", "ha", "dvr", "dvrha"}


def test_a_provider_is_shown_by_name_or_not_found(member):
    assert member.get("/v2.0/service-providers/ha").json["service_provider"]["name"] == "ha"
    missing = member.get("/v2.0/service-providers/nope")
    assert missing.status == 404 and missing.error_type == "ServiceProviderNotFound"
