"""Address scopes (address-scope, rbac-address-scope): the worked example of a feature
package; see docs/development.md, "Adding a feature"."""
from neutrino.registry import Feature
from neutrino.services.address_scopes import definitions, plugin, policy

FEATURE = Feature(
    name="address_scopes",
    extensions=tuple(definitions.EXTENSIONS),
    plugins={"address-scopes": plugin.AddressScopePlugin},
    extenders=(plugin.NetworkAddressScopes,),
    policy_rules=tuple(policy.RULES),
    rbac_types=(plugin.RBAC_TYPE,),
)
