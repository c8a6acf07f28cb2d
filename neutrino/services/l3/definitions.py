"""The L3 API: routers (router, ext-gw-mode, extraroute, extraroute-atomic, l3-ha,
dvr, router_availability_zone, router-admin-state-down-before-update,
router-enable-snat), floating IPs (router, fip-port-details, floatingip-pools) and
the ports' router device owners."""
from neutrino.definitions.base import REQUIRED, Attribute, Extension, MemberAction, Resource
from neutrino.definitions.common import ID, NAME, OWNED
from neutrino.definitions.kinds import (
    AnyDict,
    Boolean,
    Cidr,
    DnsName,
    IpAddress,
    ListOf,
    Nullable,
    Object,
    OneOf,
    String,
    Uuid,
)

FIXED_IP = Object({"subnet_id": (Uuid(), False), "ip_address": (IpAddress(), False)})
GATEWAY_INFO = Nullable(Object({
    # Required unless the object is empty ({} clears the gateway, as null does).
    "network_id": (Uuid(), False),
    "enable_snat": (Boolean(), False),
    "external_fixed_ips": (ListOf(FIXED_IP), False),
    # qos-gateway-ip (neutrino/services/qos: stored and rendered there).
    "qos_policy_id": (Nullable(Uuid()), False),
}))
ROUTE = Object({"destination": (Cidr(), True), "nexthop": (IpAddress(), True)})
ROUTES = ListOf(ROUTE, unique=True)

INTERFACE_REQUEST = Object({"subnet_id": (Uuid(), False), "port_id": (Uuid(), False)})
INTERFACE_INFO = Object({
    "id": (Uuid(), True), "subnet_id": (Uuid(), True), "subnet_ids": (ListOf(Uuid()), True),
    "port_id": (Uuid(), True), "network_id": (Uuid(), True), "project_id": (String(), True),
})
ROUTES_REQUEST = Object({"router": (Object({"routes": (ROUTES, True)}), True)})

ROUTER = Resource(
    name="router", collection="routers",
    attributes=(
        ID, NAME, *OWNED,
        Attribute("admin_state_up", Boolean(), "Administrative state.", default=True, post=True,
                  put=True, filter=True, sort=True),
        Attribute("status", OneOf(("ACTIVE", "ALLOCATING", "ERROR", "DOWN")),
                  "Operational status.", filter=True, sort=True),
        Attribute("external_gateway_info", GATEWAY_INFO,
                  "The gateway on an external network: network_id, enable_snat, "
                  "external_fixed_ips.", default=None, post=True, put=True),
    ),
    member_actions=(
        MemberAction("add_router_interface", request=INTERFACE_REQUEST, response=INTERFACE_INFO,
                     summary="Attach a subnet (the port takes its gateway IP) or a port."),
        MemberAction("remove_router_interface", request=INTERFACE_REQUEST,
                     response=INTERFACE_INFO, summary="Detach a subnet or a port."),
        MemberAction("add_extraroutes", request=ROUTES_REQUEST, response=AnyDict(),
                     summary="Add routes to the router's routes (extraroute-atomic)."),
        MemberAction("remove_extraroutes", request=ROUTES_REQUEST, response=AnyDict(),
                     summary="Remove routes from the router's routes (extraroute-atomic)."),
    ),
)

FLOATINGIP = Resource(
    name="floatingip", collection="floatingips",
    attributes=(
        ID, *OWNED,
        Attribute("floating_network_id", Uuid(), "The external network of the address.",
                  default=REQUIRED, post=True, filter=True, sort=True, references="networks"),
        Attribute("floating_ip_address", IpAddress(), "The address (admin only to choose).",
                  default=None, post=True, filter=True, sort=True),
        Attribute("subnet_id", Nullable(Uuid()), "Subnet to allocate the address from.",
                  default=None, post=True, visible=False),
        Attribute("port_id", Nullable(Uuid()), "Internal port the address maps to.",
                  default=None, post=True, put=True, filter=True, sort=True),
        Attribute("fixed_ip_address", Nullable(IpAddress()), "Fixed IP of the port it maps to.",
                  default=None, post=True, put=True, filter=True, sort=True),
        Attribute("router_id", Nullable(Uuid()), "Router that does the translation.",
                  filter=True, sort=True),
        Attribute("status", OneOf(("ACTIVE", "DOWN", "ERROR")), "Operational status.",
                  filter=True, sort=True),
        # dns-integration (advertised by the core): stored, published by no DNS driver yet.
        Attribute("dns_name", DnsName(63), "Host name published for the address.", default="",
                  post=True, filter=True),
        Attribute("dns_domain", DnsName(255, fqdn=True), "Domain published for the address.",
                  default="", post=True, filter=True),
    ),
)

FLOATINGIP_POOL = Resource(
    name="floatingip_pool", collection="floatingip_pools", standard_attributes=False,
    writable=False, bulk=False,
    attributes=(
        Attribute("subnet_id", Uuid(), "A subnet of an external network.", filter=True),
        Attribute("subnet_name", String(), "Its name.", filter=True),
        Attribute("network_id", Uuid(), "The external network.", filter=True),
        Attribute("cidr", Cidr(), "Its CIDR.", filter=True),
        Attribute("project_id", String(), "Owner of the subnet.", filter=True),
        Attribute("tenant_id", String(), "Owner of the subnet (deprecated name).", filter=True),
    ),
    id_attribute="subnet_id",
)

