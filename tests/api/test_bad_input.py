"""Bad input, table-driven: every writable attribute of networks, subnets and ports
with values of the wrong type, out of range or malformed; unknown and read-only
attributes; malformed, empty and misshapen bodies; garbage list queries.

Each case must be a 400 NeutronError whose message names the attribute or the
problem, and must change nothing: admin's whole lists of networks, subnets and
ports are equal before and after. The resources the cases aim at are made once
per module and server (``world``); since no case may change them, they are shared.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.support.client import Client

# Placeholders for ids of the shared resources, filled in per server.
NET, SUB, SUB6, PORT, OTHER_SUB = "<net>", "<sub>", "<sub6>", "<port>", "<other_sub>"
UNKNOWN = "6d5f3a4e-2b1c-4d8e-9f0a-1b2c3d4e5f60"


@dataclass(frozen=True)
class Case:
    method: str
    path: str
    body: Any = None
    raw: bytes | None = None
    params: tuple = ()
    words: tuple[str, ...] = ()  # each must appear in the error message (any case)


def cases(prefix: str, method: str, path: str, wrap, table, words=None):
    """One case per (label, value, *words) row; ``wrap`` turns a value into a body."""
    for label, value, *row_words in table:
        yield pytest.param(Case(method, path, wrap(value), words=tuple(row_words or words or ())),
                           id=f"{prefix}-{label}")


def attribute(res: str, coll: str, base: dict, attr: str, table, post=True, put=True):
    """Invalid values of one attribute, in POST (with a valid base body) and PUT.

    PUT converts values as POST does, so it gets the first two rows (usually wrong
    types) and every row whose check is the plugin's own (the rows naming words)."""
    if post:
        yield from cases(f"post-{res}-{attr}", "POST", f"/v2.0/{coll}",
                         lambda v: {res: {**base, attr: v}}, table, (attr,))
    if put:
        target = {"network": NET, "subnet": SUB, "port": PORT}[res]
        rows = [row for i, row in enumerate(table) if i < 2 or len(row) > 2]
        yield from cases(f"put-{res}-{attr}", "PUT", f"/v2.0/{coll}/{target}",
                         lambda v: {res: {attr: v}}, rows, (attr,))


LONG = "x" * 256
NUL = "nul\x00char"
WRONG_TYPES = [("int", 5), ("null", None), ("list", ["a"]), ("object", {"a": 1})]
STRING_255 = [("nul", NUL), ("256-chars", LONG), *WRONG_TYPES]
BOOLEAN = [("word", "maybe"), ("int-2", 2), ("null", None), ("list", [True]), ("float", 0.5)]

