"""QoS (qos and the extensions around it) and what ports ask Placement for
(port-resource-request); see docs/qos.md."""
from neutrino.registry import Feature
from neutrino.services.qos import bindings, definitions, policies, policy, rule_types, rules

FEATURE = Feature(
    name="qos",
    extensions=tuple(definitions.EXTENSIONS),
    plugins={
        definitions.POLICY: policies.QosPolicyPlugin,
        definitions.RULE_TYPE: rule_types.RuleTypePlugin,
        **{res: rules.plugin_for(t) for t, res in definitions.RULES.items()},
        **{res: rules.plugin_for(t, alias=True) for t, res in definitions.ALIASES.items()},
    },
    extenders=(bindings.PortQos, bindings.NetworkQos, bindings.FloatingIpQos),
    policy_rules=tuple(policy.RULES),
    rbac_types=(policies.RBAC_TYPE,),
)
