"""Who may share what: owners share their objects with chosen projects; sharing
with every project ('*') is for admins."""
from neutrino.definitions.rbac import RBAC_POLICY
from neutrino.policy.base import (
    ADMIN,
    ADMIN_OR_PROJECT_MEMBER,
    ADMIN_OR_PROJECT_READER,
    any_of,
    rules_for,
)

NOT_WILDCARD = "not field:rbac_policy:target_tenant=*"

RULES = rules_for(RBAC_POLICY, {
    "create": ADMIN_OR_PROJECT_MEMBER,
    "get": ADMIN_OR_PROJECT_READER,
    "update": ADMIN_OR_PROJECT_MEMBER,
    "delete": ADMIN_OR_PROJECT_MEMBER,
}, {
    "create:target_tenant": any_of(ADMIN, NOT_WILDCARD),
    "update:target_tenant": any_of(ADMIN, NOT_WILDCARD),
})
