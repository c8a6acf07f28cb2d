"""Flavors and service profiles (flavors), router flavors (l3-flavors) and the
service providers (service-type)."""
from neutrino.registry import Feature
from neutrino.services.flavors import definitions, plugin, policy, providers

FEATURE = Feature(
    name="flavors",
    extensions=tuple(definitions.EXTENSIONS),
    plugins={definitions.SERVICE_PROVIDER: plugin.ServiceProviderPlugin,
             definitions.FLAVOR: plugin.FlavorPlugin,
             definitions.SERVICE_PROFILE: plugin.ServiceProfilePlugin,
             definitions.FLAVOR_SERVICE_PROFILE: plugin.FlavorProfilesPlugin},
    extenders=(plugin.RouterFlavor,),
    policy_rules=tuple(policy.RULES),
    # Each router provider serves its routers through router events, in priority order.
    subscriptions=providers.SUBSCRIPTIONS,
)
