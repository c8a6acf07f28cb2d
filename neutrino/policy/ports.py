"""Who may do what with ports. A project may put ports on networks it can use
(its own or shared with it); what goes around the network's own addressing
(fixed IPs by address, MAC addresses, network:* device owners) belongs to the
network's owner; binding details to admins and services."""
from oslo_policy import policy

from neutrino.definitions import core
from neutrino.policy.base import (
    ADMIN,
    ADMIN_OR_PROJECT_MEMBER,
    ADMIN_OR_SERVICE,
    NET_OWNER,
    NET_OWNER_MEMBER,
    NET_OWNER_READER,
    PROJECT_MEMBER,
    PROJECT_READER,
    SERVICE,
    SHARED,
    any_of,
    rules_for,
)

NET_OWNER_SIDE = any_of(ADMIN, SERVICE, NET_OWNER)
NOT_NETWORK_DEVICE = "not rule:network_device"

RULES = [
    policy.RuleDefault("network_device", "field:port:device_owner=~^network:",
                       description="The port belongs to a network service (DHCP, router...)."),
    *rules_for(core.PORT, {
        "create": any_of(ADMIN_OR_PROJECT_MEMBER, SERVICE),
        "get": any_of(ADMIN, SERVICE, PROJECT_READER, NET_OWNER_READER),
        "update": any_of(ADMIN, SERVICE, PROJECT_MEMBER),
        "delete": any_of(ADMIN, SERVICE, PROJECT_MEMBER, NET_OWNER_MEMBER),
    }, {
        "create:device_owner": any_of(NOT_NETWORK_DEVICE, NET_OWNER_SIDE),
        "create:mac_address": NET_OWNER_SIDE,
        "create:fixed_ips": any_of(NET_OWNER_SIDE, SHARED),
        "create:fixed_ips:ip_address": NET_OWNER_SIDE,
        "create:fixed_ips:subnet_id": any_of(NET_OWNER_SIDE, SHARED),
        "create:port_security_enabled": NET_OWNER_SIDE,
        "create:binding:host_id": ADMIN_OR_SERVICE,
        "create:binding:profile": ADMIN_OR_SERVICE,
        "create:binding:vnic_type": any_of(ADMIN_OR_PROJECT_MEMBER, SERVICE),
        "create:allowed_address_pairs": any_of(ADMIN, NET_OWNER),
        "create:allowed_address_pairs:mac_address": any_of(ADMIN, NET_OWNER),
        "create:allowed_address_pairs:ip_address": any_of(ADMIN, NET_OWNER),
        "get:binding:vif_type": ADMIN_OR_SERVICE,
        "get:binding:vif_details": ADMIN_OR_SERVICE,
        "get:binding:host_id": ADMIN_OR_SERVICE,
        "get:binding:profile": ADMIN_OR_SERVICE,
        "update:device_owner": any_of(NOT_NETWORK_DEVICE, NET_OWNER_SIDE),
        "update:mac_address": ADMIN_OR_SERVICE,
        "update:fixed_ips": any_of(NET_OWNER_SIDE, SHARED),
        "update:fixed_ips:ip_address": NET_OWNER_SIDE,
        "update:fixed_ips:subnet_id": any_of(NET_OWNER_SIDE, SHARED),
        "update:port_security_enabled": NET_OWNER_SIDE,
        "update:binding:host_id": ADMIN_OR_SERVICE,
        "update:binding:profile": ADMIN_OR_SERVICE,
        "update:binding:vnic_type": any_of(ADMIN_OR_PROJECT_MEMBER, SERVICE),
        "update:allowed_address_pairs": any_of(ADMIN, NET_OWNER),
        "update:allowed_address_pairs:mac_address": any_of(ADMIN, NET_OWNER),
        "update:allowed_address_pairs:ip_address": any_of(ADMIN, NET_OWNER),
    }),
]