# ---- networks -----------------------------------------------------------------------------
NET_BASE: dict = {}
NETWORK_CASES = [
    *attribute("network", "networks", NET_BASE, "name", STRING_255),
    *attribute("network", "networks", NET_BASE, "description", STRING_255),
    *attribute("network", "networks", NET_BASE, "admin_state_up", BOOLEAN),
    *attribute("network", "networks", NET_BASE, "router:external", BOOLEAN[:2]),
    *attribute("network", "networks", NET_BASE, "port_security_enabled", BOOLEAN[:2]),
    *attribute("network", "networks", NET_BASE, "vlan_transparent", BOOLEAN[:2], put=False),
    *attribute("network", "networks", NET_BASE, "mtu", [
        ("negative", -1), ("above-65535", 65536), ("text", "big"), ("float", 1400.5),
        ("bool", True), ("null", None), ("huge", 2**70),
        ("above-the-type-maximum", 9000, "MTU")]),
    *attribute("network", "networks", NET_BASE, "dns_domain", [
        ("space", "bad domain."), ("leading-dash", "-bad.example."), ("int", 5),
        ("too-long", "a." * 128)]),
    *attribute("network", "networks", NET_BASE, "availability_zone_hints", [
        ("not-a-list", "nova"), ("int-item", [1]), ("duplicates", ["nova", "nova"]),
        ("long-item", [LONG])], put=False),
    *attribute("network", "networks", NET_BASE, "provider:network_type", [
        ("unknown-type", "gre"), ("int", 5), ("empty", "")], put=False),
    *attribute("network", "networks", NET_BASE, "provider:segmentation_id", [
        ("text", "abc"), ("negative", -1), ("above-24-bits", 2**24), ("float", 1.5)],
        put=False),
    *cases("post-network-provider", "POST", "/v2.0/networks", lambda v: {"network": v}, [
        ("segment-without-type", {"provider:segmentation_id": 5}, "provider:network_type"),
        ("physnet-without-type", {"provider:physical_network": "physnet1"},
         "provider:network_type"),
        ("flat-without-physnet", {"provider:network_type": "flat"}, "physical_network"),
        ("vxlan-with-physnet", {"provider:network_type": "vxlan",
                                "provider:physical_network": "physnet1"}, "physical_network"),
        ("vlan-unknown-physnet", {"provider:network_type": "vlan",
                                  "provider:physical_network": "no-such-physnet",
                                  "provider:segmentation_id": 10}, "physical_network"),
        ("vlan-id-4095", {"provider:network_type": "vlan",
                          "provider:physical_network": "physnet1",
                          "provider:segmentation_id": 4095}, "segmentation_id"),
        ("vxlan-id-0", {"provider:network_type": "vxlan", "provider:segmentation_id": 0},
         "segmentation_id"),
        ("physnet-int", {"provider:network_type": "flat", "provider:physical_network": 5},
         "provider:physical_network"),
    ]),
    *attribute("network", "networks", NET_BASE, "project_id", [
        ("int", 5), ("null", None), ("256-chars", LONG)], put=False),
    *cases("post-network-owner", "POST", "/v2.0/networks", lambda v: {"network": v}, [
        ("project-and-tenant-differ", {"project_id": "a", "tenant_id": "b"}, "project_id",
         "tenant_id"),
    ]),
]

