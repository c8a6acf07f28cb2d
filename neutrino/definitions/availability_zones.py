"""availability_zone: the list of availability zones."""
from neutrino.definitions.base import Attribute, Extension, Resource
from neutrino.definitions.kinds import OneOf, String

RESOURCE = Resource(
    name="availability_zone", collection="availability_zones", standard_attributes=False,
    project_scoped=False, writable=False, bulk=False, id_attribute="name",
    attributes=(
        Attribute("name", String(255), "Zone name.", filter=True, sort=True),
        Attribute("resource", OneOf(("network", "router")), "What the zone hosts.", filter=True,
                  sort=True),
        Attribute("state", OneOf(("available", "unavailable")), "Whether it can host now.",
                  filter=True, sort=True),
    ),
)

EXTENSION = Extension(
    alias="availability_zone", name="Availability Zone",
    description="The availability zone extension.", resources=(RESOURCE,),
)
FILTER = Extension(alias="availability_zone_filter", name="Availability Zone Filter Extension",
                   description="Add filter parameters to AvailabilityZone resource",
                   requires=("availability_zone",))
EXTENSIONS = [EXTENSION, FILTER]