ROUTER_EXT = Extension(
    alias="router", name="Neutron L3 Router",
    description="Router abstraction for basic L3 forwarding between L2 Neutron networks and "
                "access to external networks via a NAT gateway.",
    updated="2012-07-20T10:00:00-00:00", resources=(ROUTER, FLOATINGIP),
    requires=("external-net",))
EXT_GW_MODE = Extension(
    alias="ext-gw-mode", name="Neutron L3 Configurable external gateway mode",
    description="Extension of the router abstraction for specifying whether SNAT should occur "
                "on the external gateway", updated="2013-03-28T10:00:00-00:00",
    requires=("router",))
ENABLE_SNAT = Extension(
    alias="router-enable-snat", name="Router enable SNAT",
    description="Shows on routers whether their gateway does SNAT.",
    extends={"routers": (Attribute("enable_snat", Boolean(),
                                   "Whether the gateway does SNAT (read-only).", filter=True),)},
    requires=("router", "ext-gw-mode"))
EXTRAROUTE = Extension(
    alias="extraroute", name="Neutron Extra Route", description="Extra routes configuration for "
    "L3 router", updated="2013-02-01T10:00:00-00:00",
    # null clears the routes, as [] does (Tempest's cleanup sends it).
    extends={"routers": (Attribute("routes", Nullable(ROUTES),
                                   "Extra routes: destination and nexthop.",
                                   default=[], put=True),)},
    requires=("router",))
EXTRAROUTE_ATOMIC = Extension(
    alias="extraroute-atomic", name="Atomically add/remove extra routes",
    description="Edit extra routes of a router on server side by atomically adding/removing "
                "extra routes", updated="2019-07-10T00:00:00-00:00",
    requires=("router", "extraroute"))
L3_HA = Extension(
    alias="l3-ha", name="HA Router extension", description="Adds HA capability to routers.",
    updated="2014-04-26T00:00:00-00:00",
    extends={"routers": (Attribute("ha", Boolean(), "Highly available router (admin).",
                                   post=True, put=True),)},
    requires=("router",))
DVR = Extension(
    alias="dvr", name="Distributed Virtual Router",
    description="Enables configuration of Distributed Virtual Routers.",
    updated="2014-06-1T10:00:00-00:00",
    extends={"routers": (Attribute("distributed", Boolean(), "Distributed router (admin).",
                                   post=True, put=True),)},
    requires=("router",))
ROUTER_AZ = Extension(
    alias="router_availability_zone", name="Router Availability Zone",
    description="Availability zone support for router.", updated="2015-01-01T10:00:00-00:00",
    extends={"routers": (
        Attribute("availability_zone_hints", ListOf(String(255), unique=True),
                  "Availability zones the router may be scheduled to.", default=[], post=True),
        Attribute("availability_zones", ListOf(String(255)),
                  "Availability zones the router is in."))},
    requires=("router", "availability_zone"))
ADMIN_STATE_DOWN = Extension(
    alias="router-admin-state-down-before-update",
    name="Enforce Router's Admin State Down Before Update Extension",
    description="Ensure that the admin state of a router is down (admin_state_up=False) before "
                "updating the distributed attribute", updated="2019-03-08T00:00:00-00:00",
    requires=("router",))
FIP_PORT_DETAILS = Extension(
    alias="fip-port-details", name="Floating IP Port Details Extension",
    description="Add port_details attribute to Floating IP resource",
    updated="2018-04-09T10:00:00-00:00",
    extends={"floatingips": (Attribute("port_details", Nullable(AnyDict()),
                                       "The associated port: name, network_id, mac_address, "
                                       "admin_state_up, status, device_id, device_owner."),)},
    requires=("router",))
FIP_POOLS = Extension(
    alias="floatingip-pools", name="Floating IP Pools Extension",
    description="Provides a floating IP pools API.", updated="2018-03-21T10:00:00-00:00",
    resources=(FLOATINGIP_POOL,), requires=("router",))

# A behaviour, no attribute: the IPv4 addresses of a router's interface ports change
# only through add/remove_router_interface (400 IPAddressChangeNotAllowed).
PORT_IP_CHANGE_NOT_ALLOWED = Extension(
    alias="l3-port-ip-change-not-allowed",
    name="Prevent L3 router ports IP address change extension",
    description="Prevent change of IP address for some L3 router ports",
    updated="2018-10-09T10:00:00-00:00", requires=("router",))

EXTENSIONS = [ROUTER_EXT, EXT_GW_MODE, ENABLE_SNAT, EXTRAROUTE, EXTRAROUTE_ATOMIC, L3_HA, DVR,
              ROUTER_AZ, ADMIN_STATE_DOWN, FIP_PORT_DETAILS, FIP_POOLS, PORT_IP_CHANGE_NOT_ALLOWED]
