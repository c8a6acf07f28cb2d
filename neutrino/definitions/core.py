"""The core Networking v2.0 resources: networks, subnets and ports (no alias)."""
from neutrino.definitions.base import COMPUTED, REQUIRED, Attribute, Resource
from neutrino.definitions.common import ID, IP_VERSION, NAME, OWNED
from neutrino.definitions.kinds import (
                                        Boolean,
                                        Cidr,
                                        IpAddress,
                                        KeyValueQuery,
                                        ListOf,
                                        MacAddress,
                                        Nullable,
                                        Object,
                                        OneOf,
                                        String,
                                        Uuid,
)

ADMIN_STATE_UP = Attribute("admin_state_up", Boolean(), "Administrative state (up = true).",
                           default=True, post=True, put=True, filter=True, sort=True)

NETWORK = Resource(
    name="network", collection="networks",
    attributes=(
        ID, NAME, *OWNED, ADMIN_STATE_UP,
        Attribute("status", String(16), "ACTIVE, DOWN, BUILD or ERROR.", filter=True, sort=True),
        Attribute("subnets", ListOf(Uuid()), "IDs of the network's subnets."),
        # A view of the network's RBAC policies: true when access_as_shared is granted to
        # every project, or to the caller's. Setting it adds or removes the wildcard one.
        Attribute("shared", Boolean(), "Shared with every project (or with the caller's).",
                  default=False, post=True, put=True, filter=True),
    ),
)

POOL = Object({"start": (IpAddress(), True), "end": (IpAddress(), True)})
HOST_ROUTE = Object({"destination": (Cidr(), True), "nexthop": (IpAddress(), True)})
IPV6_MODE = Nullable(OneOf(("slaac", "dhcpv6-stateful", "dhcpv6-stateless")))

SUBNET = Resource(
    name="subnet", collection="subnets",
    attributes=(
        ID, NAME, *OWNED,
        Attribute("network_id", Uuid(), "Network the subnet belongs to.", default=REQUIRED,
                  post=True, filter=True, sort=True, references="networks"),
        Attribute("ip_version", IP_VERSION, "4 or 6.", default=REQUIRED, post=True,
                  filter=True, sort=True, filter_kind=OneOf((4, 6))),
        # Required unless the subnet comes from a subnet pool (subnet_allocation).
        Attribute("cidr", Cidr(), "The subnet's prefix.", default=COMPUTED, post=True,
                  filter=True, sort=True),
        Attribute("gateway_ip", Nullable(IpAddress()),
                  "Gateway address; the first address by default, null for none.",
                  post=True, put=True, filter=True, sort=True),
        Attribute("allocation_pools", ListOf(POOL),
                  "Ranges addresses are allocated from; the whole cidr less the gateway by default.",
                  post=True, put=True),
        Attribute("dns_nameservers", ListOf(IpAddress(), unique=True), "DNS servers, in order.",
                  default=[], post=True, put=True),
        Attribute("host_routes", ListOf(HOST_ROUTE, unique=True), "Routes pushed by DHCP.",
                  default=[], post=True, put=True),
        Attribute("enable_dhcp", Boolean(), "Serve DHCP on this subnet.", default=True,
                  post=True, put=True, filter=True, sort=True),
        Attribute("ipv6_ra_mode", IPV6_MODE, "IPv6 router advertisement mode.", default=None,
                  post=True, filter=True, sort=True),
        Attribute("ipv6_address_mode", IPV6_MODE, "IPv6 address mode.", default=None,
                  post=True, filter=True, sort=True),
        Attribute("shared", Boolean(), "Whether the network is shared with the caller.",
                  visible=False, filter=True),
    ),
)

FIXED_IP = Object({"subnet_id": (Uuid(), False), "ip_address": (IpAddress(), False)})

PORT = Resource(
    name="port", collection="ports",
    attributes=(
        ID, NAME, *OWNED, ADMIN_STATE_UP,
        Attribute("network_id", Uuid(), "Network of the port.", default=REQUIRED, post=True,
                  filter=True, sort=True, references="networks"),
        Attribute("mac_address", Nullable(MacAddress()),
                  "MAC address; generated when omitted, regenerated when set to null.",
                  post=True, put=True, filter=True, sort=True),
        Attribute("fixed_ips", ListOf(FIXED_IP),
                  "Addresses: each names a subnet_id, an ip_address, or both.",
                  post=True, put=True, filter=True,
                  filter_kind=KeyValueQuery({"ip_address": IpAddress(), "subnet_id": Uuid(),
                                             "ip_address_substr": String(64)})),
        Attribute("device_id", String(255), "What uses the port (e.g. a server ID).",
                  default="", post=True, put=True, filter=True, sort=True),
        Attribute("device_owner", String(255), "Kind of user (e.g. compute:nova).",
                  default="", post=True, put=True, filter=True, sort=True),
        Attribute("status", String(16), "ACTIVE, DOWN, BUILD, ERROR or N/A.", filter=True,
                  sort=True),
    ),
    # openstacksdk sends these two as shorthands for fixed_ips filters.
    extra_filters=("ip_address", "subnet_id"),
)

RESOURCES = [NETWORK, SUBNET, PORT]