# ---- subnets --------------------------------------------------------------------------------
SUB_BASE = {"network_id": NET, "ip_version": 4, "cidr": "10.82.0.0/24"}
SUB6_BASE = {"network_id": NET, "ip_version": 6, "cidr": "fd82::/64"}
POOL = {"start": "10.82.0.10", "end": "10.82.0.20"}
ROUTE = {"destination": "192.0.2.0/24", "nexthop": "10.82.0.1"}
SUBNET_CASES = [
    *attribute("subnet", "subnets", SUB_BASE, "name", STRING_255),
    *attribute("subnet", "subnets", SUB_BASE, "description", STRING_255[:2]),
    *attribute("subnet", "subnets", SUB_BASE, "network_id", [
        ("not-a-uuid", "net-1"), ("int", 5), ("null", None)], put=False),
    *attribute("subnet", "subnets", SUB_BASE, "ip_version", [
        ("five", 5), ("word", "four"), ("text-5", "5"), ("float", 4.0), ("null", None),
        ("bool", True)], put=False),
    *attribute("subnet", "subnets", SUB_BASE, "cidr", [
        ("prefix-33", "10.82.0.0/33"), ("no-prefix", "10.82.0.0"), ("word", "ten"),
        ("int", 10), ("trailing-space", "10.82.0.0/24 "), ("octet-256", "10.82.256.0/24"),
        ("v6-on-v4", "fd82::/64", "ip_version"), ("slash-32", "10.82.0.0/32", "prefix"),
        ("slash-0", "0.0.0.0/0", "prefix"), ("multicast", "224.0.0.0/24", "multicast"),
        ("loopback", "127.0.0.0/24", "loopback"),
        ("overlaps-existing", "10.80.0.128/25", "overlaps")], put=False),
    *attribute("subnet", "subnets", SUB_BASE, "gateway_ip", [
        ("word", "gateway"), ("int", 5), ("cidr", "10.82.0.1/24"), ("v6", "fd82::1", "Gateway"),
        ("leading-zero", "010.82.0.1")]),
    *cases("post-subnet-gateway_ip", "POST", "/v2.0/subnets",
           lambda v: {"subnet": {**SUB_BASE, "gateway_ip": v}}, [
               ("outside-cidr", "10.99.0.1", "Gateway"),
               ("network-address", "10.82.0.0", "Gateway"),
               ("broadcast", "10.82.0.255", "Gateway")]),
    *cases("put-subnet-gateway_ip", "PUT", f"/v2.0/subnets/{SUB}",
           lambda v: {"subnet": {"gateway_ip": v}}, [
               ("outside-cidr", "10.99.0.1", "Gateway"),
               ("inside-pool", "10.80.0.50", "Gateway", "pool")]),
    *attribute("subnet", "subnets", SUB_BASE, "allocation_pools", [
        ("not-a-list", POOL), ("null", None), ("item-not-object", ["10.82.0.10-10.82.0.20"]),
        ("bad-start", [{**POOL, "start": "x"}]), ("missing-end", [{"start": "10.82.0.10"}]),
        ("extra-key", [{**POOL, "size": 11}]),
        ("outside-cidr", [{"start": "10.82.0.10", "end": "10.83.0.20"}], "10.83.0.20"),
        ("start-after-end", [{"start": "10.82.0.20", "end": "10.82.0.10"}], "allocation pool"),
        ("overlapping", [POOL, {"start": "10.82.0.15", "end": "10.82.0.30"}], "overlapping"),
        ("other-version", [{"start": "fd82::10", "end": "fd82::20"}], "allocation pool")],
        put=False),
    *cases("put-subnet-allocation_pools", "PUT", f"/v2.0/subnets/{SUB}",
           lambda v: {"subnet": {"allocation_pools": v}}, [
               ("not-a-list", {"start": "10.80.0.10", "end": "10.80.0.20"}, "allocation_pools"),
               ("outside-cidr", [{"start": "10.80.0.10", "end": "10.80.1.20"}], "10.80.1.20"),
               ("holding-the-gateway", [{"start": "10.80.0.1", "end": "10.80.0.20"}],
                "Gateway")]),
    *attribute("subnet", "subnets", SUB_BASE, "dns_nameservers", [
        ("not-a-list", "8.8.8.8"), ("bad-address", ["dns.example"]), ("object", [{"a": 1}]),
        ("duplicates", ["8.8.8.8", "8.8.8.8"], "Duplicate"),
        ("six", [f"192.0.2.{i}" for i in range(1, 7)], "DNS nameservers")]),
    *attribute("subnet", "subnets", SUB_BASE, "host_routes", [
        ("not-a-list", ROUTE), ("bad-destination", [{**ROUTE, "destination": "x"}]),
        ("bad-nexthop", [{**ROUTE, "nexthop": "x"}]),
        ("missing-nexthop", [{"destination": "192.0.2.0/24"}]),
        ("extra-key", [{**ROUTE, "metric": 1}]), ("duplicates", [ROUTE, ROUTE]),
        ("other-version", [{"destination": "2001:db8::/64", "nexthop": "fd82::1"}],
         "host route"),
        ("twenty-one", [{"destination": f"192.0.{i}.0/24", "nexthop": "10.82.0.1"}
                        for i in range(21)], "host routes")]),
    *attribute("subnet", "subnets", SUB_BASE, "enable_dhcp", BOOLEAN[:3]),
    *attribute("subnet", "subnets", SUB6_BASE, "ipv6_ra_mode", [
        ("unknown", "radvd"), ("int", 6)], put=False),
    *attribute("subnet", "subnets", SUB6_BASE, "ipv6_address_mode", [
        ("unknown", "eui64"), ("bool", True)], put=False),
    *cases("post-subnet-ipv6-modes", "POST", "/v2.0/subnets", lambda v: {"subnet": v}, [
        ("on-ipv4", {**SUB_BASE, "ipv6_address_mode": "slaac"}, "ipv6_address_mode"),
        ("ra-and-address-differ", {**SUB6_BASE, "ipv6_ra_mode": "slaac",
                                   "ipv6_address_mode": "dhcpv6-stateful"}, "ipv6_ra_mode"),
        ("ra-slaac-not-64", {**SUB6_BASE, "cidr": "fd82::/80", "ipv6_ra_mode": "slaac"}, "prefix"),
        ("mode-with-dhcp-off", {**SUB6_BASE, "ipv6_ra_mode": "dhcpv6-stateful", "enable_dhcp": False},
         "enable_dhcp"),
        ("slaac-not-64", {**SUB6_BASE, "cidr": "fd82::/80", "ipv6_address_mode": "slaac"},
         "prefix"),
    ]),
    *attribute("subnet", "subnets", SUB_BASE, "service_types", [
        ("not-a-list", "compute:nova"), ("int-item", [1]),
        ("duplicates", ["compute:nova", "compute:nova"]), ("nul", [NUL])]),
]

