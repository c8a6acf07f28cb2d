"""Agents and the DHCP scheduler are for admins only, as in Neutron."""
from neutrino.policy.base import ADMIN, rule, rules_for
from neutrino.services.agents import definitions

RULES = [
    *rules_for(definitions.AGENT, {"create": ADMIN, "get": ADMIN, "update": ADMIN,
                                   "delete": ADMIN}),
    rule("create_dhcp-network", ADMIN, "Make a DHCP agent host a network.",
         [{"method": "POST", "path": "/agents/{agent_id}/dhcp-networks"}]),
    rule("get_dhcp-networks", ADMIN, "List the networks a DHCP agent hosts.",
         [{"method": "GET", "path": "/agents/{agent_id}/dhcp-networks"}]),
    rule("delete_dhcp-network", ADMIN, "Remove a network from a DHCP agent.",
         [{"method": "DELETE", "path": "/agents/{agent_id}/dhcp-networks/{network_id}"}]),
    rule("get_dhcp-agents", ADMIN, "List the DHCP agents hosting a network.",
         [{"method": "GET", "path": "/networks/{network_id}/dhcp-agents"}]),
]
