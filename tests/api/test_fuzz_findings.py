"""Requests the OpenAPI fuzzer (tests/fuzz) found answered with a 5xx, or refused although
the API reference allows them: each is pinned here as a user would see it."""
from __future__ import annotations

import pytest


@pytest.mark.parametrize("path, key", [("/v2.0/security-group-rules", "port_range_min"),
                                       ("/v2.0/security-group-rules", "port_range_max"),
                                       ("/v2.0/networks", "mtu")])
@pytest.mark.parametrize("value", [str(2**31), "21882902797467711963136", str(-2**63)])
def test_integer_filter_beyond_32_bits_is_400_naming_it(admin, path, key, value):
    # The database could not bind the value: a 500 before.
    r = admin.get(path, params={key: value})
    assert r.status == 400, r
    assert r.error_type == "HTTPBadRequest" and key in r.error_message


def test_integer_filter_within_32_bits_matches_nothing_when_nothing_has_it(admin):
    r = admin.get("/v2.0/security-group-rules", params={"port_range_min": str(2**31 - 1)})
    assert r.status == 200, r
    assert r.json["security_group_rules"] == []


def test_integer_given_as_integral_json_float_is_taken(admin):
    # JSON does not tell 1400.0 from 1400 (neither does JSON Schema's "integer").
    net = admin.network(mtu=1400.0)
    assert net["mtu"] == 1400 and isinstance(net["mtu"], int)


def test_integer_given_as_fractional_float_is_400_naming_it(admin):
    r = admin.post("/v2.0/networks", {"network": {"mtu": 1400.5}})
    assert r.status == 400, r
    assert "mtu" in r.error_message
