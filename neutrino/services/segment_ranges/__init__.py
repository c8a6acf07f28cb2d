"""Network segment ranges: ``/v2.0/network_segment_ranges`` (alias
``network-segment-range``), the ranges tenant networks' segmentation ids come from;
see docs/segments.md."""
from neutrino.registry import Feature
from neutrino.services.segment_ranges import definitions, plugin, policy

FEATURE = Feature(
    name="segment_ranges",
    extensions=tuple(definitions.EXTENSIONS),
    plugins={definitions.NETWORK_SEGMENT_RANGE: plugin.NetworkSegmentRangePlugin},
    policy_rules=tuple(policy.RULES),
)
