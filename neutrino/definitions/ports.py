"""Extensions that add attributes to ports: address pairs, DHCP options, binding,
IP allocation, DNS, MAC regeneration, IP substring filtering."""
from neutrino.definitions.base import Attribute, Extension
from neutrino.definitions.common import IP_VERSION
from neutrino.definitions.kinds import (
                                        AnyDict,
                                        DnsName,
                                        IpAddress,
                                        IpOrCidr,
                                        ListOf,
                                        MacAddress,
                                        Nullable,
                                        Object,
                                        OneOf,
                                        String,
)

ALLOWED_ADDRESS_PAIRS = Extension(
    alias="allowed-address-pairs", name="Allowed Address Pairs",
    description="Provides allowed address pairs",
    extends={"ports": (Attribute(
        "allowed_address_pairs",
        ListOf(Object({"ip_address": (IpOrCidr(), True), "mac_address": (MacAddress(), False)}),
               unique=True),
        "Extra IP/MAC pairs the port may send from.", default=[], post=True, put=True),)},
)

EXTRA_DHCP_OPT = Extension(
    alias="extra_dhcp_opt", name="Neutron Extra DHCP options",
    description="Extra options configuration for DHCP. For example PXE boot options to DHCP "
                "clients can be specified (e.g. tftp-server, server-ip-address, bootfile-name)",
    extends={"ports": (Attribute(
        "extra_dhcp_opts",
        ListOf(Object({"opt_name": (String(64, min_len=1), True),
                       "opt_value": (Nullable(String(255)), True),
                       "ip_version": (IP_VERSION, False)})),
        "DHCP options for this port; an opt_value of null removes the option.",
        default=[], post=True, put=True),)},
)

VNIC_TYPES = ("normal", "direct", "macvtap", "baremetal", "direct-physical", "virtio-forwarder",
              "smart-nic", "vdpa", "remote-managed")
BINDING = Extension(
    alias="binding", name="Port Binding", description="Expose port bindings of a virtual port to "
    "external application",
    extends={"ports": (
        Attribute("binding:host_id", String(255), "Host the port is bound to.", default="",
                  post=True, put=True, filter=True, sort=True),
        Attribute("binding:vnic_type", OneOf(VNIC_TYPES), "How the VM attaches.",
                  default="normal", post=True, put=True, filter=True, sort=True),
        Attribute("binding:profile", AnyDict(), "Driver-specific binding data.", default={},
                  post=True, put=True),
        Attribute("binding:vif_type", String(255), "Interface type chosen by the binding.",
                  filter=True),
        Attribute("binding:vif_details", AnyDict(), "Details of the binding."),
    )},
)

IP_ALLOCATION = Extension(
    alias="ip_allocation", name="IP Allocation",
    description="IP allocation extension.",
    extends={"ports": (Attribute("ip_allocation", String(16), "immediate, deferred or none.",
                                 filter=True, sort=True),)},
)

DNS_INTEGRATION = Extension(
    alias="dns-integration", name="DNS Integration",
    description="Provides integration with DNS.",
    extends={
        "ports": (
            Attribute("dns_name", DnsName(63), "Host name of the port.", default="", post=True,
                      put=True, filter=True),
            Attribute("dns_assignment",
                      ListOf(Object({"hostname": (String(), True), "ip_address": (IpAddress(), True),
                                     "fqdn": (String(), True)})),
                      "Names given to each fixed IP."),
        ),
        "networks": (Attribute("dns_domain", DnsName(255, fqdn=True), "DNS domain of the network.",
                               default="", post=True, put=True),),
    },
)

MAC_REGENERATE = Extension(
    alias="port-mac-address-regenerate", name="Neutron Port MAC address regenerate",
    description="Network port MAC address regenerate",
)

IP_SUBSTRING_FILTERING = Extension(
    alias="ip-substring-filtering", name="IP address substring filtering",
    description="Provides IP address substring filtering when listing ports",
)

SUBNET_SERVICE_TYPES = Extension(
    alias="subnet-service-types", name="Subnet service types",
    description="Provides ability to set the subnet service_types field",
    extends={"subnets": (Attribute("service_types", ListOf(String(255), unique=True),
                                   "device_owner values allowed to take addresses here.",
                                   default=[], post=True, put=True),)},
)

EXTENSIONS = [ALLOWED_ADDRESS_PAIRS, EXTRA_DHCP_OPT, BINDING, IP_ALLOCATION, DNS_INTEGRATION,
              MAC_REGENERATE, IP_SUBSTRING_FILTERING, SUBNET_SERVICE_TYPES]
