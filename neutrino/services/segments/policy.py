"""Segments and port bindings are for admins only (Neutron's Rocky defaults; Nova
calls the bindings API with an admin token)."""
from neutrino.policy.base import ADMIN, rule, rules_for
from neutrino.services.segments import definitions

BINDINGS = "/ports/{port_id}/bindings"
RULES = [
    *rules_for(definitions.SEGMENT, {"create": ADMIN, "get": ADMIN, "update": ADMIN,
                                     "delete": ADMIN}),
    rule("get_port_binding", ADMIN, "List or show a port's bindings.",
         [{"method": "GET", "path": BINDINGS}, {"method": "GET", "path": BINDINGS + "/{host}"}]),
    rule("create_port_binding", ADMIN, "Bind a port on a host.",
         [{"method": "POST", "path": BINDINGS}]),
    rule("update_port_binding", ADMIN, "Change a port's binding on a host.",
         [{"method": "PUT", "path": BINDINGS + "/{host}"}]),
    rule("activate", ADMIN, "Make a port's binding on a host the active one.",
         [{"method": "PUT", "path": BINDINGS + "/{host}/activate"}]),
    rule("delete_port_binding", ADMIN, "Delete a port's binding on a host.",
         [{"method": "DELETE", "path": BINDINGS + "/{host}"}]),
]
