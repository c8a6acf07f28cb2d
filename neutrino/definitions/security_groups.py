"""Security groups and their rules, and the security groups of ports."""
from neutrino.definitions.base import COMPUTED, REQUIRED, Attribute, Extension, Resource
from neutrino.definitions.common import ID, NAME, OWNED
from neutrino.definitions.kinds import (
                                        AnyDict,
                                        Boolean,
                                        ListOf,
                                        LooseUuid,
                                        Nullable,
                                        OneOf,
                                        PortNumber,
                                        String,
                                        StringOrInteger,
                                        Uuid,
)

SECURITY_GROUP = Resource(
    name="security_group", collection="security_groups", path="security-groups",
    attributes=(
        ID, NAME, *OWNED,
        Attribute("security_group_rules", ListOf(AnyDict()), "The group's rules."),
    ),
)

PORT_RANGE = Nullable(PortNumber())
SECURITY_GROUP_RULE = Resource(
    name="security_group_rule", collection="security_group_rules", path="security-group-rules",
    attributes=(
        ID, *OWNED,
        Attribute("security_group_id", Uuid(), "The group the rule belongs to.", default=REQUIRED,
                  post=True, filter=True, sort=True, references="security-groups"),
        Attribute("direction", OneOf(("ingress", "egress")),
                  "ingress (to the port) or egress (from the port).", default=REQUIRED,
                  post=True, filter=True, sort=True),
        Attribute("ethertype", OneOf(("IPv4", "IPv6"), case_insensitive=True),
                  "IPv4 or IPv6.", default="IPv4", post=True, filter=True, sort=True),
        Attribute("protocol", Nullable(StringOrInteger(40)),
                  "An IP protocol name (tcp, udp, icmp, ...) or number 0-255; null for any.",
                  default=None, post=True, filter=True, sort=True),
        Attribute("port_range_min", PORT_RANGE,
                  "First port (TCP, UDP, SCTP, DCCP, UDP-Lite) or ICMP type.", default=None,
                  post=True, filter=True, sort=True),
        Attribute("port_range_max", PORT_RANGE,
                  "Last port (TCP, UDP, SCTP, DCCP, UDP-Lite) or ICMP code.", default=None,
                  post=True, filter=True, sort=True),
        Attribute("remote_ip_prefix", Nullable(String(64)),
                  "Addresses the rule matches (source for ingress, destination for egress).",
                  default=None, post=True, filter=True, sort=True),
        Attribute("remote_group_id", Nullable(LooseUuid()),
                  "Matches the addresses of the ports in this group.", default=None, post=True,
                  filter=True, sort=True),
    ),
)

SECURITY_GROUP_EXT = Extension(
    alias="security-group", name="security-group",
    description="The security groups extension.", updated="2012-10-05T10:00:00-00:00",
    resources=(SECURITY_GROUP, SECURITY_GROUP_RULE),
    extends={"ports": (Attribute(
        "security_groups", Nullable(ListOf(Uuid(), unique=True)),
        "IDs of the port's security groups; the project's default group when omitted.",
        default=COMPUTED, post=True, put=True, filter=True),)},
)

STATEFUL = Extension(
    alias="stateful-security-group", name="Stateful security group",
    description="Indicates if the security group is stateful or not",
    updated="2019-11-26T09:00:00-00:00", requires=("security-group",),
    extends={"security_groups": (Attribute(
        "stateful", Boolean(), "Connection tracking: replies to allowed traffic are allowed.",
        default=True, post=True, put=True, filter=True),)},
)

NORMALIZED_CIDR = Extension(
    alias="security-groups-normalized-cidr", name="Normalized CIDR field for security group rules",
    description="Add new field with normalized remote_ip_prefix cidr in SG rule",
    updated="2020-07-28T10:00:00-00:00", requires=("security-group",),
    extends={"security_group_rules": (Attribute(
        "normalized_cidr", Nullable(String(64)),
        "remote_ip_prefix with the host bits cleared: the network the rule matches.",
        filter=True, sort=True),)},
)

BELONGS_TO_DEFAULT = Extension(
    alias="security-groups-rules-belongs-to-default-sg",
    name="Security group rule belongs to the project's default security group",
    description="Flag to determine if the security group rule belongs to the project's default "
                "security group",
    updated="2023-05-23T10:00:00-00:00", requires=("security-group",),
    extends={"security_group_rules": (Attribute(
        "belongs_to_default_sg", Boolean(), "Whether the rule is in its project's default group.",
        filter=True),)},
)

PORT_FILTERING = Extension(
    alias="port-security-groups-filtering", name="Port filtering on security groups",
    description="Provides security groups filtering when listing ports",
    updated="2018-01-09T09:00:00-00:00", requires=("security-group",),
)

EXTENSIONS = [SECURITY_GROUP_EXT, STATEFUL, NORMALIZED_CIDR, BELONGS_TO_DEFAULT, PORT_FILTERING]
