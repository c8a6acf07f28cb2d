"""network-ip-availability: per-network and per-subnet address usage (admin)."""
from neutrino.definitions.base import Attribute, Extension, Resource
from neutrino.definitions.common import IP_VERSION, OWNED
from neutrino.definitions.kinds import AnyDict, Integer, ListOf, String, Uuid

RESOURCE = Resource(
    name="network_ip_availability", collection="network_ip_availabilities",
    path="network-ip-availabilities", standard_attributes=False, writable=False, bulk=False,
    id_attribute="network_id",
    attributes=(
        Attribute("network_id", Uuid(), "The network.", filter=True, sort=True),
        Attribute("network_name", String(255), "Its name.", filter=True, sort=True),
        *OWNED,
        Attribute("ip_version", IP_VERSION, "Only count subnets of this version.",
                  visible=False, filter=True),
        Attribute("total_ips", Integer(), "Addresses in all allocation pools."),
        Attribute("used_ips", Integer(), "Addresses allocated."),
        Attribute("subnet_ip_availability", ListOf(AnyDict()), "Per-subnet figures."),
    ),
)

EXTENSION = Extension(
    alias="network-ip-availability", name="Network IP Availability",
    description="Provides IP availability data for each network and subnet.",
    resources=(RESOURCE,),
)