# ---- ports ----------------------------------------------------------------------------------
PORT_BASE = {"network_id": NET}
PORT_CASES = [
    *attribute("port", "ports", PORT_BASE, "name", STRING_255),
    *attribute("port", "ports", PORT_BASE, "description", STRING_255[:2]),
    *attribute("port", "ports", PORT_BASE, "network_id", [
        ("not-a-uuid", "net-1"), ("int", 5), ("null", None)], put=False),
    *attribute("port", "ports", PORT_BASE, "admin_state_up", BOOLEAN[:2]),
    *attribute("port", "ports", PORT_BASE, "mac_address", [
        ("word", "mac"), ("short", "fa:16:3e:00:00"), ("multicast", "01:00:5e:00:00:01"),
        ("zero", "00:00:00:00:00:00"), ("int", 5), ("bad-digit", "fa:16:3e:00:00:0g")]),
    *attribute("port", "ports", PORT_BASE, "fixed_ips", [
        ("not-a-list", {"ip_address": "10.80.0.5"}), ("string-item", ["10.80.0.5"]),
        ("bad-subnet-id", [{"subnet_id": "sub-1"}]), ("bad-address", [{"ip_address": "x"}]),
        ("unknown-key", [{"address": "10.80.0.5"}]), ("null", None),
        ("empty-item", [{}], "subnet_id"),
        ("address-off-network", [{"ip_address": "192.0.2.1"}], "192.0.2.1"),
        ("address-not-in-subnet", [{"subnet_id": SUB, "ip_address": "10.81.0.5"}],
         "10.81.0.5"),
        ("network-address", [{"ip_address": "10.80.0.0"}], "10.80.0.0"),
        ("broadcast", [{"ip_address": "10.80.0.255"}], "10.80.0.255"),
        ("subnet-of-other-network", [{"subnet_id": OTHER_SUB}], OTHER_SUB),
        ("unknown-subnet", [{"subnet_id": UNKNOWN}], UNKNOWN),
        ("same-address-twice", [{"ip_address": "10.80.0.77"}] * 2, "Duplicate"),
        ("seventeen", [{"subnet_id": SUB}] * 17, "fixed ips")]),
    *attribute("port", "ports", PORT_BASE, "device_id", STRING_255[:3]),
    *attribute("port", "ports", PORT_BASE, "device_owner", STRING_255[:3]),
    *attribute("port", "ports", PORT_BASE, "allowed_address_pairs", [
        ("not-a-list", {"ip_address": "10.80.0.9"}), ("bad-address", [{"ip_address": "x"}]),
        ("missing-address", [{"mac_address": "fa:16:3e:00:00:01"}]),
        ("bad-mac", [{"ip_address": "10.80.0.9", "mac_address": "mac"}]),
        ("extra-key", [{"ip_address": "10.80.0.9", "port": 1}]),
        ("prefix-99", [{"ip_address": "10.80.0.0/99"}]),
        ("duplicates", [{"ip_address": "10.80.0.9"}] * 2, "Duplicate"),
        ("eleven", [{"ip_address": f"10.80.1.{i}"} for i in range(11)],
         "allowed address pairs")]),
    *attribute("port", "ports", PORT_BASE, "extra_dhcp_opts", [
        ("not-a-list", {"opt_name": "a", "opt_value": "b"}),
        ("empty-name", [{"opt_name": "", "opt_value": "b"}]),
        ("long-name", [{"opt_name": "n" * 65, "opt_value": "b"}]),
        ("missing-value", [{"opt_name": "a"}]),
        ("version-5", [{"opt_name": "a", "opt_value": "b", "ip_version": 5}]),
        ("long-value", [{"opt_name": "a", "opt_value": LONG}])]),
    *attribute("port", "ports", PORT_BASE, "port_security_enabled", BOOLEAN[:2]),
    *attribute("port", "ports", PORT_BASE, "dns_name", [
        ("space", "my host"), ("64-chars", "h" * 64), ("leading-dash", "-host"),
        ("fqdn", "host.example."), ("int", 5)]),
    *attribute("port", "ports", PORT_BASE, "binding:host_id", STRING_255[:3]),
    *attribute("port", "ports", PORT_BASE, "binding:vnic_type", [
        ("unknown", "fast"), ("int", 1), ("null", None)]),
    *attribute("port", "ports", PORT_BASE, "binding:profile", [
        ("string", "profile"), ("list", [1]), ("int", 1)]),
]

