"""[network_log]: packet logging (the logging API): which types the server accepts, and
how the agent writes the records (docs/logging.md)."""
from oslo_config import cfg, types

GROUP = "network_log"
OPTS = [
    cfg.ListOpt("resource_types", default=["security_group", "snat"],
                item_type=types.String(choices=("security_group", "snat")),
                help="The resource types logs may be of (GET /v2.0/log/loggable-resources): "
                     "the types the data plane writes logs for. security_group: the agent's "
                     "security-group flows; snat: the router namespaces' SNAT."),
    # The agent's side, under Neutron's names.
    cfg.IntOpt("rate_limit", default=100, min=100,
               help="Agent: most log records per second this host writes for each kind "
                    "(security groups: all its ports together; SNAT: each router)."),
    cfg.IntOpt("burst_limit", default=25, min=25,
               help="Agent: records written beyond rate_limit in a burst before the limit "
                    "applies."),
    cfg.StrOpt("local_output_log_base",
               help="Agent: the file the records are appended to, one JSON object a line; "
                    "unset: <[agent] state_path>/packet-log.jsonl."),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)
