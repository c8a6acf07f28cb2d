"""QoS (qos and the extensions around it): policies, their rules by type, the rule
types the drivers support, and the qos_policy_id of ports, networks and floating
IPs; port-resource-request(-groups): what a port asks Placement for."""
from neutrino.definitions.base import REQUIRED, Attribute, Extension, Resource
from neutrino.definitions.common import ID, NAME, OWNED
from neutrino.definitions.kinds import (
    AnyDict,
    Boolean,
    Integer,
    ListOf,
    Nullable,
    OneOf,
    String,
    Uuid,
)

INT_MAX = 2**31 - 1
KBPS = Integer(0, INT_MAX)
# The DSCP values Neutron accepts: 0, the class selectors, the assured forwarding
# classes, VOICE-ADMIT (44) and expedited forwarding (46).
VALID_DSCP_MARKS = (0, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30, 32, 34, 36, 38, 40,
                    44, 46, 48, 56)
DIRECTIONS = ("egress", "ingress")
DIRECTIONS_AND_ANY = ("egress", "ingress", "any")
POLICIES_PATH = "qos/policies"

RULE_ID = Attribute("id", Uuid(), "The rule's UUID.", filter=True, sort=True)


def _direction(values: tuple[str, ...]) -> Attribute:
    return Attribute("direction", OneOf(values), "Traffic direction, from the VM's side.",
                     default="egress", post=True, put=True, filter=True, sort=True)


def _int(name: str, doc: str, default=REQUIRED) -> Attribute:
    return Attribute(name, KBPS, doc, default=default, post=True, put=True, filter=True,
                     sort=True)


# Each rule type: (type name, its attributes).
RULE_TYPES = {
    "bandwidth_limit": (
        _int("max_kbps", "Maximum rate, kbit/s."),
        _int("max_burst_kbps", "Maximum burst, kbit.", default=0),
        _direction(DIRECTIONS)),
    "dscp_marking": (
        Attribute("dscp_mark", OneOf(VALID_DSCP_MARKS, to_int=True), "The DSCP mark set on "
                  "the traffic.", default=REQUIRED, post=True, put=True, filter=True, sort=True),),
    "minimum_bandwidth": (
        _int("min_kbps", "Guaranteed minimum rate, kbit/s."),
        _direction(DIRECTIONS)),
    "minimum_packet_rate": (
        _int("min_kpps", "Guaranteed minimum packet rate, kpps."),
        _direction(DIRECTIONS_AND_ANY)),
    "packet_rate_limit": (
        _int("max_kpps", "Maximum packet rate, kpps."),
        _int("max_burst_kpps", "Maximum burst, kilo-packets.", default=0),
        _direction(DIRECTIONS)),
}


def _rule(rule_type: str) -> Resource:
    return Resource(name=f"{rule_type}_rule", collection=f"{rule_type}_rules",
                    parent=POLICIES_PATH, parent_key="qos_policy_id", standard_attributes=False,
                    project_scoped=False, bulk=False,
                    attributes=(RULE_ID, Attribute(
                        "qos_policy_id", Uuid(), "The policy the rule belongs to.", visible=False,
                        filter=True, references=POLICIES_PATH), *RULE_TYPES[rule_type]))


def _alias(rule_type: str) -> Resource:
    """``/v2.0/qos/alias_<type>_rules/{id}``: a rule without its policy's id."""
    attrs = tuple(Attribute(a.name, a.kind, a.description, default=a.default, put=True,
                            filter=a.filter, sort=a.sort) for a in RULE_TYPES[rule_type])
    return Resource(name=f"alias_{rule_type}_rule", collection=f"alias_{rule_type}_rules",
                    path=f"qos/alias_{rule_type}_rules", standard_attributes=False,
                    project_scoped=False, bulk=False, creatable=False,
                    attributes=(RULE_ID,
                                Attribute("tenant_id", String(255), "The policy's project."),
                                Attribute("qos_policy_id", Uuid(), "The rule's policy.",
                                          visible=False, references=POLICIES_PATH),
                                *attrs))


