"""Who may do what with subnets: the network's owner manages them; whoever
sees the network (shared, external) sees its subnets."""
from neutrino.definitions import core
from neutrino.policy.base import (
    ADMIN,
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
}, {
    "create:service_types": ADMIN,
    "update:service_types": ADMIN,
})