# ---- attributes that are unknown or not writable -----------------------------------------
RESOURCES = [("network", "networks", NET_BASE, NET), ("subnet", "subnets", SUB_BASE, SUB),
             ("port", "ports", PORT_BASE, PORT)]
READ_ONLY_POST = {
    "network": {"id": UNKNOWN, "status": "DOWN", "subnets": [],
                "availability_zones": [], "tags": ["t"], "created_at": "2020-01-01T00:00:00Z",
                "updated_at": "2020-01-01T00:00:00Z", "revision_number": 7},
    "subnet": {"id": UNKNOWN, "tags": [], "revision_number": 1},
    "port": {"id": UNKNOWN, "status": "ACTIVE", "binding:vif_type": "ovs",
             "binding:vif_details": {}, "dns_assignment": [], "ip_allocation": "none",
             "tags": ["t"], "created_at": "2020-01-01T00:00:00Z"},
}
READ_ONLY_PUT = {
    "network": {"id": UNKNOWN, "status": "DOWN", "project_id": "other", "tenant_id": "other",
                "provider:network_type": "vxlan", "provider:segmentation_id": 5,
                "vlan_transparent": True, "availability_zone_hints": [], "tags": [],
                "revision_number": 1},
    "subnet": {"network_id": UNKNOWN, "cidr": "10.80.0.0/25", "ip_version": 6,
               "ipv6_ra_mode": "slaac", "project_id": "other", "created_at": "x"},
    "port": {"network_id": UNKNOWN, "status": "ACTIVE", "binding:vif_type": "ovs",
             "dns_assignment": [], "project_id": "other", "updated_at": "x"},
}
SHAPE_CASES = []
for res, coll, base, target in RESOURCES:
    SHAPE_CASES += [
        pytest.param(Case("POST", f"/v2.0/{coll}", {res: {**base, "colour": "red"}},
                          words=("Unrecognized", "colour")), id=f"post-{res}-unknown-attribute"),
        pytest.param(Case("PUT", f"/v2.0/{coll}/{target}", {res: {"colour": "red", "x": 1}},
                          words=("Unrecognized", "colour", "x")),
                     id=f"put-{res}-unknown-attributes"),
        pytest.param(Case("POST", f"/v2.0/{coll}", {res: {**base, "logging_policy_id": None}},
                          words=("logging_policy_id",)), id=f"post-{res}-attribute-of-no-extension"),
    ]
    for attr, value in READ_ONLY_POST[res].items():
        expected = ("not allowed in POST", attr)
        SHAPE_CASES.append(pytest.param(
            Case("POST", f"/v2.0/{coll}", {res: {**base, attr: value}}, words=expected),
            id=f"post-{res}-read-only-{attr}"))
    for attr, value in READ_ONLY_PUT[res].items():
        expected = ("read-only", attr)
        SHAPE_CASES.append(pytest.param(
            Case("PUT", f"/v2.0/{coll}/{target}", {res: {attr: value}}, words=expected),
            id=f"put-{res}-read-only-{attr}"))
    for method, path in (("POST", f"/v2.0/{coll}"), ("PUT", f"/v2.0/{coll}/{target}")):
        low = method.lower()
        SHAPE_CASES += [
            pytest.param(Case(method, path, raw=b'{"' + res.encode() + b'": {',
                              words=("JSON",)), id=f"{low}-{res}-malformed-json"),
            pytest.param(Case(method, path, raw=b"{'single': 'quotes'}", words=("JSON",)),
                         id=f"{low}-{res}-single-quoted-json"),
            pytest.param(Case(method, path, raw=b"", words=("empty",)),
                         id=f"{low}-{res}-empty-body"),
            pytest.param(Case(method, path, raw=b"\xff\xfe{}", words=("JSON",)),
                         id=f"{low}-{res}-not-utf8"),
            pytest.param(Case(method, path, {"thing": {}}, words=(f"'{res}'",)),
                         id=f"{low}-{res}-wrong-top-level-key"),
            pytest.param(Case(method, path, {res: {}, "extra": {}}, words=(f"'{res}'",)),
                         id=f"{low}-{res}-extra-top-level-key"),
            pytest.param(Case(method, path, raw=b"[]", words=(f"'{res}'",)),
                         id=f"{low}-{res}-body-a-list"),
            pytest.param(Case(method, path, raw=b'"text"', words=(f"'{res}'",)),
                         id=f"{low}-{res}-body-a-string"),
            pytest.param(Case(method, path, raw=b"42", words=(f"'{res}'",)),
                         id=f"{low}-{res}-body-a-number"),
            pytest.param(Case(method, path, raw=b"null", words=(f"'{res}'",)),
                         id=f"{low}-{res}-body-null"),
            pytest.param(Case(method, path, {res: [base]}, words=(f"'{res}'", "object")),
                         id=f"{low}-{res}-resource-a-list"),
            pytest.param(Case(method, path, {res: "x"}, words=(f"'{res}'", "object")),
                         id=f"{low}-{res}-resource-a-string"),
        ]
    SHAPE_CASES.append(pytest.param(
        Case("PUT", f"/v2.0/{coll}/{target}", {coll: [{}]}, words=(f"'{res}'",)),
        id=f"put-{res}-bulk-body"))