POLICY = Resource(
    name="policy", collection="policies", path=POLICIES_PATH,
    attributes=(
        ID, NAME, *OWNED,
        Attribute("shared", Boolean(), "Shared with every project (or with the caller's).",
                  default=False, post=True, put=True, filter=True),
        Attribute("rules", ListOf(AnyDict()), "The policy's rules, each with its type."),
    ),
)
RULES = {t: _rule(t) for t in RULE_TYPES}
ALIASES = {t: _alias(t) for t in ("bandwidth_limit", "dscp_marking", "minimum_bandwidth",
                                  "minimum_packet_rate")}

RULE_TYPE = Resource(
    name="rule_type", collection="rule_types", path="qos/rule-types", standard_attributes=False,
    project_scoped=False, writable=False, bulk=False, id_attribute="type",
    extra_filters=("all_supported", "all_rules"),
    attributes=(
        Attribute("type", String(255), "The rule type's name.", filter=True),
        # Shown by GET /qos/rule-types/{type} only (qos-rule-type-details).
        Attribute("drivers", ListOf(AnyDict()), "The drivers supporting it and the values "
                  "each takes."),
    ),
)

QOS_POLICY_ID = Attribute("qos_policy_id", Nullable(Uuid()), "The QoS policy applied to it.",
                          default=None, post=True, put=True)

QOS = Extension(
    alias="qos", name="Quality of Service", description="The Quality of Service extension.",
    updated="2015-06-08T10:00:00-00:00",
    resources=(POLICY, RULES["bandwidth_limit"], RULES["dscp_marking"],
               RULES["minimum_bandwidth"], RULE_TYPE),
    extends={"ports": (QOS_POLICY_ID,), "networks": (QOS_POLICY_ID,)},
)
QOS_DEFAULT = Extension(
    alias="qos-default", name="QoS default policy",
    description="Expose the QoS default policy per project", updated="2017-04-10T10:00:00-00:00",
    extends={"policies": (Attribute("is_default", Boolean(), "The project's default policy: "
                                    "new networks without one get it.", default=False, post=True,
                                    put=True, filter=True),)},
    requires=("qos",))
QOS_PORT_NETWORK_POLICY = Extension(
    alias="qos-port-network-policy", name="QoS port network policy extension",
    description="Adds a the QoS network ID to the port definition",
    updated="2019-11-01T10:00:00-00:00",
    extends={"ports": (Attribute("qos_network_policy_id", Nullable(Uuid()),
                                 "The QoS policy of the port's network."),)},
    requires=("qos",))
QOS_FIP = Extension(
    alias="qos-fip", name="Floating IP QoS",
    description="The floating IP Quality of Service extension",
    updated="2017-07-20T00:00:00-00:00", extends={"floatingips": (QOS_POLICY_ID,)},
    requires=("qos", "router"))
QOS_GATEWAY_IP = Extension(
    alias="qos-gateway-ip", name="Router gateway IP QoS",
    description="The Router gateway IP Quality of Service extension",
    updated="2018-02-24T00:00:00-00:00", requires=("router", "qos", "ext-gw-mode"))
QOS_BW_LIMIT_DIRECTION = Extension(
    alias="qos-bw-limit-direction", name="Direction for QoS bandwidth limit rule",
    description="Allow to configure QoS bandwidth limit rule with specific direction: ingress "
                "or egress", updated="2017-08-01T10:00:00-00:00", requires=("qos",))
QOS_BW_MINIMUM_INGRESS = Extension(
    alias="qos-bw-minimum-ingress", name="Ingress direction for QoS minimum bandwidth rule",
    description="Allow to configure QoS minumum bandwidth rule with ingress direction.",
    updated="2018-07-09T10:00:00-00:00", requires=("qos",))
