"""Who may do what with address scopes: projects manage their own; sharing one
(shared=true, or an RBAC policy to every project) is for admins; whoever a scope
is shared with sees it."""
from oslo_policy import policy

from neutrino.policy.base import (
    ADMIN,
    ADMIN_OR_PROJECT_MEMBER,
    ADMIN_OR_PROJECT_READER,
    any_of,
    resource_rules,
)

SHARED_ADDRESS_SCOPES = "rule:shared_address_scopes"

RULES = [
    policy.RuleDefault("shared_address_scopes", "field:address_scopes:shared=True",
                       description="The address scope is shared with the caller's project."),
    *resource_rules("address_scope", "/address-scopes", {
        "create": ADMIN_OR_PROJECT_MEMBER,
        "get": any_of(ADMIN_OR_PROJECT_READER, SHARED_ADDRESS_SCOPES),
        "update": ADMIN_OR_PROJECT_MEMBER,
        "delete": ADMIN_OR_PROJECT_MEMBER,
    }, {
        "create:shared": ADMIN,
        "update:shared": ADMIN,
    }),
]
