"""Who may do what with subnet pools: projects manage their own pools and their
prefixes; shared and default pools are the admin's; whoever a pool is shared
with sees it and may allocate subnets from it."""
from oslo_policy import policy

from neutrino.policy.base import (
    ADMIN,
    ADMIN_OR_PROJECT_MEMBER,
    ADMIN_OR_PROJECT_READER,
    any_of,
    resource_rules,
    rule,
)

SHARED_SUBNETPOOLS = "rule:shared_subnetpools"
ACTIONS = {
    "add_prefixes": "Add prefixes to a subnet pool.",
    "remove_prefixes": "Remove unallocated prefixes from a subnet pool.",
    "onboard_network_subnets": "Move a network's subnets into a subnet pool.",
}

RULES = [
    policy.RuleDefault("shared_subnetpools", "field:subnetpools:shared=True",
                       description="The subnet pool is shared with the caller's project."),
    *resource_rules("subnetpool", "/subnetpools", {
        "create": ADMIN_OR_PROJECT_MEMBER,
        "get": any_of(ADMIN_OR_PROJECT_READER, SHARED_SUBNETPOOLS),
        "update": ADMIN_OR_PROJECT_MEMBER,
        "delete": ADMIN_OR_PROJECT_MEMBER,
    }, {
        "create:shared": ADMIN,
        "create:is_default": ADMIN,
        "update:is_default": ADMIN,
    }),
    *(rule(action, ADMIN_OR_PROJECT_MEMBER, text,
           [{"method": "PUT", "path": f"/subnetpools/{{id}}/{action}"}])
      for action, text in ACTIONS.items()),
]
