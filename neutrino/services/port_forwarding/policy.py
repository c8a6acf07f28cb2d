"""Port forwardings belong with their floating IP: its project's members manage
them (Neutron's admin_or_ext_parent_owner), its readers see them."""
from neutrino.policy.base import ADMIN, any_of, rules_for
from neutrino.services.port_forwarding import definitions

FIP_MEMBER = "role:member and project_id:%(floatingip:project_id)s"
FIP_READER = "role:reader and project_id:%(floatingip:project_id)s"

RULES = rules_for(definitions.PORT_FORWARDING, {
    "create": any_of(ADMIN, FIP_MEMBER),
    "get": any_of(ADMIN, FIP_READER),
    "update": any_of(ADMIN, FIP_MEMBER),
    "delete": any_of(ADMIN, FIP_MEMBER),
})
