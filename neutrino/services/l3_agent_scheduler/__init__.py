"""L3 agent scheduling (alias ``l3_agent_scheduler``): which host's L3 agent carries
each router, the admin views ``/v2.0/routers/{id}/l3-agents`` and
``/v2.0/agents/{id}/l3-routers``, and the binding of the router's ports to that
host (docs/agent.md, "Routers")."""
from neutrino.callbacks import Event
from neutrino.registry import Feature, Subscription
from neutrino.services.l3_agent_scheduler import api, definitions, policy, scheduler

FEATURE = Feature(
    name="l3_agent_scheduler",
    extensions=(definitions.L3_AGENT_SCHEDULER,),
    policy_rules=tuple(policy.RULES),
    subscriptions=(
        Subscription("router", Event.AFTER_CREATE, scheduler.on_router_change),
        Subscription("router", Event.AFTER_UPDATE, scheduler.on_router_change),
        Subscription("agent", Event.AFTER_UPDATE, scheduler.on_agent_change),
    ),
    routes=(api.install,),
)
