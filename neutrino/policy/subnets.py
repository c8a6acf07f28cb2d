"""Who may do what with subnets: the network's owner manages them; whoever
sees the network (shared, external) sees its subnets."""
from neutrino.definitions import core
from neutrino.policy.base import (
    ADMIN_OR_NET_OWNER_MEMBER,
    ADMIN_OR_PROJECT_READER,
    EXTERNAL,
    NET_OWNER_READER,
    SERVICE,
    SHARED,
    any_of,
    rules_for,
)

RULES = rules_for(core.SUBNET, {
    "create": ADMIN_OR_NET_OWNER_MEMBER,
    "get": any_of(ADMIN_OR_PROJECT_READER, NET_OWNER_READER, SHARED, EXTERNAL, SERVICE),
    "update": ADMIN_OR_NET_OWNER_MEMBER,
    "delete": ADMIN_OR_NET_OWNER_MEMBER,
})
# No create:service_types / update:service_types rules: Neutron declares them admin-only
# but never evaluates them (service_types is not an enforce_policy attribute), so whoever
# may create or update a subnet sets its service types.
