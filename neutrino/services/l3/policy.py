"""Who may do what with routers and floating IPs (Neutron's rule names): projects
manage their own; the SNAT mode, fixed gateway addresses, ha and distributed are
for admins, and so is choosing a floating IP's address."""
from neutrino.policy.base import (
    ADMIN,
    ADMIN_OR_PROJECT_MEMBER,
    ADMIN_OR_PROJECT_READER,
    ANY,
    rule,
    rules_for,
)
from neutrino.services.l3 import definitions

GATEWAY = "external_gateway_info"

RULES = [
    *rules_for(definitions.ROUTER, {
        "create": ADMIN_OR_PROJECT_MEMBER,
        "get": ADMIN_OR_PROJECT_READER,
        "update": ADMIN_OR_PROJECT_MEMBER,
        "delete": ADMIN_OR_PROJECT_MEMBER,
    }, {
        f"create:{GATEWAY}": ADMIN_OR_PROJECT_MEMBER,
        f"create:{GATEWAY}:network_id": ADMIN_OR_PROJECT_MEMBER,
        f"create:{GATEWAY}:enable_snat": ADMIN,
        f"create:{GATEWAY}:external_fixed_ips": ADMIN,
        "create:distributed": ADMIN,
        "create:ha": ADMIN,
        "get:distributed": ADMIN,
        "get:ha": ADMIN,
        f"update:{GATEWAY}": ADMIN_OR_PROJECT_MEMBER,
        f"update:{GATEWAY}:network_id": ADMIN_OR_PROJECT_MEMBER,
        f"update:{GATEWAY}:enable_snat": ADMIN,
        f"update:{GATEWAY}:external_fixed_ips": ADMIN,
        "update:distributed": ADMIN,
        "update:ha": ADMIN,
    }),
    *(rule(name, ADMIN_OR_PROJECT_MEMBER, what,
           [{"method": "PUT", "path": f"/routers/{{id}}/{name}"}])
      for name, what in (("add_router_interface", "Add an interface to a router."),
                         ("remove_router_interface", "Remove an interface from a router."),
                         ("add_extraroutes", "Add extra routes to a router."),
                         ("remove_extraroutes", "Remove extra routes from a router."))),
    *rules_for(definitions.FLOATINGIP, {
        "create": ADMIN_OR_PROJECT_MEMBER,
        "get": ADMIN_OR_PROJECT_READER,
        "update": ADMIN_OR_PROJECT_MEMBER,
        "delete": ADMIN_OR_PROJECT_MEMBER,
    }, {
        "create:floating_ip_address": ADMIN,
    }),
    *rules_for(definitions.FLOATINGIP_POOL, {"get": ANY}),
]
