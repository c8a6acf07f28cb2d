"""Driver health is the cloud's inside: admins only."""
from neutrino.policy.base import ADMIN, rules_for
from neutrino.services.driver_health import definitions

RULES = rules_for(definitions.DRIVER_HEALTH, {"get": ADMIN})
