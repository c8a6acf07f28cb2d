"""Version and extension discovery, and the OpenAPI document."""

IMPLEMENTED = {
    "project-id", "standard-attr-description", "standard-attr-tag", "tag-creation",
    "standard-attr-timestamp", "standard-attr-revisions", "revision-if-match", "sorting",
    "pagination", "sort-key-validation", "filter-validation", "empty-string-filtering",
    "external-net", "subnet-external-network", "provider", "net-mtu", "net-mtu-writable", "port-security",
    "vlan-transparent", "network_availability_zone", "allowed-address-pairs", "extra_dhcp_opt",
    "binding", "ip_allocation", "dns-integration", "port-mac-address-regenerate",
    "ip-substring-filtering", "subnet-service-types", "network-ip-availability",
    "availability_zone", "availability_zone_filter", "rbac-policies",
    "quotas", "quota_details", "quota-check-limit", "quota-check-limit-default",
    "security-group", "stateful-security-group",
    "security-groups-normalized-cidr", "security-groups-rules-belongs-to-default-sg",
    "port-security-groups-filtering",
    "subnet_allocation", "default-subnetpools", "subnetpool-prefix-ops", "subnet_onboard",
    "rbac-subnetpool", "address-scope", "rbac-address-scope",
    # neutrino/services/l3 and neutrino/services/port_forwarding
    "router", "ext-gw-mode", "router-enable-snat", "extraroute", "extraroute-atomic", "l3-ha",
    "dvr", "router_availability_zone", "router-admin-state-down-before-update",
    "fip-port-details", "floatingip-pools", "floating-ip-port-forwarding",
    "floating-ip-port-forwarding-description", "floating-ip-port-forwarding-detail",
    "floating-ip-port-forwarding-port-ranges", "expose-port-forwarding-in-fip", "service-type",
    "flavors", "l3-flavors", "l3-port-ip-change-not-allowed",
    # neutrino/services/agents
    "agent", "dhcp_agent_scheduler", "l3_agent_scheduler", "agent-physical-networks",
    "pseudo-agents",
    # neutrino/services/qos
    "qos", "qos-default", "qos-port-network-policy", "qos-fip", "qos-bw-limit-direction",
    "qos-bw-minimum-ingress", "qos-rule-type-details", "qos-rule-type-filter", "qos-rules-alias",
    "qos-pps", "qos-pps-minimum", "qos-pps-minimum-rule-alias", "port-resource-request",
    "port-resource-request-groups", "agent-resources-synced", "qos-gateway-ip",
    # neutrino/services/logging
    "logging",
    # neutrino/services/segments
    "segment", "standard-attr-segment", "multi-provider", "binding-extended",
    "subnet-segmentid-writable",
    # neutrino/services/segment_ranges
    "network-segment-range",
    # neutrino/services/classifications
    "classifications",
    # neutrino/services/trunk
    "trunk", "trunk-details",
    # neutrino/services/sriov
    "uplink-status-propagation", "uplink-status-propagation-updatable",
    "port-numa-affinity-policy", "port-numa-affinity-policy-socket",
    # neutrino/services/driver_health
    "driver-health",
}


def test_root_lists_version_v2(admin):
    r = admin.get("/")
    assert r.status == 200
    assert [v["id"] for v in r.json["versions"]] == ["v2.0"]


def test_v2_root_lists_collections(admin):
    r = admin.get("/v2.0/")
    names = {res["collection"] for res in r.json["resources"]}
    assert {"networks", "subnets", "ports"} <= names


def test_extensions_list_exactly_the_implemented_aliases(admin):
    r = admin.get("/v2.0/extensions")
    assert r.status == 200
    assert {e["alias"] for e in r.json["extensions"]} == IMPLEMENTED


def test_extension_show_and_unknown_alias(admin):
    assert admin.get("/v2.0/extensions/provider").json["extension"]["alias"] == "provider"
    r = admin.get("/v2.0/extensions/no-such-thing")
    assert r.status == 404 and r.error_type == "ExtensionNotFound"


def test_sdk_sees_extensions(sdk):
    assert sdk.network.find_extension("standard-attr-tag") is not None


def test_openapi_document_describes_resources(admin):
    doc = admin.get("/openapi.json").json
    assert doc["openapi"].startswith("3.1")
    assert "/v2.0/ports/{id}" in doc["paths"]
    create = doc["components"]["schemas"]["PortCreate"]
    assert "network_id" in create["required"]
    assert "fixed_ips" in create["properties"]


def test_json_suffix_is_accepted(admin):
    net = admin.network()
    assert admin.get(f"/v2.0/networks/{net['id']}.json").json["network"]["id"] == net["id"]


def test_unknown_path_is_a_404_neutron_error(admin):
    r = admin.get("/v2.0/nonsense")
    assert r.status == 404 and r.error_type == "HTTPNotFound"
