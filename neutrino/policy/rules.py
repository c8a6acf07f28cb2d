"""Every default rule (the ``oslo.policy.policies`` entry point): the named building
blocks of ``base`` and the rules each feature declares to the registry."""
from __future__ import annotations

from oslo_policy import policy

from neutrino.policy import base


def list_rules(feature_rules: list[policy.RuleDefault] | None = None) -> list[policy.RuleDefault]:
    """The base rules and ``feature_rules`` (by default those of the in-tree features)."""
    if feature_rules is None:
        from neutrino.registry import FEATURES, load_features

        feature_rules = [r for f in load_features(FEATURES) for r in f.rules()]
    return [*base.RULES, *feature_rules]
