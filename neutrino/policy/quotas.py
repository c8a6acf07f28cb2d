"""Who may read and change quotas: a project reads its own; admins change them."""
from neutrino.policy.base import ADMIN, ADMIN_OR_PROJECT_READER, rule

ONE = "/quotas/{project_id}"

RULES = [
    rule("get_quota", ADMIN_OR_PROJECT_READER, "Show a project's quota, defaults or usage.",
         [{"method": "GET", "path": "/quotas"}, {"method": "GET", "path": ONE},
          {"method": "GET", "path": ONE + "/default"},
          {"method": "GET", "path": ONE + "/details"}]),
    rule("update_quota", ADMIN, "Set a project's quota.", [{"method": "PUT", "path": ONE}]),
    rule("delete_quota", ADMIN, "Reset a project's quota to the defaults.",
         [{"method": "DELETE", "path": ONE}]),
]
