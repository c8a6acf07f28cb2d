"""Who may do what with networks."""
from neutrino.definitions import core
from neutrino.policy.base import (
    ADMIN,
    ADMIN_OR_PROJECT_MEMBER,
    ADMIN_OR_PROJECT_READER,
    ANY,
    EXTERNAL,
    SERVICE,
    SHARED,
    any_of,
    rules_for,
)

PROVIDER = ("provider:network_type", "provider:physical_network", "provider:segmentation_id")

RULES = rules_for(core.NETWORK, {
    "create": ADMIN_OR_PROJECT_MEMBER,
    "get": any_of(ADMIN_OR_PROJECT_READER, SHARED, EXTERNAL, SERVICE),
    "update": ADMIN_OR_PROJECT_MEMBER,
    "delete": ADMIN_OR_PROJECT_MEMBER,
}, {
    "create:shared": ADMIN,
    "create:router:external": ADMIN,
    "create:port_security_enabled": ADMIN_OR_PROJECT_MEMBER,
    "create:availability_zone_hints": ADMIN_OR_PROJECT_MEMBER,
    **{f"create:{a}": ADMIN for a in PROVIDER},
    "get:router:external": ANY,
    **{f"get:{a}": ADMIN for a in PROVIDER},
    "update:shared": ADMIN,
    "update:router:external": ADMIN,
    "update:port_security_enabled": ADMIN_OR_PROJECT_MEMBER,
    **{f"update:{a}": ADMIN for a in PROVIDER},
})
