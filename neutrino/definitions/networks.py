"""Extensions that add attributes to networks: external, provider, MTU, port security,
VLAN transparency, availability zones."""
from neutrino.definitions.base import COMPUTED, Attribute, Extension
from neutrino.definitions.kinds import Boolean, Integer, ListOf, Nullable, OneOf, String

EXTERNAL_NET = Extension(
    alias="external-net", name="Neutron external network",
    description="Adds external network attribute to network resource.",
    # A view of the network's RBAC policies: true while any access_as_external policy
    # exists. Setting it adds the wildcard one; clearing it removes them all.
    extends={"networks": (Attribute("router:external", Boolean(), "External network.",
                                    default=False, post=True, put=True, filter=True),)},
)

# Announces that subnets of external networks are visible to every project (as networks
# that are external are), and shows on each subnet whether its network is external.
SUBNET_EXTERNAL_NETWORK = Extension(
    alias="subnet-external-network", name="Subnet belongs to an external network",
    description="Informs if the subnet belongs to an external network",
    requires=("external-net",),
    extends={"subnets": (Attribute("router:external", Boolean(),
                                   "Whether the subnet's network is external.", filter=True),)},
)

NETWORK_TYPES = ("flat", "vlan", "vxlan", "geneve")
PROVIDER_ATTRIBUTES = (
    Attribute("provider:network_type", OneOf(NETWORK_TYPES), "flat, vlan, vxlan or geneve.",
              default=COMPUTED, post=True, filter=True),
    Attribute("provider:physical_network", Nullable(String(64)), "Physical network name.",
              default=COMPUTED, post=True, filter=True),
    Attribute("provider:segmentation_id", Nullable(Integer(0, 2**24 - 1)),
              "VLAN ID or tunnel VNI.", default=COMPUTED, post=True, filter=True),
)
PROVIDER = Extension(
    alias="provider", name="Provider Network",
    description="Expose mapping of virtual networks to physical networks",
    extends={"networks": PROVIDER_ATTRIBUTES},
)

NET_MTU = Extension(
    alias="net-mtu", name="Network MTU",
    description="Provides MTU attribute for a network resource.",
)
NET_MTU_WRITABLE = Extension(
    alias="net-mtu-writable", name="Network MTU (writable)",
    description="Provides a writable MTU attribute for a network resource.",
    requires=("net-mtu",),
    # As Neutron: any non-negative value (0: the largest the network type allows); one
    # below what an IP family needs is refused only when a subnet of that family exists.
    extends={"networks": (Attribute("mtu", Integer(0, 65535),
                                    "Maximum transmission unit; 0 or omitted: the largest.",
                                    post=True, put=True, filter=True, sort=True),)},
)

PORT_SECURITY = Extension(
    alias="port-security", name="Port Security",
    description="Provides port security",
    extends={
        "networks": (Attribute("port_security_enabled", Boolean(), "Default for new ports.",
                               default=True, post=True, put=True, filter=True),),
        "ports": (Attribute("port_security_enabled", Boolean(),
                            "Anti-spoofing and security groups; defaults to the network's.",
                            post=True, put=True, filter=True),),
    },
)

VLAN_TRANSPARENT = Extension(
    alias="vlan-transparent", name="Vlantransparent",
    description="Provides Vlan Transparent Networks",
    extends={"networks": (Attribute("vlan_transparent", Boolean(),
                                    "Pass VM VLAN tags through the network untouched.",
                                    default=False, post=True, filter=True),)},
)

AVAILABILITY_ZONE = Extension(
    alias="network_availability_zone", name="Network Availability Zone",
    description="Availability zone support for network.",
    extends={"networks": (
        Attribute("availability_zone_hints", ListOf(String(255), unique=True),
                  "Zones the network should be placed in.", default=[], post=True),
        Attribute("availability_zones", ListOf(String(255)), "Zones the network is in."),
    )},
)

EXTENSIONS = [EXTERNAL_NET, SUBNET_EXTERNAL_NETWORK, PROVIDER, NET_MTU, NET_MTU_WRITABLE,
              PORT_SECURITY, VLAN_TRANSPARENT, AVAILABILITY_ZONE]
# OneOf for the tenant network types lives in conf; keep the kinds here declarative.
__all__ = ["EXTENSIONS", "NETWORK_TYPES"]
