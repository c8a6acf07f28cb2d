"""Service types (service-type): ``GET /v2.0/service-providers`` lists the router
providers Neutrino ships. Flavors and service profiles (flavors, l3-flavors) are
not served yet."""
from neutrino.definitions.base import Attribute, Extension, Resource
from neutrino.definitions.kinds import Boolean, String
from neutrino.policy.base import ANY, rules_for
from neutrino.registry import Feature
from neutrino.services.flavors.plugin import ServiceProviderPlugin

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
SERVICE_TYPE = Extension(
    alias="service-type", name="Neutron Service Type Management",
    description="API for retrieving service providers for Neutron advanced services",
    updated="2013-01-20T00:00:00-00:00", resources=(SERVICE_PROVIDER,))

FEATURE = Feature(
    name="flavors",
    extensions=(SERVICE_TYPE,),
    plugins={SERVICE_PROVIDER: ServiceProviderPlugin},
    policy_rules=tuple(rules_for(SERVICE_PROVIDER, {"get": ANY})),
)
