"""/openapi.json states what the server checks and how resources lead to one another."""
from __future__ import annotations

import pytest


@pytest.fixture
def doc(admin) -> dict:
    r = admin.get("/openapi.json")
    assert r.status == 200, r
    return r.json


def test_openapi_documents_discovery_and_per_tag_routes(doc):
    paths = doc["paths"]
    assert "get" in paths["/v2.0/extensions"]
    assert "get" in paths["/v2.0/extensions/{alias}"]
    assert set(paths["/v2.0/ports/{id}/tags/{tag}"]) == {"get", "put", "delete"}
    assert set(paths["/v2.0/networks/{id}/tags"]) == {"get", "put", "post", "delete"}


def test_openapi_states_the_kinds_constraints(doc):
    schemas = doc["components"]["schemas"]
    create = schemas["SubnetCreate"]["properties"]
    assert create["ip_version"]["enum"] == [4, 6]
    assert create["network_id"]["format"] == "uuid"
    assert create["cidr"]["format"] == "cidr"
    assert create["name"]["maxLength"] == 255
    mtu = schemas["NetworkCreate"]["properties"]["mtu"]
    assert (mtu["minimum"], mtu["maximum"]) == (0, 65535)  # a subnet needs 68 or 1280: 409 then
    assert "pattern" in schemas["PortCreate"]["properties"]["dns_name"]
    assert schemas["Network"]["properties"]["status"]["readOnly"] is True
    assert "readOnly" not in schemas["Network"]["properties"]["name"]
    assert schemas["SecurityGroupRuleCreate"]["required"] == ["direction", "security_group_id"]


def test_openapi_types_list_filters_by_the_attribute_kind(doc):
    params = {p["name"]: p["schema"] for p in doc["paths"]["/v2.0/subnets"]["get"]["parameters"]}
    assert params["ip_version"]["items"] == {"enum": [4, 6]}
    assert params["limit"] == {"type": "integer", "minimum": 0}
    assert "cidr" in params["sort_key"]["items"]["enum"]


def test_openapi_links_a_create_to_what_it_created(doc):
    links = doc["paths"]["/v2.0/networks"]["post"]["responses"]["201"]["links"]
    assert links["show"] == {"operationId": "show_network",
                             "parameters": {"path.id": "$response.body#/network/id"}}
    assert links["create_subnet"]["requestBody"] == {
        "subnet": {"network_id": "$response.body#/network/id"}}
    assert links["create_port"]["operationId"] == "create_port"
    targets = {op["operationId"] for item in doc["paths"].values() for op in item.values()}
    assert {link["operationId"] for link in links.values()} <= targets
