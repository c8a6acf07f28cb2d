"""[network_log]: packet logging (the logging API) on the server's side."""
from oslo_config import cfg, types

GROUP = "network_log"
OPTS = [
    cfg.ListOpt("resource_types", default=["security_group"],
                item_type=types.String(choices=("security_group", "snat")),
                help="The resource types logs may be of (GET /v2.0/log/loggable-resources): "
                     "the types the data plane writes logs for. security_group: the agent's "
                     "security-group flows; snat: the router namespaces' SNAT (list it once "
                     "the L3 data plane writes SNAT logs)."),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)
