"""QoS (qos and the extensions around it), what ports ask Placement for
(port-resource-request), agents' providers in Placement (agent-resources-synced);
see docs/qos.md."""
from neutrino.callbacks import Event
from neutrino.callbacks.registry import PRIORITY_DEFAULT
from neutrino.registry import Feature, Subscription
from neutrino.services.qos import (
    binding_check,
    bindings,
    definitions,
    policies,
    policy,
    rule_types,
    rules,
)
from neutrino.services.qos.placement import reporter

# After the agents feature's binding step (same event, default priority).
AFTER_BINDING = PRIORITY_DEFAULT + 1000

FEATURE = Feature(
    name="qos",
    extensions=tuple(definitions.EXTENSIONS),
    plugins={
        definitions.POLICY: policies.QosPolicyPlugin,
        definitions.RULE_TYPE: rule_types.RuleTypePlugin,
        **{res: rules.plugin_for(t) for t, res in definitions.RULES.items()},
        **{res: rules.plugin_for(t, alias=True) for t, res in definitions.ALIASES.items()},
    },
    extenders=(bindings.PortQos, bindings.NetworkQos, bindings.FloatingIpQos,
               bindings.AgentResourcesSynced, bindings.RouterGatewayQos),
    policy_rules=tuple(policy.RULES),
    rbac_types=(policies.RBAC_TYPE,),
    subscriptions=(
        Subscription("port", Event.PRECOMMIT_CREATE, binding_check.check_allocation,
                     AFTER_BINDING),
        Subscription("port", Event.BEFORE_UPDATE, binding_check.remember_unbound),
        Subscription("agent", Event.AFTER_UPDATE, reporter.agent_subscriber),
        Subscription("router", Event.PRECOMMIT_CREATE, bindings.set_gateway_policy),
        Subscription("router", Event.PRECOMMIT_UPDATE, bindings.set_gateway_policy),
        Subscription("port", Event.PRECOMMIT_UPDATE, binding_check.check_allocation,
                     AFTER_BINDING),
    ),
    background=(reporter.start_poller,),
)