SHAPE_CASES += [
    pytest.param(Case("POST", "/v2.0/subnets", {"subnet": {"network_id": NET, "ip_version": 4}},
                      words=("subnetpool", "cidr")), id="post-subnet-missing-cidr"),
    pytest.param(Case("POST", "/v2.0/subnets", {"subnet": {"network_id": NET,
                                                           "cidr": "10.82.0.0/24"}},
                      words=("Required", "ip_version")), id="post-subnet-missing-ip_version"),
    pytest.param(Case("POST", "/v2.0/subnets", {"subnet": {"ip_version": 4,
                                                           "cidr": "10.82.0.0/24"}},
                      words=("Required", "network_id")), id="post-subnet-missing-network_id"),
    pytest.param(Case("POST", "/v2.0/ports", {"port": {"name": "p"}},
                      words=("Required", "network_id")), id="post-port-missing-network_id"),
]

# ---- list queries -------------------------------------------------------------------------
QUERY_CASES = [pytest.param(Case("GET", f"/v2.0/{coll}", params=params, words=words),
                            id=f"get-{coll}-{label}")
               for coll, label, params, words in [
    ("networks", "unknown-filter", [("colour", "red")], ("colour", "filtering")),
    ("networks", "unknown-filters", [("a", "1"), ("b", "2")], ("'a'", "'b'")),
    ("networks", "not-filterable", [("subnets", SUB)], ("subnets",)),
    ("networks", "bool-word", [("admin_state_up", "maybe")], ("admin_state_up",)),
    ("networks", "int-word", [("mtu", "big")], ("mtu",)),
    ("networks", "int-too-big", [("mtu", "70000")], ("mtu",)),
    ("networks", "revision-huge", [("revision_number", str(2**70))], ("revision_number",)),
    ("networks", "revision-negative", [("revision_number", "-1")], ("revision_number",)),
    ("networks", "segmentation-id-word", [("provider:segmentation_id", "x")],
     ("provider:segmentation_id",)),
    ("networks", "network-type-unknown", [("provider:network_type", "gre")],
     ("provider:network_type",)),
    ("networks", "id-not-uuid", [("id", "net-1")], ("id",)),
    ("networks", "nul-in-name", [("name", NUL)], ("name", "NUL")),
    ("networks", "nul-in-tags", [("tags", NUL)], ("tags", "NUL")),
    ("networks", "nul-in-key", [("na\x00me", "x")], ("NUL",)),
    ("networks", "nul-in-marker", [("limit", "1"), ("marker", NUL)], ("marker", "NUL")),
    ("networks", "changed-since-word", [("changed_since", "yesterday")], ("changed_since",)),
    ("networks", "limit-word", [("limit", "ten")], ("Limit",)),
    ("networks", "limit-negative", [("limit", "-5")], ("Limit",)),
    ("networks", "sort-key-unknown", [("sort_key", "colour")], ("colour", "sort")),
    ("networks", "sort-dir-unknown", [("sort_key", "name"), ("sort_dir", "up")], ("sort_dir",)),
    ("subnets", "ip-version-5", [("ip_version", "5")], ("ip_version",)),
    ("subnets", "enable-dhcp-word", [("enable_dhcp", "sometimes")], ("enable_dhcp",)),
    ("subnets", "network-id-not-uuid", [("network_id", "net-1")], ("network_id",)),
    ("subnets", "cidr-garbage", [("cidr", "10.0.0.0/99")], ("cidr",)),
    ("subnets", "gateway-garbage", [("gateway_ip", "gw")], ("gateway_ip",)),
    ("subnets", "not-filterable", [("allocation_pools", "x")], ("allocation_pools",)),
    ("subnets", "ipv6-mode-unknown", [("ipv6_address_mode", "eui64")], ("ipv6_address_mode",)),
    ("ports", "fixed-ips-no-key", [("fixed_ips", "10.80.0.5")], ("fixed_ips",)),
    ("ports", "fixed-ips-unknown-key", [("fixed_ips", "address=10.80.0.5")], ("fixed_ips",)),
    ("ports", "fixed-ips-bad-address", [("fixed_ips", "ip_address=x")], ("fixed_ips",)),
    ("ports", "fixed-ips-bad-subnet", [("fixed_ips", "subnet_id=x")], ("fixed_ips",)),
    ("ports", "nul-in-ip-address", [("ip_address", NUL)], ("ip_address", "NUL")),
    ("ports", "nul-in-substring", [("fixed_ips", "ip_address_substr=" + NUL)], ("NUL",)),
    ("ports", "mac-garbage", [("mac_address", "mac")], ("mac_address",)),
    ("ports", "vnic-type-unknown", [("binding:vnic_type", "fast")], ("binding:vnic_type",)),
    ("ports", "not-filterable", [("allowed_address_pairs", "x")], ("allowed_address_pairs",)),
    ("ports", "sort-not-sortable", [("sort_key", "fixed_ips")], ("fixed_ips",)),
]]

