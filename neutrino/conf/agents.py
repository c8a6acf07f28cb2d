"""[DEFAULT] options about agents: liveness and DHCP scheduling."""
from oslo_config import cfg

OPTS = [
    cfg.IntOpt("agent_down_time", default=75, min=1, mutable=True,
               help="Seconds after its last heartbeat an agent is considered dead "
                    "(alive false); its host's ports then go DOWN."),
    cfg.IntOpt("agent_check_interval", default=0, min=0,
               help="Seconds between the server's checks for agents that died; 0 means "
                    "half of agent_down_time."),
    cfg.IntOpt("dhcp_agents_per_network", default=1, min=1,
               help="DHCP agents that serve each network with a DHCP-enabled subnet."),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS)
