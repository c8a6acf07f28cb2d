"""Every default rule, registered in code (the ``oslo.policy.policies`` entry point)."""
from __future__ import annotations

from oslo_policy import policy

from neutrino.services.address_scopes import policy as address_scopes
from neutrino.services.subnetpools import policy as subnetpools

from neutrino.policy import (
    availability,
    base,
    networks,
    ports,
    quotas,
    rbac,
    security_groups,
    subnets,
)


def list_rules() -> list[policy.RuleDefault]:
    return [*base.RULES, *networks.RULES, *subnets.RULES, *ports.RULES, *availability.RULES,
            *quotas.RULES, *rbac.RULES, *security_groups.RULES, *address_scopes.RULES,
            *subnetpools.RULES]
