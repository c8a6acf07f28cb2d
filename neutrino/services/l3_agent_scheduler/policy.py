"""The L3 agent scheduler is for admins only, as in Neutron."""
from neutrino.policy.base import ADMIN, rule

RULES = [
    rule("create_l3-router", ADMIN, "Make an L3 agent host a router.",
         [{"method": "POST", "path": "/agents/{agent_id}/l3-routers"}]),
    rule("get_l3-routers", ADMIN, "List the routers an L3 agent hosts.",
         [{"method": "GET", "path": "/agents/{agent_id}/l3-routers"}]),
    rule("delete_l3-router", ADMIN, "Remove a router from an L3 agent.",
         [{"method": "DELETE", "path": "/agents/{agent_id}/l3-routers/{router_id}"}]),
    rule("get_l3-agents", ADMIN, "List the L3 agents hosting a router.",
         [{"method": "GET", "path": "/routers/{router_id}/l3-agents"}]),
]
