"""network-segment-range: the ranges of VLAN ids and tunnel VNIs that tenant
networks are allocated from (``/v2.0/network_segment_ranges``, admin only), the
ranges of the configuration among them as ``default`` ranges."""
from neutrino.definitions.base import REQUIRED, Attribute, Extension, Resource
from neutrino.definitions.common import NAME
from neutrino.definitions.kinds import (
    AnyDict, Boolean, Integer, ListOf, Nullable, OneOf, String, Uuid,
)

# As neutron-lib declares them: GRE is a type a range may name (our type drivers have
# none: such a range is refused as a type without range support).
RANGE_TYPES = ("vlan", "vxlan", "gre", "geneve")
SEGMENTATION_ID = Integer(1, 2**32 - 1)
# Neutron takes any text as an id filter here (no range has it): Tempest lists ?id=33.
ID = Attribute("id", Uuid(), "The resource's UUID.", filter=True, sort=True,
               filter_kind=String(255))

NETWORK_SEGMENT_RANGE = Resource(
    name="network_segment_range", collection="network_segment_ranges", project_scoped=False,
    attributes=(
        ID, NAME,
        Attribute("default", Boolean(), "A range of the type drivers' configuration "
                  "(read only: neither updated nor deleted).", filter=True),
        Attribute("shared", Boolean(), "Every project's networks may be allocated from "
                  "it (else only its project's).", default=True, post=True, filter=True),
        Attribute("project_id", Nullable(String(255)), "The project whose networks the "
                  "range serves (null when shared; default: the caller's).",
                  default=None, post=True, filter=True, sort=True),
        Attribute("network_type", OneOf(RANGE_TYPES), "vlan, vxlan, gre or geneve.",
                  default=REQUIRED, post=True, filter=True, sort=True),
        Attribute("physical_network", Nullable(String(64)),
                  "The physical network of a VLAN range (null for tunnel types).",
                  default=None, post=True, filter=True, sort=True),
        Attribute("minimum", SEGMENTATION_ID, "The first VLAN id or VNI of the range.",
                  default=REQUIRED, post=True, put=True, filter=True, sort=True),
        Attribute("maximum", SEGMENTATION_ID, "The last VLAN id or VNI of the range.",
                  default=REQUIRED, post=True, put=True, filter=True, sort=True),
        Attribute("available", ListOf(Integer()), "The ids of the range no segment uses."),
        Attribute("used", AnyDict(), "The ids of the range segments use: id (as a string) "
                  "-> the project of the segment's network."),
    ),
)

NETWORK_SEGMENT_RANGE_EXT = Extension(
    alias="network-segment-range", name="Neutron Network Segment Range",
    description="Provides support for the network segment range management",
    updated="2018-11-29T00:00:00-00:00",
    resources=(NETWORK_SEGMENT_RANGE,),
    requires=("provider",),
)

EXTENSIONS = [NETWORK_SEGMENT_RANGE_EXT]
