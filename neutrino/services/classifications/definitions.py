"""classifications: the common classification framework (our design after
neutron-classifier, whose API never reached Neutron; docs/classifications.md).

A classification is one atomic match of one type (Ethernet, IPv4, IPv6, TCP or UDP
header fields, in ``definition``); a classification group combines classifications
and other groups with AND or OR. Both are frozen once made (only name and
description change), so consumers can compile them once; what uses them cannot
go while it is used. QoS is the first consumer: a DSCP marking rule may name a
group, and only the traffic it matches is marked.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from neutrino.definitions.base import REQUIRED, Attribute, Extension, Resource
from neutrino.definitions.common import ID, NAME, OWNED
from neutrino.definitions.kinds import (
    Boolean,
    Cidr,
    Integer,
    Kind,
    ListOf,
    MacAddress,
    Nullable,
    Object,
    OneOf,
    String,
    Uuid,
)

ALIAS = "classifications"
OPERATORS = ("AND", "OR")

_DSCP = Integer(0, 63)
_U8 = Integer(0, 255)
_U16 = Integer(0, 65535)


def _fields(**kinds: Kind) -> Object:
    return Object({name: (kind, False) for name, kind in kinds.items()})


# The fields of each classification type (all optional; a missing field matches
# anything). Ranges are ``<name>_min`` .. ``<name>_max`` (one of them alone: open on
# the other side); masks apply to the value of the same name.
TYPES: dict[str, Object] = {
    "ethernet": _fields(ethertype=_U16, src_addr=MacAddress(), dst_addr=MacAddress()),
    "ipv4": _fields(dscp=_DSCP, dscp_mask=_DSCP, ecn=Integer(0, 3), length_min=_U16,
                    length_max=_U16, flags=Integer(0, 7), flags_mask=Integer(0, 7),
                    ttl_min=_U8, ttl_max=_U8, protocol=_U8, src_addr=Cidr(), dst_addr=Cidr()),
    "ipv6": _fields(dscp=_DSCP, dscp_mask=_DSCP, ecn=Integer(0, 3), length_min=_U16,
                    length_max=_U16, next_header=_U8, hops_min=_U8, hops_max=_U8,
                    src_addr=Cidr(), dst_addr=Cidr()),
    "tcp": _fields(src_port_min=_U16, src_port_max=_U16, dst_port_min=_U16, dst_port_max=_U16,
                   flags=Integer(0, 511), flags_mask=Integer(0, 511), window_min=_U16,
                   window_max=_U16),
    "udp": _fields(src_port_min=_U16, src_port_max=_U16, dst_port_min=_U16, dst_port_max=_U16,
                   length_min=_U16, length_max=_U16),
}


@dataclass(frozen=True)
class Definition(Kind):
    """The type fields of a classification: the union of every type's fields (the
    plugin then checks them against the classification's own ``type``)."""

    types: dict[str, Object] = field(default_factory=lambda: TYPES)

    def convert(self, value: Any) -> dict:
        if not isinstance(value, dict):
            raise ValueError(f"'{value}' is not a dictionary")
        known = {name for obj in self.types.values() for name in obj.fields}
        unknown = sorted(set(value) - known)
        if unknown:
            raise ValueError(f"Unrecognized keys {unknown}; allowed: {sorted(known)}")
        return dict(value)

    def schema(self) -> dict:
        return {"type": "object", "description": "The fields of the classification's type "
                "(one of these objects, chosen by ``type``).",
                "oneOf": [{"title": name, **obj.schema()} for name, obj in self.types.items()]}


SHARED = Attribute("shared", Boolean(), "Visible to, and usable by, every project.",
                   default=False, post=True, filter=True)

CLASSIFICATION = Resource(
    name="classification", collection="classifications",
    attributes=(
        ID, NAME, *OWNED, SHARED,
        Attribute("type", OneOf(tuple(TYPES)), "ethernet, ipv4, ipv6, tcp or udp.",
                  default=REQUIRED, post=True, filter=True, sort=True),
        Attribute("negated", Boolean(), "Match what the definition does not match.",
                  default=False, post=True, filter=True),
        Attribute("definition", Definition(), "The header fields matched (by type).",
                  default={}, post=True),
    ),
)

CLASSIFICATION_GROUP = Resource(
    name="classification_group", collection="classification_groups",
    attributes=(
        ID, NAME, *OWNED, SHARED,
        Attribute("operator", OneOf(OPERATORS, case_insensitive=True), "How the members "
                  "combine: AND (all match) or OR (any matches).", default="AND", post=True,
                  filter=True),
        Attribute("classifications", ListOf(Uuid()), "Member classifications.", default=[],
                  post=True),
        Attribute("classification_groups", ListOf(Uuid()), "Member groups (nested).",
                  default=[], post=True),
    ),
)

CLASSIFICATION_TYPE = Resource(
    name="classification_type", collection="classification_types",
    standard_attributes=False, project_scoped=False, writable=False, bulk=False,
    id_attribute="type",
    attributes=(Attribute("type", String(255), "A classification type.", filter=True),
                Attribute("supported_parameters", ListOf(String(255)),
                          "The fields its definition may hold.")),
)

# The QoS consumer: a DSCP marking rule marks only what its group matches.
DSCP_ATTRIBUTES = (
    Attribute("classification_group_id", Nullable(Uuid()), "Mark only the traffic this "
              "classification group matches (null: all traffic).", default=None, post=True,
              put=True, filter=True),
    Attribute("classification_priority", Integer(0, 1000), "Where classified rules of a "
              "policy overlap, the higher priority marks.", default=0, post=True, put=True,
              filter=True, sort=True),
)

# The alias path takes no POST (rules are created under their policy): PUT only there.
ALIAS_DSCP_ATTRIBUTES = tuple(Attribute(a.name, a.kind, a.description, default=a.default,
                                        put=True, filter=a.filter, sort=a.sort)
                              for a in DSCP_ATTRIBUTES)

CLASSIFICATIONS = Extension(
    alias=ALIAS, name="Classifications",
    description="Common classification framework: classifications of Ethernet, IPv4, IPv6, "
                "TCP and UDP fields grouped into classification groups; QoS DSCP marking "
                "rules may mark only what a group matches.",
    updated="2026-12-02T00:00:00-00:00",
    resources=(CLASSIFICATION, CLASSIFICATION_GROUP, CLASSIFICATION_TYPE),
    extends={"qos/policies/dscp_marking_rules": DSCP_ATTRIBUTES,
             "alias_dscp_marking_rules": ALIAS_DSCP_ATTRIBUTES},
    requires=("qos",))

EXTENSIONS = [CLASSIFICATIONS]
