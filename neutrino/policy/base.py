"""The building blocks every resource's policy uses: the secure-RBAC personas
(admin, service, project manager / member / reader), owner rules on the
resource's project and on its network's project, and the ``field:`` check.

Check strings are composed from these constants so that a resource module
reads like the table of who may do what.
"""
from __future__ import annotations

import re
from typing import Any

from oslo_policy import policy

# ---- named rules (operators may override these too) ------------------------------
ADMIN = "rule:admin_only"
SERVICE = "rule:service_api"
ANY = "rule:regular_user"
NET_OWNER = "rule:network_owner"
SHARED = "rule:shared"
EXTERNAL = "rule:external"

PROJECT_MANAGER = "role:manager and project_id:%(project_id)s"
PROJECT_MEMBER = "role:member and project_id:%(project_id)s"
PROJECT_READER = "role:reader and project_id:%(project_id)s"
NET_OWNER_MEMBER = f"role:member and {NET_OWNER}"
NET_OWNER_READER = f"role:reader and {NET_OWNER}"


def any_of(*checks: str) -> str:
    return " or ".join(f"({c})" for c in checks)


ADMIN_OR_SERVICE = any_of(ADMIN, SERVICE)
ADMIN_OR_PROJECT_MANAGER = any_of(ADMIN, PROJECT_MANAGER)
ADMIN_OR_PROJECT_MEMBER = any_of(ADMIN, PROJECT_MEMBER)
ADMIN_OR_PROJECT_READER = any_of(ADMIN, PROJECT_READER)
ADMIN_OR_NET_OWNER_MEMBER = any_of(ADMIN, NET_OWNER_MEMBER)

@policy.register("field")
class FieldCheck(policy.Check):
    """``field:<collection>:<attribute>=<value>`` (``=~<regex>`` for a pattern).

    The attribute is read from the target, or from its parent when the target is
    a child resource: ``field:networks:shared=True`` on a port reads the
    ``network:shared`` key the API puts in a port's target.
    """

    def __init__(self, kind: str, match: str) -> None:
        super().__init__(kind, match)
        resource, _, rest = match.partition(":")
        self.field, _, value = rest.partition("=")
        self.parent_key = f"{resource.removesuffix('s')}:{self.field}"
        if value.startswith("~"):
            pattern = re.compile(value[1:])
            self.test = lambda v: v is not None and bool(pattern.search(str(v)))
        else:
            self.test = lambda v: v is not None and str(v).lower() == value.lower()

    def target_keys(self) -> tuple[str, ...]:
        return (self.parent_key, self.field)

    def __call__(self, target: dict, creds: dict, enforcer: Any, current_rule=None) -> bool:
        value = target.get(self.parent_key, target.get(self.field))
        return self.test(value)


RULES = [
    policy.RuleDefault("context_is_admin", "role:admin",
                       description="Who is an administrator: anyone with the admin role."),
    policy.RuleDefault("admin_only", "rule:context_is_admin",
                       description="Only administrators."),
    policy.RuleDefault("service_api", "role:service",
                       description="Service users (Nova, Ironic, Octavia...) acting for projects."),
    policy.RuleDefault("regular_user", "", description="Anyone authenticated."),
    policy.RuleDefault("network_owner", "project_id:%(network:project_id)s",
                       description="The caller's project owns the resource's network."),
    policy.RuleDefault("shared", "field:networks:shared=True",
                       description="The network (or the resource's network) is shared."),
    policy.RuleDefault("external", "field:networks:router:external=True",
                       description="The network (or the resource's network) is external."),
]

# Roles imply weaker ones, as Keystone's default role implications do
# (admin > manager > member > reader); applied to identities that did not come
# from a Keystone token, which lists implied roles itself.
IMPLIED_ROLES = {"admin": ("manager", "member", "reader"), "manager": ("member", "reader"),
                 "member": ("reader",)}


def with_implied(roles: frozenset[str]) -> frozenset[str]:
    out = set(roles)
    for role in roles:
        out.update(IMPLIED_ROLES.get(role, ()))
    return frozenset(out)


def collection_ops(path: str) -> dict[str, list[dict]]:
    """The operations of a collection's actions, for the documentation of rules."""
    member = f"{path}/{{id}}"
    return {
        "create": [{"method": "POST", "path": path}],
        "get": [{"method": "GET", "path": path}, {"method": "GET", "path": member}],
        "update": [{"method": "PUT", "path": member}],
        "delete": [{"method": "DELETE", "path": member}],
    }


def rule(name: str, check_str: str, description: str,
         operations: list[dict]) -> policy.DocumentedRuleDefault:
    return policy.DocumentedRuleDefault(name=name, check_str=check_str, description=description,
                                        operations=operations, scope_types=["project"])


def resource_rules(singular: str, path: str, checks: dict[str, str],
                   attributes: dict[str, str] | None = None) -> list[policy.DocumentedRuleDefault]:
    """Rules of a collection: ``checks`` by action, and ``attributes`` mapping
    ``<action>:<attribute>`` (e.g. ``create:mac_address``) to a check string."""
    ops = collection_ops(path)
    verbs = {"create": "Create", "get": "Show or list", "update": "Update", "delete": "Delete"}
    out = [rule(f"{action}_{singular}", check, f"{verbs[action]} a {singular.replace('_', ' ')}.",
                ops[action]) for action, check in checks.items()]
    for key, check in (attributes or {}).items():
        action, _, attribute = key.partition(":")
        what = {"create": "Set ``{a}`` when creating", "update": "Change ``{a}`` of",
                "get": "See ``{a}`` of"}[action].format(a=attribute)
        out.append(rule(f"{action}_{singular}:{attribute}", check,
                        f"{what} a {singular.replace('_', ' ')}.", ops[action]))
    return out


def rules_for(resource: Any, checks: dict[str, str],
              attributes: dict[str, str] | None = None) -> list[policy.DocumentedRuleDefault]:
    """``resource_rules`` of a Resource declaration: its name and path as declared."""
    path = ("/" + resource.url_path if resource.parent is None
            else f"/{resource.parent}/{{parent_id}}/{resource.url_path}")
    return resource_rules(resource.name, path, checks, attributes)
