"""Who may do what with QoS: admins write policies and rules (as in Neutron);
projects read their own and those shared with them, and attach those to their
ports, networks and floating IPs. A port's resource_request is for admins (Nova),
a rule type's driver details too."""
from oslo_policy import policy

from neutrino.policy.base import ADMIN, ADMIN_OR_PROJECT_READER, ANY, any_of, rule, rules_for
from neutrino.services.qos import definitions

SHARED_QOS = "rule:shared_qos_policies"
POLICY_READER = "role:reader and project_id:%(policy:project_id)s"
RULE_CHECKS = {"create": ADMIN, "get": any_of(ADMIN, POLICY_READER), "update": ADMIN,
               "delete": ADMIN}

RULES = [
    policy.RuleDefault("shared_qos_policies", "field:policies:shared=True",
                       description="The QoS policy is shared with the caller's project."),
    *rules_for(definitions.POLICY, {"create": ADMIN,
                                    "get": any_of(ADMIN_OR_PROJECT_READER, SHARED_QOS),
                                    "update": ADMIN, "delete": ADMIN}),
    *[r for res in (*definitions.RULES.values(), *definitions.ALIASES.values())
      for r in rules_for(res, RULE_CHECKS)],
    *rules_for(definitions.RULE_TYPE, {"get": ANY}, {"get:drivers": ADMIN}),
    rule("get_port:resource_request", ADMIN,
         "See what a port asks Placement for.", [{"method": "GET", "path": "/ports"}]),
]
