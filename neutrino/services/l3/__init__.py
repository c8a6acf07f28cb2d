"""The L3 API: routers (gateways, interfaces, extra routes, ha / distributed) and
floating IPs; see docs/api.md. The packets come with the routing data plane."""
from neutrino.callbacks import Event
from neutrino.registry import Feature, Subscription
from neutrino.services.l3 import definitions, floatingips, policy, routers, service_ports
from neutrino.services.l3.subscriptions import (
    delete_floatingips_with_network,
    guard_port_delete,
    refuse_router_port_ip_change,
)

FEATURE = Feature(
    name="l3",
    extensions=tuple(definitions.EXTENSIONS),
    plugins={definitions.ROUTER: routers.RouterPlugin,
             definitions.FLOATINGIP: floatingips.FloatingIpPlugin,
             definitions.FLOATINGIP_POOL: floatingips.FloatingIpPoolPlugin},
    policy_rules=tuple(policy.RULES),
    quota_resources=(definitions.ROUTER, definitions.FLOATINGIP),
    subscriptions=(Subscription("port", Event.BEFORE_DELETE, guard_port_delete),
                   Subscription("port", Event.BEFORE_UPDATE, refuse_router_port_ip_change),
                   Subscription("network", Event.BEFORE_DELETE, delete_floatingips_with_network)),
)

__all__ = ["FEATURE", "service_ports"]