QOS_RULE_TYPE_DETAILS = Extension(
    alias="qos-rule-type-details", name="Details of QoS rule types",
    description="Expose details about QoS rule types supported by loaded backend drivers",
    updated="2017-06-22T10:00:00-00:00", requires=("qos",))
QOS_RULE_TYPE_FILTER = Extension(
    alias="qos-rule-type-filter", name="QoS rule type filter extension",
    description="Add the QoS rule type filters 'all_supported' and 'all_rules'",
    updated="2021-10-14T10:00:00-00:00", requires=("qos",))
QOS_RULES_ALIAS = Extension(
    alias="qos-rules-alias", name="Quality of Service rules alias API",
    description="API to enable GET, PUT and DELETE operations on QoS policy rules without "
                "specifying policy ID", updated="2018-10-07T10:00:00-00:00",
    resources=(ALIASES["bandwidth_limit"], ALIASES["dscp_marking"],
               ALIASES["minimum_bandwidth"]),
    requires=("qos", "qos-bw-limit-direction"))
QOS_PPS = Extension(
    alias="qos-pps", name="QoS Rule Type Packet per Second Extension",
    description="Add QoS Rule Type Packet per Second", updated="2021-05-12T10:00:00-00:00",
    resources=(RULES["packet_rate_limit"],), requires=("qos",))
QOS_PPS_MINIMUM = Extension(
    alias="qos-pps-minimum", name="QoS minimum packet rate rule",
    description="Allow to configure QoS minimum packet rate rule.",
    updated="2021-07-14T10:00:00-00:00", resources=(RULES["minimum_packet_rate"],),
    requires=("qos",))
QOS_PPS_MINIMUM_ALIAS = Extension(
    alias="qos-pps-minimum-rule-alias", name="QoS minimum packet rate rule alias",
    description="API to enable GET, PUT and DELETE operations on QoS minimum packet rate rule "
                "without specifying policy ID", updated="2021-07-14T10:00:00-00:00",
    resources=(ALIASES["minimum_packet_rate"],), requires=("qos", "qos-pps-minimum"))
PORT_RESOURCE_REQUEST = Extension(
    alias="port-resource-request", name="Port Resource Request",
    description="Expose resource request to Port", updated="2018-05-08T10:00:00-00:00",
    extends={"ports": (Attribute("resource_request", Nullable(AnyDict()),
                                 "What the port needs from Placement (admin only): "
                                 "request_groups and same_subtree."),)},
    requires=("qos",))
PORT_RESOURCE_REQUEST_GROUPS = Extension(
    alias="port-resource-request-groups", name="Port Resource Request Groups",
    description="Introduce the port.resource_request as a list of request groups",
    updated="2021-08-02T10:00:00-00:00", requires=("port-resource-request",))

AGENT_RESOURCES_SYNCED = Extension(
    alias="agent-resources-synced", name="Agent's Resource View Synced to Placement",
    description="Stores success/failure of last sync to Placement",
    updated="2018-08-01T00:00:00-00:00",
    extends={"agents": (Attribute("resources_synced", Nullable(Boolean()),
                                  "Whether Placement holds what the agent last reported "
                                  "(null: never tried)."),)},
    requires=("agent",))

EXTENSIONS = [QOS, QOS_DEFAULT, QOS_PORT_NETWORK_POLICY, QOS_FIP, QOS_BW_LIMIT_DIRECTION,
              QOS_BW_MINIMUM_INGRESS, QOS_RULE_TYPE_DETAILS, QOS_RULE_TYPE_FILTER,
              QOS_RULES_ALIAS, QOS_PPS, QOS_PPS_MINIMUM, QOS_PPS_MINIMUM_ALIAS,
              PORT_RESOURCE_REQUEST, PORT_RESOURCE_REQUEST_GROUPS, AGENT_RESOURCES_SYNCED,
              QOS_GATEWAY_IP]