ALL_CASES = [*NETWORK_CASES, *SUBNET_CASES, *PORT_CASES, *SHAPE_CASES, *QUERY_CASES]


# ---- the shared world and the runner ----------------------------------------------------
@pytest.fixture(scope="module")
def world(server):
    admin = Client(server.url)
    net = admin.network(name="bad-input")
    sub = admin.subnet(net["id"], "10.80.0.0/24",
                       allocation_pools=[{"start": "10.80.0.10", "end": "10.80.0.200"}])
    sub6 = admin.subnet(net["id"], "fd80::/64")
    port = admin.port(net["id"], name="bad-input", fixed_ips=[{"ip_address": "10.80.0.10"}])
    other = admin.network(name="bad-input-other")
    other_sub = admin.subnet(other["id"], "10.81.0.0/24")
    ids = {NET: net["id"], SUB: sub["id"], SUB6: sub6["id"], PORT: port["id"],
           OTHER_SUB: other_sub["id"]}
    return admin, ids


def fill(value: Any, ids: dict[str, str]) -> Any:
    if isinstance(value, str):
        for placeholder, real in ids.items():
            value = value.replace(placeholder, real)
        return value
    if isinstance(value, list):
        return [fill(v, ids) for v in value]
    if isinstance(value, dict):
        return {fill(k, ids): fill(v, ids) for k, v in value.items()}
    return value


