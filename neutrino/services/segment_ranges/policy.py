"""Network segment ranges are for admins only (Neutron's defaults)."""
from neutrino.policy.base import ADMIN, rules_for
from neutrino.services.segment_ranges import definitions

RULES = rules_for(definitions.NETWORK_SEGMENT_RANGE, {"create": ADMIN, "get": ADMIN,
                                                      "update": ADMIN, "delete": ADMIN})
