"""[quotas] options: the default per-project limit of each quota resource.

Every option is mutable: SIGHUP applies a changed default without a restart,
so the quota code reads these values at use time and never caches them.
"""
from oslo_config import cfg

MAX_LIMIT = 2**31 - 1

# Quota resource -> (default limit, what it counts). Each appears in the quotas API
# even before a plugin counts it; -1 means unlimited.
DEFAULT_LIMITS: dict[str, tuple[int, str]] = {
    "network": (100, "networks"),
    "subnet": (100, "subnets"),
    "port": (500, "ports"),
    "router": (10, "routers"),
    "floatingip": (50, "floating IPs"),
    "security_group": (10, "security groups"),
    "security_group_rule": (100, "security group rules"),
    "rbac_policy": (10, "RBAC policies"),
    "subnetpool": (-1, "subnet pools"),
}

OPTS = [
    cfg.IntOpt("default_quota", default=-1, min=-1, max=MAX_LIMIT, mutable=True,
               help="Limit of a quota resource that has no quota_<resource> option "
                    "(e.g. one a service plugin adds); -1 means unlimited."),
    *(cfg.IntOpt(f"quota_{name}", default=limit, min=-1, max=MAX_LIMIT, mutable=True,
                 help=f"Number of {what} a project may have; -1 means unlimited.")
      for name, (limit, what) in DEFAULT_LIMITS.items()),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group="quotas")
