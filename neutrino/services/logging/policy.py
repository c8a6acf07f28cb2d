"""Who may do what with packet logs: admins only (as Neutron's defaults), also to
read which resource types may be logged."""
from neutrino.policy.base import ADMIN, rules_for
from neutrino.services.logging import definitions

RULES = [
    *rules_for(definitions.LOG, {"create": ADMIN, "get": ADMIN, "update": ADMIN,
                                 "delete": ADMIN}),
    *rules_for(definitions.LOGGABLE_RESOURCE, {"get": ADMIN}),
]
