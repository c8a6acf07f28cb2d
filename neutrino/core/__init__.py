"""The core feature: networks, subnets, ports, security groups, RBAC policies, quotas,
IP availability and availability zones (plugins, IPAM and RBAC helpers live in
this package's modules; this is their one declaration to the registry)."""
from neutrino import definitions
from neutrino.core.ip_availability import AvailabilityZonePlugin, IpAvailabilityPlugin
from neutrino.core.networks import NETWORK_TYPE, NetworkPlugin
from neutrino.core.ports import PortPlugin
from neutrino.core.rbac_policies import RbacPolicyPlugin
from neutrino.core.security_groups import SecurityGroupPlugin, SecurityGroupRulePlugin
from neutrino.core.subnets import SubnetPlugin
from neutrino.definitions import availability_zones, ip_availability
from neutrino.definitions import core as core_definitions
from neutrino.definitions import rbac as rbac_definitions
from neutrino.definitions import security_groups as sg_definitions
from neutrino.policy import availability as availability_rules
from neutrino.policy import networks as network_rules
from neutrino.policy import ports as port_rules
from neutrino.policy import quotas as quota_rules
from neutrino.policy import rbac as rbac_rules
from neutrino.policy import security_groups as security_group_rules
from neutrino.policy import subnets as subnet_rules
from neutrino.registry import Feature

FEATURE = Feature(
    name="core",
    extensions=tuple(definitions.ALL_EXTENSIONS),
    resources=tuple(core_definitions.RESOURCES),
    plugins={
        core_definitions.NETWORK: NetworkPlugin,
        core_definitions.SUBNET: SubnetPlugin,
        core_definitions.PORT: PortPlugin,
        sg_definitions.SECURITY_GROUP: SecurityGroupPlugin,
        sg_definitions.SECURITY_GROUP_RULE: SecurityGroupRulePlugin,
        ip_availability.RESOURCE: IpAvailabilityPlugin,
        availability_zones.RESOURCE: AvailabilityZonePlugin,
        rbac_definitions.RBAC_POLICY: RbacPolicyPlugin,
    },
    # Attribute names of this package's modules are never shadowed here: plugins
    # import e.g. ``neutrino.core.quotas``, so the rule modules keep other names.
    policy_rules=(*network_rules.RULES, *subnet_rules.RULES, *port_rules.RULES,
                  *availability_rules.RULES, *quota_rules.RULES, *rbac_rules.RULES,
                  *security_group_rules.RULES),
    quota_resources=(core_definitions.NETWORK, core_definitions.SUBNET, core_definitions.PORT,
                     sg_definitions.SECURITY_GROUP, sg_definitions.SECURITY_GROUP_RULE,
                     rbac_definitions.RBAC_POLICY),
    rbac_types=(NETWORK_TYPE,),
)
