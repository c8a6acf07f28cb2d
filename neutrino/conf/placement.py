"""[placement]: how the server reaches Placement (keystoneauth1 options: auth_type,
auth_url, username, ... or admin_token with endpoint and token; endpoint_override,
region_name, valid_interfaces). ``auth_type`` unset: no Placement, nothing synced.
The keystoneauth1 options are registered by the client when it loads them."""
from oslo_config import cfg

GROUP = "placement"
OPTS = [
    cfg.FloatOpt("sync_timeout", default=10.0,
                 help="Seconds one call to Placement may take before the agent's sync counts "
                      "as failed (retried at its next heartbeat)."),
    cfg.FloatOpt("sync_interval", default=10.0,
                 help="Seconds between passes over the agents' records that sync those whose "
                      "report changed, or whose last sync failed and that heartbeat since."),
    cfg.FloatOpt("full_sync_interval", default=300.0,
                 help="Seconds between passes that verify every agent's providers in Placement "
                      "(one listing per agent; a full comparison where a generation moved), "
                      "the safety net behind the syncs agents' reports trigger."),
    cfg.IntOpt("sync_workers", default=1, min=1,
               help="Threads of a server process that sync agents into Placement (one agent "
                    "at a time each). More help only a Placement whose database takes "
                    "concurrent writers (MySQL, PostgreSQL); one on SQLite answers them with "
                    "'database is locked'."),
    cfg.IntOpt("generation_retries", default=5,
               help="How often a write refused for a stale provider generation is retried."),
]


def register(conf: cfg.ConfigOpts) -> None:
    conf.register_opts(OPTS, group=GROUP)
