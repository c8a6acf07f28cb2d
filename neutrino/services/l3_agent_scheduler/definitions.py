"""The ``l3_agent_scheduler`` extension: routes only, no resource of its own."""
from neutrino.definitions.base import Extension, Operation

_ROUTER_ID = {"type": "object", "properties": {"router_id": {"type": "string"}},
              "required": ["router_id"]}

L3_AGENT_SCHEDULER = Extension(
    alias="l3_agent_scheduler", name="L3 Agent Scheduler",
    description="Schedule routers among l3 agents", updated="2013-02-07T10:00:00-00:00",
    requires=("agent", "router"),
    operations=(
        Operation("get", "/v2.0/agents/{agent_id}/l3-routers",
                  "Routers an L3 agent hosts (admin)",
                  response={"type": "object", "properties": {"routers": {"type": "array"}}}),
        Operation("post", "/v2.0/agents/{agent_id}/l3-routers",
                  "Make an L3 agent host a router (admin)", status=201, request=_ROUTER_ID),
        Operation("delete", "/v2.0/agents/{agent_id}/l3-routers/{router_id}",
                  "Remove a router from an L3 agent (admin)", status=204),
        Operation("get", "/v2.0/routers/{router_id}/l3-agents",
                  "L3 agents hosting a router (admin)",
                  response={"type": "object", "properties": {"agents": {"type": "array"}}}),
    ),
)
