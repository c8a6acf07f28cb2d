"""Flavors are chosen by anyone and managed by admins; service profiles (which
driver serves a flavor) are for admins only."""
from neutrino.policy.base import ADMIN, ANY, rules_for
from neutrino.services.flavors import definitions

RULES = [
    *rules_for(definitions.SERVICE_PROVIDER, {"get": ANY}),
    *rules_for(definitions.FLAVOR, {"create": ADMIN, "get": ANY, "update": ADMIN,
                                    "delete": ADMIN}),
    *rules_for(definitions.SERVICE_PROFILE, {"create": ADMIN, "get": ADMIN, "update": ADMIN,
                                             "delete": ADMIN}),
    *rules_for(definitions.FLAVOR_SERVICE_PROFILE, {"create": ADMIN, "get": ADMIN,
                                                    "update": ADMIN, "delete": ADMIN}),
]
