"""segment, multi-provider, standard-attr-segment, binding-extended: network
segments as a resource (``/v2.0/segments``, admin only), networks of several
segments, subnets on a segment (routed networks), and a port's bindings on several
hosts (``/v2.0/ports/{id}/bindings``, for live migration)."""
from neutrino.definitions.base import REQUIRED, Attribute, Extension, Operation, Resource
from neutrino.definitions.common import ID
from neutrino.definitions.kinds import AnyDict, Integer, ListOf, Nullable, Object, OneOf, String, Uuid
from neutrino.definitions.networks import NETWORK_TYPES
from neutrino.definitions.ports import VNIC_TYPES

SEGMENT = Resource(
    name="segment", collection="segments", project_scoped=False,
    attributes=(
        ID,
        Attribute("network_id", Uuid(), "The network the segment belongs to.",
                  default=REQUIRED, post=True, filter=True, sort=True, references="networks"),
        Attribute("name", Nullable(String(255)), "Human-readable name (null when not set).",
                  default=None, post=True, put=True, filter=True, sort=True),
        Attribute("network_type", OneOf(NETWORK_TYPES), "flat, vlan, vxlan or geneve.",
                  default=REQUIRED, post=True, filter=True, sort=True),
        Attribute("physical_network", Nullable(String(64)),
                  "The physical network of a flat or VLAN segment.",
                  default=None, post=True, filter=True, sort=True),
        Attribute("segmentation_id", Nullable(Integer(0, 2**24 - 1)),
                  "VLAN ID or tunnel VNI; null: one is allocated.",
                  default=None, post=True, filter=True, sort=True),
    ),
)

SEGMENT_EXT = Extension(
    alias="segment", name="Segment",
    description="Segments extension.",
    updated="2016-02-24T17:00:00-00:00",
    resources=(SEGMENT,),
    extends={"subnets": (Attribute(
        "segment_id", Nullable(Uuid()),
        "The segment of a routed network the subnet is on (every subnet of a network "
        "is on a segment, or none is; an update may put the one subnet of a network of "
        "one segment on it: subnet-segmentid-writable).",
        default=None, post=True, put=True, filter=True, sort=True),)},
)

# segment_id is writable (declared above: the two extensions are served together).
SUBNET_SEGMENTID_WRITABLE = Extension(
    alias="subnet-segmentid-writable", name="Subnet SegmentID (writable)",
    description="Provides a writable segment_id attribute for a subnet resource.",
    updated="2018-03-12T00:00:00-00:00",
    requires=("segment",),
)

STANDARD_ATTR_SEGMENT = Extension(
    alias="standard-attr-segment", name="Standard Attribute Segment Extension",
    description="Add standard attributes to Segment resource",
    updated="2018-03-08T00:00:00-00:00",
    requires=("segment",),
)

SEGMENT_ITEM = Object({
    "provider:network_type": (OneOf(NETWORK_TYPES), False),
    "provider:physical_network": (Nullable(String(64)), False),
    "provider:segmentation_id": (Nullable(Integer(0, 2**24 - 1)), False),
})
MULTI_PROVIDER = Extension(
    alias="multi-provider", name="Multi Provider Network",
    description="Expose mapping of virtual networks to multiple physical networks",
    updated="2013-06-27T10:00:00-00:00",
    # Shown instead of the provider:* attributes when the network has several segments.
    extends={"networks": (Attribute(
        "segments", ListOf(SEGMENT_ITEM), "The network's segments (on create: instead of "
        "the provider:* attributes; shown when there are several).",
        default=None, post=True),)},
)

BINDING_STATUSES = ("ACTIVE", "INACTIVE")
HOST = String(255)
BINDING_SCHEMA = {"type": "object", "properties": {
    "host": {"type": "string", "maxLength": 255},
    "vnic_type": {"type": "string", "enum": list(VNIC_TYPES)},
    "profile": {"type": "object"},
    "vif_type": {"type": "string", "readOnly": True},
    "vif_details": {"type": "object", "readOnly": True},
    "status": {"type": "string", "enum": list(BINDING_STATUSES), "readOnly": True}}}
ONE = {"type": "object", "properties": {"binding": BINDING_SCHEMA}, "required": ["binding"]}
CREATE_REQUEST = Object({"host": (HOST, True), "vnic_type": (OneOf(VNIC_TYPES), False),
                         "profile": (Nullable(AnyDict()), False)})
UPDATE_REQUEST = Object({"vnic_type": (OneOf(VNIC_TYPES), False),
                         "profile": (Nullable(AnyDict()), False)})
BINDINGS_PATH = "/v2.0/ports/{port_id}/bindings"
FILTERS = tuple((name, {"type": "string"}, False, f"Only bindings of this {name}.")
                for name in ("host", "vif_type", "vnic_type", "status"))
BINDING_EXTENDED = Extension(
    alias="binding-extended", name="Port Bindings Extended",
    description="Expose port bindings of a virtual port to external application",
    updated="2017-07-17T10:00:00-00:00",
    requires=("binding",),
    operations=(
        Operation("get", BINDINGS_PATH, "List a port's bindings (admin)", query=FILTERS,
                  response={"type": "object", "properties": {
                      "bindings": {"type": "array", "items": BINDING_SCHEMA}}}),
        Operation("post", BINDINGS_PATH, "Bind a port on another host (INACTIVE while the "
                  "port has an active binding)", status=201, request=ONE, response=ONE),
        Operation("get", BINDINGS_PATH + "/{host}", "Show a port's binding on a host",
                  response=ONE),
        Operation("put", BINDINGS_PATH + "/{host}", "Change a binding's vnic_type or profile",
                  request=ONE, response=ONE),
        Operation("put", BINDINGS_PATH + "/{host}/activate",
                  "Make the host's inactive binding the active one", response=ONE),
        Operation("delete", BINDINGS_PATH + "/{host}", "Delete a port's binding on a host",
                  status=204),
    ),
)

EXTENSIONS = [SEGMENT_EXT, STANDARD_ATTR_SEGMENT, SUBNET_SEGMENTID_WRITABLE, MULTI_PROVIDER,
              BINDING_EXTENDED]
