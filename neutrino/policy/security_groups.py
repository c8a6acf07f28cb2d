"""Who may do what with security groups and their rules: the group's project
manages both; a rule belongs to its group's project."""
from neutrino.definitions.security_groups import SECURITY_GROUP, SECURITY_GROUP_RULE
from neutrino.policy.base import (
    ADMIN_OR_PROJECT_MEMBER,
    ADMIN_OR_PROJECT_READER,
    any_of,
    rules_for,
)
from oslo_policy import policy

SG_OWNER = "rule:sg_owner"
MEMBER_OR_SG_OWNER = any_of(ADMIN_OR_PROJECT_MEMBER, f"role:member and {SG_OWNER}")
READER_OR_SG_OWNER = any_of(ADMIN_OR_PROJECT_READER, f"role:reader and {SG_OWNER}")

RULES = [
    policy.RuleDefault("sg_owner", "project_id:%(security_group:project_id)s",
                       description="The caller's project owns the rule's security group."),
    *rules_for(SECURITY_GROUP, {
        "create": ADMIN_OR_PROJECT_MEMBER,
        "get": ADMIN_OR_PROJECT_READER,
        "update": ADMIN_OR_PROJECT_MEMBER,
        "delete": ADMIN_OR_PROJECT_MEMBER,
    }),
    *rules_for(SECURITY_GROUP_RULE, {
        "create": MEMBER_OR_SG_OWNER,
        "get": READER_OR_SG_OWNER,
        "update": MEMBER_OR_SG_OWNER,
        "delete": MEMBER_OR_SG_OWNER,
    }),
]
