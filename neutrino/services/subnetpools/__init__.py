"""Subnet pools (subnet_allocation, default-subnetpools, subnetpool-prefix-ops,
subnet_onboard, rbac-subnetpool) and subnets allocated from them."""
from neutrino.registry import Feature
from neutrino.services.subnetpools import allocation, definitions, plugin, policy

FEATURE = Feature(
    name="subnetpools",
    extensions=tuple(definitions.EXTENSIONS),
    plugins={"subnetpools": plugin.SubnetPoolPlugin},
    extenders=(allocation.SubnetFromPool,),
    policy_rules=tuple(policy.RULES),
    quota_resources={"subnetpool": "subnetpools"},
    rbac_types=(plugin.RBAC_TYPE,),
)
