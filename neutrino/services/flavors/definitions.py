"""Flavors and service profiles (flavors), router flavors (l3-flavors) and service
providers (service-type)."""
from neutrino.definitions.base import REQUIRED, Attribute, Extension, Resource, with_changes
from neutrino.definitions.common import ID
from neutrino.definitions.kinds import Boolean, ListOf, Nullable, String, Uuid

# Neutron does not validate an id filter of flavors and profiles: ?id=33 finds nothing.
ANY_ID = with_changes(ID, filter_kind=String(255))

SERVICE_PROVIDER = Resource(
    name="service_provider", collection="service_providers", path="service-providers",
    standard_attributes=False, project_scoped=False, writable=False, bulk=False,
    id_attribute="name",
    attributes=(
        Attribute("service_type", String(255), "The service: L3_ROUTER_NAT.", filter=True,
                  sort=True),
        Attribute("name", String(255), "The provider's name.", filter=True, sort=True),
        Attribute("default", Boolean(), "The service type's default provider.", filter=True),
    ),
)
FLAVOR = Resource(
    name="flavor", collection="flavors", standard_attributes=False, project_scoped=False,
    attributes=(
        ANY_ID,
        Attribute("name", String(255), "Name.", default="", post=True, put=True, filter=True,
                  sort=True),
        Attribute("description", String(1024), "Description.", default="", post=True,
                  put=True, filter=True),
        Attribute("service_type", String(255), "The service the flavor is for (L3_ROUTER_NAT).",
                  default=REQUIRED, post=True, filter=True, sort=True),
        Attribute("service_profiles", ListOf(Uuid(), unique=True),
                  "Service profiles of the flavor.", default=[], post=True, put=True),
        Attribute("enabled", Boolean(), "Whether the flavor may be used.", default=True,
                  post=True, put=True, filter=True),
    ),
)
SERVICE_PROFILE = Resource(
    name="service_profile", collection="service_profiles", standard_attributes=False,
    project_scoped=False,
    attributes=(
        ANY_ID,
        Attribute("description", String(1024), "Description.", default="", post=True,
                  put=True, filter=True),
        Attribute("driver", String(1024), "The provider driver (Python class path).",
                  default="", post=True, put=True, filter=True),
        Attribute("metainfo", String(4096), "JSON text for the driver.", default="",
                  post=True, put=True),
        Attribute("enabled", Boolean(), "Whether the profile may be used.", default=True,
                  post=True, put=True, filter=True),
    ),
)
# POST /v2.0/flavors/{id}/service_profiles {"service_profile": {"id": ...}} associates a
# profile, DELETE .../service_profiles/{profile id} dissociates it (Neutron's names:
# the flavor_service_profile rules). A member is a profile's id, unique per flavor only.
FLAVOR_SERVICE_PROFILE = Resource(
    name="flavor_service_profile", body_key="service_profile", collection="service_profiles",
    parent="flavors", standard_attributes=False, project_scoped=False, bulk=False,
    ids_per_parent=True,
    attributes=(
        Attribute("id", Uuid(), "The associated service profile's id.", default=REQUIRED,
                  post=True, filter=True),
    ),
)

SERVICE_TYPE = Extension(
    alias="service-type", name="Neutron Service Type Management",
    description="API for retrieving service providers for Neutron advanced services",
    updated="2013-01-20T00:00:00-00:00", resources=(SERVICE_PROVIDER,))
FLAVORS = Extension(
    alias="flavors", name="Neutron Service Flavors",
    description="Flavor specification for Neutron advanced services.",
    updated="2015-09-17T10:00:00-00:00",
    resources=(FLAVOR, SERVICE_PROFILE, FLAVOR_SERVICE_PROFILE))
L3_FLAVORS = Extension(
    alias="l3-flavors", name="Router Flavor Extension", description="Flavor support for routers.",
    updated="2016-05-17T00:00:00-00:00",
    extends={"routers": (Attribute("flavor_id", Nullable(Uuid()),
                                   "The router's flavor (chooses its provider); create only.",
                                   default=None, post=True, filter=True),)},
    requires=("router", "flavors"))

EXTENSIONS = [SERVICE_TYPE, FLAVORS, L3_FLAVORS]
