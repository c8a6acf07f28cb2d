"""Port forwarding on floating IPs (floating-ip-port-forwarding and its
-description, -detail and -port-ranges extensions; expose-port-forwarding-in-fip):
``/v2.0/floatingips/{id}/port_forwardings``."""
from neutrino.definitions.base import REQUIRED, Attribute, Extension, Resource, with_changes
from neutrino.definitions.common import ID, PROJECT_ID
from neutrino.definitions.kinds import (
    AnyDict,
    Integer,
    IpAddress,
    ListOf,
    Nullable,
    OneOf,
    String,
    Uuid,
)

# The protocols Neutron's validator accepts (drivers implement tcp and udp).
PROTOCOLS = ("tcp", "udp", "dccp", "icmp", "ipv6-icmp", "sctp")
PORT = Nullable(Integer(1, 65535))
RANGE = Nullable(String(11, 1, r"^[0-9]+(:[0-9]+)?$"))

PORT_FORWARDING = Resource(
    name="port_forwarding", collection="port_forwardings", parent="floatingips",
    standard_attributes=False, bulk=False,
    attributes=(
        ID, with_changes(PROJECT_ID, visible=False),
        Attribute("protocol", OneOf(PROTOCOLS), "tcp or udp.", default=REQUIRED, post=True,
                  put=True, filter=True, sort=True),
        Attribute("internal_port_id", Uuid(), "The Neutron port traffic is forwarded to.",
                  default=REQUIRED, post=True, put=True, filter=True, sort=True),
        Attribute("internal_ip_address", IpAddress(), "The fixed IPv4 address of that port.",
                  default=REQUIRED, post=True, put=True),
        Attribute("internal_port", PORT, "Port (of the internal address) forwarded to.",
                  default=None, post=True, put=True),
        Attribute("external_port", PORT, "Port of the floating IP that is forwarded.",
                  default=None, post=True, put=True, filter=True, sort=True),
        Attribute("internal_port_range", RANGE, "Range of internal ports, 'N:M'.",
                  default=None, post=True, put=True),
        Attribute("external_port_range", RANGE, "Range of external ports, 'N:M'.",
                  default=None, post=True, put=True, filter=True),
        Attribute("description", String(255), "Description.", default="", post=True, put=True,
                  filter=True),
    ),
)

PORT_FORWARDING_EXT = Extension(
    alias="floating-ip-port-forwarding", name="Floating IP Port Forwarding",
    description="Provide a way to configure port forwarding on Floating IP.",
    updated="2018-08-30T00:00:00-00:00", resources=(PORT_FORWARDING,), requires=("router",))
DESCRIPTION_EXT = Extension(
    alias="floating-ip-port-forwarding-description",
    name="Floating IP Port Forwarding new attribute description",
    description="Add a description field to Port Forwarding rules",
    updated="2019-11-01T10:00:00-00:00", requires=("floating-ip-port-forwarding",))
DETAIL_EXT = Extension(
    alias="floating-ip-port-forwarding-detail", name="Floating IP Port Forwarding detail",
    description="Add internal_port_id and id to the port_forwardings shown on floating IPs",
    updated="2020-11-01T10:00:00-00:00", requires=("expose-port-forwarding-in-fip",))
RANGES_EXT = Extension(
    alias="floating-ip-port-forwarding-port-ranges",
    name="Floating IP Port Forwarding support port ranges",
    description="Add suport to port ranges on Floating IP port forwarding",
    updated="2022-01-01T10:00:00-00:00", requires=("floating-ip-port-forwarding",))
EXPOSE_EXT = Extension(
    alias="expose-port-forwarding-in-fip", name="Expose port forwardings in floating IP",
    description="Expose port forwardings of floating IPs",
    updated="2019-04-01T10:00:00-00:00",
    extends={"floatingips": (Attribute("port_forwardings", ListOf(AnyDict()),
                                       "The floating IP's port forwardings: protocol, "
                                       "internal_ip_address, internal_port, external_port, id, "
                                       "internal_port_id (and the ranges)."),)},
    requires=("router", "floating-ip-port-forwarding"))

EXTENSIONS = [PORT_FORWARDING_EXT, DESCRIPTION_EXT, DETAIL_EXT, RANGES_EXT, EXPOSE_EXT]
