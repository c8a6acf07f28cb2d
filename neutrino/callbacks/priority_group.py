"""Named priority bands of router subscribers (smaller runs first), as neutron-lib's
``priority_group``: attribute handlers fill a router's attributes, third parties
run at the default, the controller moves routers between providers, and the
providers (drivers) act last, each on its own routers."""
from neutrino.callbacks.registry import PRIORITY_DEFAULT

PRIORITY_ROUTER_EXTENDED_ATTRIBUTE = PRIORITY_DEFAULT - 100
PRIORITY_ROUTER_DEFAULT = PRIORITY_DEFAULT
PRIORITY_ROUTER_CONTROLLER = PRIORITY_DEFAULT + 100
PRIORITY_ROUTER_DRIVER = PRIORITY_DEFAULT + 200
