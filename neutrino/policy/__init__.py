"""Policy in code: the default rules (one module per resource) and their
enforcement. Operators override single rules in a policy file
(``[oslo_policy] policy_file``, default ``policy.yaml`` next to the configuration).

Entry points: ``oslo.policy.policies`` -> ``list_rules``, ``oslo.policy.enforcer``
-> ``get_enforcer``, for oslopolicy-sample-generator / -policy-generator.
"""
from __future__ import annotations

from oslo_policy import policy

from neutrino.policy.enforcer import Decisions, Policy, make_enforcer
from neutrino.policy.rules import list_rules

__all__ = ["Decisions", "Policy", "get_enforcer", "list_rules"]


def get_enforcer() -> policy.Enforcer:
    """An enforcer with Neutrino's defaults, for oslo.policy's command-line tools."""
    from oslo_config import cfg

    conf = cfg.ConfigOpts()
    conf([], project="neutrino")
    return make_enforcer(conf)
