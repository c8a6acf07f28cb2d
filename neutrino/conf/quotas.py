"""[quotas] options: the default per-project limit of each quota resource.

Every option is mutable: SIGHUP applies a changed default without a restart,
so the quota code reads these values at use time and never caches them.
"""
from oslo_config import cfg

# Quota resource -> (default limit, what it counts). Each appears in the quotas API
# even before a plugin counts it. A negative limit means unlimited (as in Neutron, and
# no value makes the option unreadable at run time).
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
    cfg.IntOpt("default_quota", default=-1, mutable=True,
               help="Limit of a quota resource that has no quota_<resource> option "
                    "(e.g. one a service plugin adds); negative means unlimited."),
    *(cfg.IntOpt(f"quota_{name}", default=limit, mutable=True,
                 help=f"Number of {what} a project may have; negative means unlimited.")
      for name, (limit, what) in DEFAULT_LIMITS.items()),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group="quotas")