def send(admin: Client, case: Case, ids: dict[str, str]):
    path = fill(case.path, ids)
    params = [(k, fill(v, ids)) for k, v in case.params] or None
    if case.raw is not None:
        return admin.request(case.method, path, data=case.raw, params=params,
                             headers={"Content-Type": "application/json"})
    return admin.request(case.method, path, json=fill(case.body, ids), params=params)


@pytest.mark.parametrize("case", ALL_CASES)
def test_bad_input_is_400_naming_the_problem_and_changes_nothing(world, case):
    admin, ids = world
    before = admin.snapshot()
    r = send(admin, case, ids)
    assert r.status == 400, r
    assert r.json["NeutronError"]["type"] and r.json["NeutronError"]["detail"] == ""
    message = r.error_message.lower()
    for word in case.words:
        assert fill(word, ids).lower() in message, (word, r.error_message)
    assert admin.snapshot() == before


def test_every_base_body_is_valid_on_its_own(world):
    """Proof that the cases fail for their bad value, not for the body around it."""
    admin, ids = world
    for coll, res, base in (("networks", "network", NET_BASE), ("subnets", "subnet", SUB_BASE),
                            ("subnets", "subnet", SUB6_BASE), ("ports", "port", PORT_BASE)):
        r = admin.post(f"/v2.0/{coll}", {res: fill(base, ids)})
        assert r.status == 201, (res, r)
        assert admin.delete(f"/v2.0/{coll}/{r.json[res]['id']}").status == 204


@pytest.mark.parametrize("method,suffix", [("GET", ""), ("PUT", ""), ("DELETE", ""),
                                           ("GET", "/tags"), ("PUT", "/tags/t")],
                         ids=["show", "update", "delete", "tags", "add-tag"])
def test_id_with_nul_in_the_path_names_nothing(world, method, suffix):
    admin, _ids = world
    before = admin.snapshot()
    r = admin.request(method, f"/v2.0/networks/net%00work{suffix}",
                      json={"network": {"name": "x"}} if method == "PUT" and not suffix else None)
    assert r.status == 404 and r.error_type, r
    assert admin.snapshot() == before


@pytest.mark.parametrize("body", [{"tags": [NUL]}, {"tags": ["ok", "x" * 256]}],
                         ids=["nul", "too-long"])
def test_bad_tags_on_the_shared_network_change_nothing(world, body):
    admin, ids = world
    before = admin.snapshot()
    r = admin.put(f"/v2.0/networks/{ids[NET]}/tags", body)
    assert r.status == 400 and "tags" in r.error_message
    assert admin.snapshot() == before
