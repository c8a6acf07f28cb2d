"""Segments and multiple port bindings: ``/v2.0/segments`` (alias ``segment``, with
``standard-attr-segment``), networks of several segments (``multi-provider``),
subnets on segments and the addresses of ports on routed networks, and
``/v2.0/ports/{id}/bindings`` (``binding-extended``); see docs/segments.md."""
from neutrino.callbacks import Event
from neutrino.registry import Feature, Subscription
from neutrino.services.segments import api, bindings, definitions, plugin, policy, routing

FEATURE = Feature(
    name="segments",
    extensions=tuple(definitions.EXTENSIONS),
    plugins={definitions.SEGMENT: plugin.SegmentPlugin},
    extenders=(plugin.SubnetSegment, routing.PortOnSegment),
    policy_rules=tuple(policy.RULES),
    subscriptions=(
        Subscription("network", Event.BEFORE_DELETE, plugin.delete_with_network),
        Subscription("port", Event.BEFORE_UPDATE, routing.allocate_deferred),
        Subscription("port", Event.BEFORE_UPDATE, bindings.drop_inactive_on_new_host),
    ),
    routes=(api.install,),
)
