"""quotas, quota_details, quota-check-limit(-default): per-project limits on how many
resources a project may own (/v2.0/quotas, served by neutrino/api/quotas.py).

The quota resources (network, port, ...) are not declared here: they are the
[quotas] options plus whatever loaded plugins count, so the API module takes
their names from the quota registry and checks values against QUOTA_LIMIT.
"""
from neutrino.definitions.base import Extension, Operation
from neutrino.definitions.kinds import Boolean, Integer, String

QUOTA_LIMIT = Integer(-1, 2**31 - 1)  # -1: unlimited
PROJECT_ID = String(255, min_len=1)
# PUT flags besides the limits: `force` skips the check against current usage;
# `check_limit` asks for that check, which is made by default anyway.
FLAGS = {"force": Boolean(), "check_limit": Boolean()}

_LIMITS = {"type": "object", "additionalProperties": QUOTA_LIMIT.schema(),
           "properties": {"project_id": {"type": "string"}, "tenant_id": {"type": "string"}}}
_QUOTA = {"type": "object", "properties": {"quota": _LIMITS}}
_QUOTAS = {"type": "object", "properties": {"quotas": {"type": "array", "items": _LIMITS}}}
_UPDATE = {"type": "object", "properties": {"quota": {
    "type": "object", "additionalProperties": QUOTA_LIMIT.schema(),
    "properties": {name: kind.schema() for name, kind in FLAGS.items()}}}}
_DETAIL = {"type": "object", "properties": {n: {"type": "integer"}
                                            for n in ("limit", "used", "reserved")}}
_DETAILS = {"type": "object", "properties": {"quota": {"type": "object",
                                                       "additionalProperties": _DETAIL}}}
_WHOAMI = {"type": "object", "properties": {"project": {"type": "object", "properties": {
    "project_id": {"type": "string"}}}}}

QUOTAS = Extension(
    alias="quotas", name="Quota management support",
    description="Expose functions for quotas management per project",
    updated="2012-07-29T10:00:00-00:00",
    operations=(
        Operation("get", "/v2.0/quotas", "Projects with limits of their own (admin)",
                  response=_QUOTAS),
        Operation("get", "/v2.0/quotas/{project_id}", "A project's limits", response=_QUOTA),
        Operation("put", "/v2.0/quotas/{project_id}",
                  "Set limits (admin); below current usage only with force",
                  request=_UPDATE, response=_QUOTA),
        Operation("delete", "/v2.0/quotas/{project_id}",
                  "Reset a project's limits to the defaults (admin)", status=204),
        Operation("get", "/v2.0/quotas/{project_id}/default", "The default limits",
                  response=_QUOTA),
        Operation("get", "/v2.0/quotas/project", "The caller's project", response=_WHOAMI),
    ),
)
QUOTA_DETAILS = Extension(
    alias="quota_details", name="Quota details management support",
    description="Expose functions for quotas usage statistics per project",
    updated="2017-02-10T10:00:00-00:00", requires=("quotas",),
    operations=(Operation("get", "/v2.0/quotas/{project_id}/details",
                          "Limit, used and reserved per resource", response=_DETAILS),),
)
QUOTA_CHECK_LIMIT = Extension(
    alias="quota-check-limit", name="Quota engine limit check",
    description="Support for checking the resource usage before applying a new quota limit",
    updated="2021-09-08T16:00:00-00:00", requires=("quotas",),
)
QUOTA_CHECK_LIMIT_DEFAULT = Extension(
    alias="quota-check-limit-default", name="Quota engine limit check by default",
    description="By default, the quota engine checks the resource usage before applying "
                "a new quota limit",
    updated="2024-08-21T16:00:00-00:00", requires=("quota-check-limit",),
)
EXTENSIONS = [QUOTAS, QUOTA_DETAILS, QUOTA_CHECK_LIMIT, QUOTA_CHECK_LIMIT_DEFAULT]
