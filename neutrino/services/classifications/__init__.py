"""The common classification framework (classifications): classifications and
classification groups, and DSCP marking rules of QoS that mark only what a group
matches; see docs/classifications.md."""
from neutrino.callbacks import Event
from neutrino.registry import Feature, Subscription
from neutrino.services.classifications import definitions, plugin, policy, qos_dscp

FEATURE = Feature(
    name="classifications",
    extensions=tuple(definitions.EXTENSIONS),
    plugins={definitions.CLASSIFICATION: plugin.ClassificationPlugin,
             definitions.CLASSIFICATION_GROUP: plugin.ClassificationGroupPlugin,
             definitions.CLASSIFICATION_TYPE: plugin.ClassificationTypePlugin},
    policy_rules=tuple(policy.RULES),
    subscriptions=tuple(
        Subscription(resource, event, qos_dscp.check_group)
        for resource in ("dscp_marking_rule", "alias_dscp_marking_rule")
        for event in (Event.PRECOMMIT_CREATE, Event.PRECOMMIT_UPDATE)),
)
