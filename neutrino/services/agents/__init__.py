"""Agents: the records host agents register and heartbeat (/v2.0/agents, alias
``agent``), the pseudo-agents admins register for agent-less hosts
(``pseudo-agents``), the physical networks each reaches (``agent-physical-networks``),
the DHCP scheduler (``dhcp_agent_scheduler``), port binding through the mechanism
drivers and the port status agents report (docs/agent-feed.md)."""
from neutrino.callbacks import Event
from neutrino.registry import Feature, Subscription
from neutrino.services.agents import (
    api, binding, definitions, dhcp, physnets, plugin, policy, registration,
)

FEATURE = Feature(
    name="agents",
    extensions=tuple(definitions.EXTENSIONS),
    plugins={definitions.AGENT: plugin.AgentPlugin},
    extenders=(physnets.AgentPhysicalNetworks,),
    policy_rules=tuple(policy.RULES),
    subscriptions=(
        Subscription("port", Event.PRECOMMIT_CREATE, binding.on_create),
        Subscription("port", Event.BEFORE_UPDATE, binding.remember_binding),
        Subscription("port", Event.PRECOMMIT_UPDATE, binding.on_update),
        Subscription("agent", Event.AFTER_CREATE, registration.on_created),
        Subscription("subnet", Event.AFTER_CREATE, dhcp.on_subnet_change),
        Subscription("subnet", Event.AFTER_UPDATE, dhcp.on_subnet_change),
        Subscription("subnet", Event.AFTER_DELETE, dhcp.on_subnet_change),
    ),
    routes=(api.install,),
    background=(registration.start_checker,),
)
