"""Who may do what with trunks: a project's members manage their own trunks (on
ports they see) and their subports, its readers see them (Neutron's defaults)."""
from neutrino.policy.base import ADMIN_OR_PROJECT_MEMBER, ADMIN_OR_PROJECT_READER, rule, rules_for
from neutrino.services.trunk import definitions

RULES = [
    *rules_for(definitions.TRUNK, {
        "create": ADMIN_OR_PROJECT_MEMBER,
        "get": ADMIN_OR_PROJECT_READER,
        "update": ADMIN_OR_PROJECT_MEMBER,
        "delete": ADMIN_OR_PROJECT_MEMBER,
    }),
    rule("add_subports", ADMIN_OR_PROJECT_MEMBER, "Add subports to a trunk.",
         [{"method": "PUT", "path": "/trunks/{id}/add_subports"}]),
    rule("remove_subports", ADMIN_OR_PROJECT_MEMBER, "Remove subports from a trunk.",
         [{"method": "PUT", "path": "/trunks/{id}/remove_subports"}]),
    rule("get_subports", ADMIN_OR_PROJECT_READER, "List a trunk's subports.",
         [{"method": "GET", "path": "/trunks/{id}/get_subports"}]),
]
